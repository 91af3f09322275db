/* pipeline.c - one inbound message: stored once, parsed, applied, answered (product.md s. 2). */
#include "pipeline.h"

#include "channel.h"
#include "config.h"
#include "format.h"
#include "ledger.h"
#include "log.h"
#include "parse.h"
#include "parse_json.h"
#include "sms.h"
#include "store.h"
#include "templates.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pipeline_init(struct pipeline *p, const struct config *cfg, const struct templates *tpl,
                  char *err, size_t errsz)
{
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    p->tpl = tpl;
    p->default_lang = config_get(cfg, "locale", "language");
    p->default_channel = config_get(cfg, "outbox", "default_channel");
    p->replies_per_hour = (int)config_get_long(cfg, "server", "replies_per_hour");
    p->auto_confirm = config_get_bool(cfg, "ledger", "auto_confirm_without_treasurer");
    if (format_parse_tz(config_get(cfg, "locale", "timezone"), &p->default_tz) != 0) {
        snprintf(err, errsz, "[locale] timezone must look like +07:00");
        return -1;
    }
    if (!channel_find(p->default_channel)) {
        snprintf(err, errsz, "[outbox] default_channel: no channel named \"%s\"",
                 p->default_channel);
        return -1;
    }
    return 0;
}

const char *pipeline_language(const struct pipeline *p, const struct store_person *who)
{
    return who && who->language[0] ? who->language : p->default_lang;
}

int64_t pipeline_queue_to(const struct pipeline *p, struct store *s, const struct store_person *to,
                          const char *text, const char *kind, const char *dedupe_key,
                          int64_t message_id, int64_t now, int64_t send_at)
{
    const char *channel = to->channel[0]        ? to->channel
                          : to->last_channel[0] ? to->last_channel
                                                : p->default_channel;
    bool ucs2 = false;
    int segments = sms_segments(text, strlen(text), &ucs2);
    struct store_outgoing o = {
        .message_id = message_id,
        .channel = channel,
        .phone = to->phone,
        .text = text,
        .kind = kind,
        .dedupe_key = dedupe_key,
        .at = now,
        .send_at = send_at,
        .segments = segments,
        .encoding = ucs2 ? "ucs2" : "gsm7",
    };
    return store_outbox_queue(s, &o);
}

/* The message's fate, as staff see it in exports. */
static const char *message_status(const struct store_person *who, const struct ledger_ctx *ctx,
                                  const struct parse_result *r)
{
    if (!who->role[0] && ctx->errors)
        return "unregistered";
    for (int i = 0; i < r->n_commands; i++)
        if (r->commands[i].error != PARSE_ERR_OK)
            return "not_understood";
    return ctx->errors ? "refused" : "ok";
}

int pipeline_inbound(const struct pipeline *p, struct store *s, const char *channel,
                     const struct channel_inbound *in, int64_t now, struct pipeline_result *out)
{
    memset(out, 0, sizeof *out);
    struct store_inbound m = {
        .channel = channel,
        .provider_id = in->provider_id,
        .phone = in->from,
        .text = in->text,
        .media = in->media,
        .received_at = now,
        .provider_at = in->at,
    };
    int64_t id = store_message_insert(s, &m);
    if (id < 0)
        return -1;
    if (id == 0) { /* a provider's retry: acknowledged, neither stored nor answered again */
        out->duplicate = true;
        return 0;
    }
    out->message_id = id;
    struct store_person who;
    if (store_person_touch(s, in->from, channel, now) != 0 ||
        store_person_by_phone(s, in->from, &who) != 1)
        return -1;

    struct ledger_ctx ctx = {
        .p = p,
        .s = s,
        .who = &who,
        .lang = pipeline_language(p, &who),
        .now = now,
        .message_id = id,
        .reply = out->reply,
        .replysz = sizeof out->reply,
    };
    const char *status;
    char *parsed = NULL;
    if (in->media[0] && !in->text[0]) {
        ledger_reply(&ctx, "media", NULL, 0);
        status = "media";
    } else {
        struct parse_result *r = malloc(sizeof *r);
        if (!r)
            return -1;
        parse_message(in->text, strlen(in->text), r);
        for (int i = 0; i < r->n_commands; i++) {
            if (ledger_apply(&ctx, &r->commands[i]) != 0) {
                free(r);
                return -1;
            }
        }
        json_t *j = parse_result_to_json(in->text, strlen(in->text), r);
        json_t *cmds = j ? json_object_get(j, "commands") : NULL;
        parsed = cmds ? json_dumps(cmds, JSON_COMPACT) : NULL;
        json_decref(j);
        status = message_status(&who, &ctx, r);
        for (int i = 0; i < r->n_commands; i++)
            out->parse_errors += r->commands[i].error != PARSE_ERR_OK;
        free(r);
    }
    int rc = 0;
    /* An auto-responder talking to us would loop for ever: cap replies per sender per hour. */
    int recent = p->replies_per_hour ? store_replies_since(s, who.phone, now - 3600) : 0;
    if (recent < 0) {
        rc = -1;
    } else if (p->replies_per_hour && recent >= p->replies_per_hour) {
        status = "limited";
        out->limited = true;
        log_event(LOG_WARN, "reply limit reached", "channel=%s replies_last_hour=%d", channel,
                  recent);
    } else if (out->reply[0]) {
        /* Reply on the channel the message came in on, whatever the person's preference. */
        snprintf(who.channel, sizeof who.channel, "%s", channel);
        if (pipeline_queue_to(p, s, &who, out->reply, "reply", NULL, id, now, 0) < 0)
            rc = -1;
        else
            out->replied = true;
    }
    if (rc == 0 && store_message_set_status(s, id, status, parsed) != 0)
        rc = -1;
    free(parsed);
    return rc;
}

int pipeline_status(const struct pipeline *p, struct store *s, const char *channel,
                    const struct channel_status *st)
{
    static const char *const names[] = {
        [CHANNEL_DELIVERY_SENT] = "sent",
        [CHANNEL_DELIVERY_DELIVERED] = "delivered",
        [CHANNEL_DELIVERY_READ] = "read",
        [CHANNEL_DELIVERY_FAILED] = "failed",
    };
    int n = store_outbox_apply_status(s, channel, st->provider_id, names[st->delivery],
                                      st->error[0] ? st->error : NULL);
    if (n == 0)
        log_event(LOG_INFO, "status for an unknown message", "channel=%s status=%s", channel,
                  names[st->delivery]);
    return n < 0 ? -1 : 0;
}
