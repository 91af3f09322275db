/* pipeline.c - one inbound message: stored once, parsed, applied, answered (product.md s. 2). */
#include "pipeline.h"

#include "channel.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "parse.h"
#include "parse_json.h"
#include "reach.h"
#include "sms.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pipeline_init(struct pipeline *p, const struct config *cfg, const struct domain *d,
                   const struct reach *r)
{
    p->d = d;
    p->r = r;
    p->replies_per_hour = (int)config_get_long(cfg, "server", "replies_per_hour");
}

int pipeline_prepare(const struct channel_inbound *in, struct pipeline_prepared *out)
{
    out->parse = NULL;
    out->parsed_json = NULL;
    /* Nothing to parse: media without a caption, a Flows form (its body is the button's word,
     * "Sent"; the answers are kept as JSON), a group chat (recorded, never answered). */
    if ((in->media[0] && !in->text[0]) || strcmp(in->media, "flow") == 0 || in->group)
        return 0;
    size_t len = strlen(in->text);
    out->parse = malloc(sizeof *out->parse);
    if (!out->parse)
        return -1;
    parse_message(in->text, len, out->parse);
    out->parsed_json = parse_commands_dumps(out->parse);
    return out->parsed_json ? 0 : -1;
}

void pipeline_prepared_free(struct pipeline_prepared *pre)
{
    if (!pre)
        return;
    free(pre->parse);
    free(pre->parsed_json);
    pre->parse = NULL;
    pre->parsed_json = NULL;
}

/* A message of several commands whose short lines still need more than one SMS is answered by
 * a summary: how many were recorded, their refs, how many failed (product.md s. 7). */
static void summarise(struct domain_ctx *ctx, int commands)
{
    struct domain_effects *fx = ctx->fx;
    bool ucs2 = false;
    if (sms_segments(fx->reply, fx->used, &ucs2) <= 1)
        return;
    char refs[DOMAIN_REFS_MAX * 8 + 1] = "", count[16], ok[16], failed[16];
    size_t used = 0;
    for (int i = 0; i < fx->n_refs && used + 9 < sizeof refs; i++)
        used +=
            (size_t)snprintf(refs + used, sizeof refs - used, "%s%s", i ? " " : "", fx->refs[i]);
    snprintf(count, sizeof count, "%d", commands);
    snprintf(ok, sizeof ok, "%d", commands - fx->errors);
    snprintf(failed, sizeof failed, "%d", fx->errors);
    struct template_var v[] = {{"count", count}, {"ok", ok}, {"failed", failed}, {"refs", refs}};
    int errors = fx->errors;
    fx->reply[0] = '\0';
    fx->used = 0;
    domain_reply(ctx, errors ? "multi_summary" : "multi_summary_all", v, 4);
    fx->errors = errors;
}

/* On a shared handset with no code written first: the codes and first names on the phone, as
 * many as fit one SMS, and nothing recorded. */
static void ask_who(struct domain_ctx *ctx, const struct store_person *on_phone, int n)
{
    char list[512] = "", try_list[512], count[16], reply[480];
    const char *code = on_phone[0].code;
    snprintf(count, sizeof count, "%d", n);
    for (int i = 0; i < n; i++) {
        int first_len = (int)strcspn(on_phone[i].name, " "); /* her first name */
        if (first_len > 20)
            first_len = 20;
        int ll = snprintf(try_list, sizeof try_list, "%s%s%s %.*s", list, i ? ", " : "",
                          on_phone[i].code, first_len, on_phone[i].name);
        if (ll >= (int)sizeof try_list)
            break;
        struct template_var v[] = {{"count", count}, {"list", try_list}, {"code", code}};
        int len =
            domain_render(ctx->d->tpl, ctx->lang, "shared_phone_who", v, 3, reply, sizeof reply);
        if (i > 0 && (len < 0 || sms_segments(reply, (size_t)len, NULL) > 1))
            break;
        memcpy(list, try_list, (size_t)ll + 1);
    }
    struct template_var v[] = {{"count", count}, {"list", list}, {"code", code}};
    domain_refuse(ctx, "shared_phone_who", v, 3);
}

/* Who a command is from on this phone: the member whose code stands first, else the only one
 * registered on it. Returns her, or NULL after refusing (a code not on this phone, or a shared
 * handset and no code: the command is not carried out). */
static struct store_person *command_actor(struct domain_ctx *ctx, const struct parse_command *c,
                                          struct store_person *who, struct store_person *on_phone,
                                          int n)
{
    if (c->member[0]) {
        for (int i = 0; i < n; i++)
            if (strcmp(on_phone[i].code, c->member) == 0)
                return &on_phone[i];
        struct template_var v[] = {{"code", c->member}};
        domain_refuse(ctx, "member_not_on_phone", v, 1);
        return NULL;
    }
    bool anyone =
        c->error != PARSE_ERR_OK || c->cmd == PARSE_CMD_HELP || c->cmd == PARSE_CMD_REGISTER;
    if (n > 1 && !anyone) {
        ask_who(ctx, on_phone, n);
        return NULL;
    }
    return who;
}

/* The message's fate, as staff see it in exports. */
static const char *message_status(const struct store_person *who, int errors,
                                  const struct parse_result *r)
{
    if (!who->role[0] && errors)
        return "unregistered";
    for (int i = 0; i < r->n_commands; i++)
        if (r->commands[i].error != PARSE_ERR_OK)
            return "not_understood";
    return errors ? "refused" : "ok";
}

int pipeline_inbound(const struct pipeline *p, struct store *s, const char *channel,
                     const struct channel_inbound *in, const struct pipeline_prepared *pre,
                     int64_t now, bool keep_reply, struct pipeline_result *out)
{
    *out = (struct pipeline_result){0};
    struct pipeline_prepared own = {0};
    if (!pre) {
        if (pipeline_prepare(in, &own) != 0)
            return -1;
        pre = &own;
    }
    /* Stored with the status it will most likely keep (and its parse), so that only a message
     * whose commands did not all go through is written a second time. */
    const char *expected = in->group ? "group" : !pre->parse ? "media" : "ok";
    struct store_inbound m = {
        .channel = channel,
        .provider_id = in->provider_id,
        .phone = in->from,
        .text = in->text,
        .media = in->media,
        .received_at = now,
        .provider_at = in->at,
        .to_addr = in->to,
        .media_ref = in->media_ref,
        .media_mime = in->mime,
        .meta = in->meta,
        .status = expected,
        .parsed = pre->parsed_json,
    };
    int64_t id = store_message_insert(s, &m);
    if (id <= 0 || in->group) {
        /* A provider's retry (0): acknowledged, neither stored nor answered again. A group
         * chat: kept for staff, never answered in private. */
        out->duplicate = id == 0;
        out->message_id = id > 0 ? id : 0;
        pipeline_prepared_free(&own);
        return id < 0 ? -1 : 0;
    }
    out->message_id = id;
    struct store_person who, on_phone[DOMAIN_SHARED_MAX];
    int n_on_phone = -1;
    /* The members on the phone, oldest first; the sender is the first of them (as
     * store_person_by_phone picks), or the phone's unregistered person when none. */
    if (store_person_touch_via(s, in->from, channel, in->to, in->user_id, now) != 0 ||
        (n_on_phone = store_people_by_phone(s, in->from, on_phone, DOMAIN_SHARED_MAX)) < 0 ||
        (n_on_phone == 0 && store_person_by_phone(s, in->from, &who) != 1)) {
        pipeline_prepared_free(&own);
        return -1;
    }
    if (n_on_phone > DOMAIN_SHARED_MAX)
        n_on_phone = DOMAIN_SHARED_MAX;
    if (n_on_phone > 0)
        who = on_phone[0];
    struct domain_effects effects, *fx = &effects; /* not zeroed: domain_effects_init */
    domain_effects_init(fx);
    struct domain_ctx ctx;
    domain_ctx_init(&ctx, p->d, s, &who, now, id, fx);
    const char *status = "media";
    int rc = 0;
    if (!pre->parse) {
        rc = domain_media(&ctx, in->media); /* a participant's voice note: the discussion */
    } else {
        const struct parse_result *r = pre->parse;
        ctx.brief = r->n_commands > 1;
        for (int i = 0; i < r->n_commands && rc == 0; i++) {
            /* On a shared handset each command is the member's whose code stands first. */
            struct store_person *actor =
                command_actor(&ctx, &r->commands[i], &who, on_phone, n_on_phone);
            if (!actor)
                continue;
            ctx.actor = actor;
            ctx.lang = domain_language(p->d, actor);
            rc = domain_apply(&ctx, &r->commands[i]);
        }
        if (rc == 0 && ctx.brief)
            summarise(&ctx, r->n_commands);
        status = message_status(&who, fx->errors, r);
        for (int i = 0; i < r->n_commands; i++)
            out->parse_errors += r->commands[i].error != PARSE_ERR_OK;
    }
    if (rc == 0 && reach_queue_notices(p->r, s, fx, id, now) < 0)
        rc = -1;
    /* An auto-responder talking to us would loop for ever: cap replies per sender per hour. */
    int recent = rc == 0 && p->replies_per_hour && fx->reply[0]
                     ? store_replies_since(s, who.phone, now - 3600)
                     : 0;
    if (recent < 0) {
        rc = -1;
    } else if (rc == 0 && p->replies_per_hour && recent >= p->replies_per_hour) {
        status = "limited";
        out->limited = true;
        log_event(LOG_WARN, "reply limit reached", "channel=%s replies_last_hour=%d", channel,
                  recent);
        /* Told once: the notice is itself a reply, so the next message finds the count past
         * the limit and stays silent. */
        if (recent == p->replies_per_hour) {
            char notice[256];
            if (domain_render(p->d->tpl, ctx.lang, "reply_limit", NULL, 0, notice, sizeof notice) >=
                    0 &&
                reach_queue(p->r, s, &who, channel, notice, "reply", NULL, id, now, 0) < 0)
                rc = -1;
        }
    } else if (rc == 0 && fx->reply[0]) {
        /* Reply on the channel the message came in on, whatever the person's preference. */
        if (reach_queue(p->r, s, &who, channel, fx->reply, "reply", NULL, id, now, 0) < 0)
            rc = -1;
        else
            out->replied = true;
        if (rc == 0 && keep_reply && !(out->reply = strdup(fx->reply)))
            rc = -1;
    }
    if (rc == 0 && strcmp(status, expected) != 0 &&
        store_message_set_status(s, id, status, pre->parsed_json) != 0)
        rc = -1;
    domain_effects_free(fx);
    pipeline_prepared_free(&own);
    return rc;
}

int pipeline_status(const struct pipeline *p, struct store *s, const char *channel,
                    const struct channel_status *st, int64_t now)
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
    if (n <= 0 || st->delivery != CHANNEL_DELIVERY_FAILED || st->failure == CHANNEL_FAILURE_OTHER)
        return n < 0 ? -1 : 0;
    /* A failure that says something of the person (opted out, not on WhatsApp): reach.h. */
    struct store_outbox_row row;
    int found = store_outbox_by_provider(s, channel, st->provider_id, &row);
    if (found <= 0)
        return found;
    int rc = reach_failed(p->r, s, &row, st->failure, st->error, now) < 0 ? -1 : 0;
    store_outbox_rows_free(&row, 1);
    return rc;
}
