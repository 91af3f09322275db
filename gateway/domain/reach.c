/* reach.c - the channel that reaches a person, what it allows, and queueing to her. */
#include "reach.h"

#include "channel.h"
#include "config.h"
#include "domain.h"
#include "format.h"
#include "reminders.h"
#include "sms.h"
#include "log.h"
#include "phone.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int reach_init(struct reach *r, const struct config *cfg, char *err, size_t errsz)
{
    r->default_channel = config_get(cfg, "outbox", "default_channel");
    r->quiet_start = config_get(cfg, "reminders", "quiet_start");
    r->quiet_end = config_get(cfg, "reminders", "quiet_end");
    if (format_parse_tz(config_get(cfg, "locale", "timezone"), &r->default_tz) != 0)
        r->default_tz = 7 * 3600;
    if (!channel_find(r->default_channel)) {
        snprintf(err, errsz, "[outbox] default_channel: no channel named \"%s\"",
                 r->default_channel);
        return -1;
    }
    const char *fb = config_get(cfg, "outbox", "sms_fallback");
    r->sms_fallback = NULL;
    if (strcmp(fb, "none") == 0 || !fb[0])
        return 0;
    if (strcmp(fb, "auto") != 0) {
        const struct channel_driver *d = channel_find(fb);
        if (!d || !d->sms) {
            snprintf(err, errsz, "[outbox] sms_fallback: \"%s\" is not an SMS channel", fb);
            return -1;
        }
        r->sms_fallback = d->name;
        return 0;
    }
    for (size_t i = 0; channel_drivers[i]; i++) {
        const struct channel_driver *d = channel_drivers[i];
        if (!d->sms || !config_get_bool(cfg, d->name, "enabled"))
            continue;
        /* A Twilio account configured with a WhatsApp sender sends no SMS. */
        if (d->window_prefix && strncmp(config_get(cfg, d->name, "from"), d->window_prefix,
                                        strlen(d->window_prefix)) == 0)
            continue;
        r->sms_fallback = d->name;
        break;
    }
    return 0;
}

const char *reach_channel(const struct reach *r, const struct store_person *to)
{
    return to->channel[0]        ? to->channel
           : to->last_channel[0] ? to->last_channel
                                 : r->default_channel;
}

bool reach_sms_sized(const char *channel)
{
    const struct channel_driver *d = channel_find(channel);
    return !d || d->sms; /* an unknown channel: assume the costly one */
}

bool reach_in_window(const struct channel_driver *d, int64_t last_inbound_at, int64_t now)
{
    if (!d->window_seconds)
        return true;
    return last_inbound_at && now - last_inbound_at < d->window_seconds;
}

bool reach_in_window_from(const struct channel_driver *d, const char *sender,
                          int64_t last_inbound_at, int64_t now)
{
    if (d->window_prefix && sender && sender[0] &&
        strncmp(sender, d->window_prefix, strlen(d->window_prefix)) != 0)
        return true;
    return reach_in_window(d, last_inbound_at, now);
}

static int64_t queue(const struct reach *r, struct store *s, const struct store_person *to,
                     const char *channel, const char *text, const char *kind,
                     const char *dedupe_key, const char *buttons, int64_t message_id, int64_t now,
                     int64_t send_at)
{
    bool ucs2 = false;
    int segments = sms_segments(text, strlen(text), &ucs2);
    const char *via = channel ? channel : reach_channel(r, to);
    struct store_outgoing o = {
        .message_id = message_id,
        .channel = via,
        .sender = strcmp(via, to->last_channel) == 0 ? to->last_to : NULL,
        .phone = to->phone,
        .text = text,
        .kind = kind,
        .dedupe_key = dedupe_key && dedupe_key[0] ? dedupe_key : NULL,
        .at = now,
        .send_at = send_at,
        .segments = segments,
        .encoding = ucs2 ? "ucs2" : "gsm7",
        .buttons = buttons,
    };
    return store_outbox_queue(s, &o);
}

int64_t reach_queue(const struct reach *r, struct store *s, const struct store_person *to,
                    const char *channel, const char *text, const char *kind, const char *dedupe_key,
                    int64_t message_id, int64_t now, int64_t send_at)
{
    return queue(r, s, to, channel, text, kind, dedupe_key, NULL, message_id, now, send_at);
}

int64_t reach_send_at(const struct reach *r, const struct store_person *to, int64_t now)
{
    int tz;
    if (!to->group_tz[0] || format_parse_tz(to->group_tz, &tz) != 0)
        tz = r->default_tz;
    int64_t at = reminders_after_quiet(now, tz, r->quiet_start, r->quiet_end);
    return at > now ? at : 0;
}

int reach_queue_notices(const struct reach *r, struct store *s, const struct domain_effects *fx,
                        int64_t message_id, int64_t now)
{
    if (fx->oom)
        return -1;
    int queued = 0;
    for (size_t i = 0; i < fx->n_notices; i++) {
        const struct domain_notice *no = &fx->notices[i];
        int64_t id = queue(r, s, &no->to, NULL, no->text, no->kind, no->dedupe_key, no->buttons,
                           message_id, now, reach_send_at(r, &no->to, now));
        if (id < 0)
            return -1;
        queued += id > 0;
    }
    return queued;
}

/* Cuts text in place (size is its buffer's size) to at most max segments, at a line end where
 * possible, marking the cut with "..." on a line of its own. */
static void cut_segments(char *text, size_t size, int max)
{
    size_t len = strlen(text);
    if (sms_segments(text, len, NULL) <= max)
        return;
    while (len > 0) {
        size_t end = len;
        if (text[end - 1] == '\n') /* the line end kept by the previous cut */
            end--;
        size_t nl = end;
        while (nl > 0 && text[nl - 1] != '\n')
            nl--;
        if (nl > 0) {
            len = nl; /* whole lines, with their line end */
        } else {
            len = end ? end - 1 : 0; /* one long line: shorten it, never splitting a character */
            while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
                len--;
        }
        if (len + 4 > size)
            continue;
        memcpy(text + len, "...", 4);
        if (sms_segments(text, len + 3, NULL) <= max)
            return;
        text[len] = '\0';
    }
}

int64_t reach_failed(const struct reach *r, struct store *s, const struct store_outbox_row *row,
                     enum channel_failure failure, const char *error, int64_t now)
{
    char masked[48];
    phone_mask(row->phone, masked, sizeof masked);
    if (failure == CHANNEL_FAILURE_OPTED_OUT) {
        char reason[CHANNEL_ERROR_MAX + 32];
        snprintf(reason, sizeof reason, "%s %s", row->channel, error ? error : "opted out");
        int n = store_person_opt_out_phone(s, row->phone, reason, now);
        if (n < 0)
            return -1;
        log_event(LOG_WARN, "opted out by the provider", "channel=%s to=%s people=%d", row->channel,
                  masked, n);
        return 0;
    }
    if (failure != CHANNEL_FAILURE_UNDELIVERABLE || !r->sms_fallback || row->fallback_of)
        return 0;
    const struct channel_driver *d = channel_find(row->channel);
    /* Sent on WhatsApp: a channel that is not SMS, or Twilio from a whatsapp: sender. */
    bool whatsapp =
        d && (!d->sms || (d->window_prefix && row->sender[0] &&
                          strncmp(row->sender, d->window_prefix, strlen(d->window_prefix)) == 0));
    if (!whatsapp || row->phone[0] != '+') /* already SMS, or a user id: no number to text */
        return 0;
    int had = store_outbox_has_fallback(s, row->id);
    if (had != 0)
        return had < 0 ? -1 : 0;
    struct store_person to;
    int found = store_person_by_phone(s, row->phone, &to);
    if (found < 0)
        return -1;
    if (found && to.opted_out)
        return 0;
    size_t size = strlen(row->text) + 8;
    char *text = malloc(size);
    if (!text)
        return -1;
    snprintf(text, size, "%s", row->text);
    cut_segments(text, size, REACH_FALLBACK_SEGMENTS);
    bool ucs2 = false;
    int segments = sms_segments(text, strlen(text), &ucs2);
    struct store_outgoing o = {
        .message_id = row->message_id,
        .channel = r->sms_fallback,
        .phone = row->phone,
        .text = text,
        .kind = row->kind[0] ? row->kind : "reply",
        .at = now,
        .send_at = now,
        .segments = segments,
        .encoding = ucs2 ? "ucs2" : "gsm7",
        .fallback_of = row->id,
    };
    int64_t id = store_outbox_queue(s, &o);
    free(text);
    if (id <= 0)
        return id;
    char note[64];
    snprintf(note, sizeof note, "sent by SMS instead: %s outbox %lld", r->sms_fallback,
             (long long)id);
    if (store_outbox_note(s, row->id, note) != 0)
        return -1;
    log_event(LOG_INFO, "undeliverable on WhatsApp, sent by SMS instead",
              "channel=%s fallback=%s to=%s outbox=%lld", row->channel, r->sms_fallback, masked,
              (long long)id);
    return id;
}
