/* reach.c - the channel that reaches a person, what it allows, and queueing to her. */
#include "reach.h"

#include "channel.h"
#include "config.h"
#include "domain.h"
#include "sms.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

int reach_init(struct reach *r, const struct config *cfg, char *err, size_t errsz)
{
    r->default_channel = config_get(cfg, "outbox", "default_channel");
    if (!channel_find(r->default_channel)) {
        snprintf(err, errsz, "[outbox] default_channel: no channel named \"%s\"",
                 r->default_channel);
        return -1;
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

static int64_t queue(const struct reach *r, struct store *s, const struct store_person *to,
                     const char *channel, const char *text, const char *kind,
                     const char *dedupe_key, const char *buttons, int64_t message_id, int64_t now,
                     int64_t send_at)
{
    bool ucs2 = false;
    int segments = sms_segments(text, strlen(text), &ucs2);
    struct store_outgoing o = {
        .message_id = message_id,
        .channel = channel ? channel : reach_channel(r, to),
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

int reach_queue_notices(const struct reach *r, struct store *s, const struct domain_effects *fx,
                        int64_t message_id, int64_t now)
{
    if (fx->oom)
        return -1;
    int queued = 0;
    for (size_t i = 0; i < fx->n_notices; i++) {
        const struct domain_notice *no = &fx->notices[i];
        int64_t id = queue(r, s, &no->to, NULL, no->text, no->kind, no->dedupe_key, no->buttons,
                           message_id, now, 0);
        if (id < 0)
            return -1;
        queued += id > 0;
    }
    return queued;
}
