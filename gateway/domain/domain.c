/* domain.c - the context and effects every command shares, and which module a command goes to. */
#include "domain.h"

#include "config.h"
#include "format.h"
#include "ledger.h"
#include "log.h"
#include "training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int domain_init(struct domain *d, const struct config *cfg, const struct templates *tpl, char *err,
                size_t errsz)
{
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->tpl = tpl;
    d->default_lang = config_get(cfg, "locale", "language");
    d->auto_confirm = config_get_bool(cfg, "ledger", "auto_confirm_without_treasurer");
    if (format_parse_tz(config_get(cfg, "locale", "timezone"), &d->default_tz) != 0) {
        snprintf(err, errsz, "[locale] timezone must look like +07:00");
        return -1;
    }
    return 0;
}

void domain_effects_init(struct domain_effects *fx)
{
    fx->reply[0] = '\0';
    fx->used = 0;
    fx->errors = 0;
    fx->notices = NULL;
    fx->n_notices = fx->cap_notices = 0;
    fx->oom = false;
}

void domain_effects_free(struct domain_effects *fx)
{
    if (!fx)
        return;
    for (size_t i = 0; i < fx->n_notices; i++)
        free(fx->notices[i].text);
    free(fx->notices);
    fx->notices = NULL;
    fx->n_notices = fx->cap_notices = 0;
}

void domain_ctx_init(struct domain_ctx *ctx, const struct domain *d, struct store *s,
                     struct store_person *actor, int64_t now, int64_t message_id,
                     struct domain_effects *fx)
{
    *ctx = (struct domain_ctx){
        .d = d,
        .s = s,
        .actor = actor,
        .lang = domain_language(d, actor),
        .now = now,
        .message_id = message_id,
        .fx = fx,
    };
}

const char *domain_language(const struct domain *d, const struct store_person *who)
{
    return who && who->language[0] ? who->language : d->default_lang;
}

int domain_tz(const struct domain *d, const char *group_tz)
{
    int secs;
    return group_tz && format_parse_tz(group_tz, &secs) == 0 ? secs : d->default_tz;
}

void domain_reply(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                  size_t n)
{
    struct domain_effects *fx = ctx->fx;
    if (fx->used + 2 >= sizeof fx->reply)
        return;
    if (fx->used)
        fx->reply[fx->used++] = '\n';
    int len = templates_render(ctx->d->tpl, ctx->lang, key, vars, n, fx->reply + fx->used,
                               sizeof fx->reply - fx->used);
    if (len < 0)
        log_event(LOG_ERROR, "reply template missing", "key=%s lang=%s", key, ctx->lang);
    fx->used += strlen(fx->reply + fx->used);
}

void domain_refuse(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                   size_t n)
{
    domain_reply(ctx, key, vars, n);
    ctx->fx->errors++;
}

const char *domain_cmd_word(const struct domain_ctx *ctx, const char *kind)
{
    char key[32];
    snprintf(key, sizeof key, "cmd_%s", kind);
    const char *w = templates_get(ctx->d->tpl, ctx->lang, key);
    return w ? w : kind;
}

int domain_notify(struct domain_ctx *ctx, const struct store_person *to, const char *kind,
                  const char *dedupe_key, const char *key, const struct template_var *vars,
                  size_t n)
{
    struct domain_effects *fx = ctx->fx;
    if (fx->n_notices == fx->cap_notices) {
        size_t cap = fx->cap_notices ? fx->cap_notices * 2 : 4;
        struct domain_notice *p = realloc(fx->notices, cap * sizeof *p);
        if (!p) {
            fx->oom = true;
            return -1;
        }
        fx->notices = p;
        fx->cap_notices = cap;
    }
    char *text;
    if (key) {
        size_t sz = DOMAIN_NOTICE_MAX;
        text = malloc(sz);
        if (text && templates_render(ctx->d->tpl, domain_language(ctx->d, to), key, vars, n, text,
                                     sz) < 0) {
            log_event(LOG_ERROR, "notice template missing", "key=%s", key);
            text[0] = '\0';
        }
    } else {
        text = strdup(n ? vars[0].value : "");
    }
    if (!text) {
        fx->oom = true;
        return -1;
    }
    struct domain_notice *no = &fx->notices[fx->n_notices++];
    no->to = *to;
    no->text = text;
    no->kind = kind;
    snprintf(no->dedupe_key, sizeof no->dedupe_key, "%s", dedupe_key ? dedupe_key : "");
    no->buttons[0] = '\0';
    return 0;
}

bool domain_is_staff(const struct store_person *p)
{
    return p->role[0] && strcmp(p->role, "member") != 0;
}

/* Staff who may confirm: treasurers, facilitators, admins (trainers run trainings only). */
bool domain_can_confirm(const struct store_person *p)
{
    return strcmp(p->role, "treasurer") == 0 || strcmp(p->role, "facilitator") == 0 ||
           strcmp(p->role, "admin") == 0;
}

/* Who may open sessions: the trainers, and the staff who run trainings with them. */
bool domain_runs_trainings(const struct store_person *p)
{
    return strcmp(p->role, "trainer") == 0 || strcmp(p->role, "admin") == 0 ||
           strcmp(p->role, "facilitator") == 0;
}

int domain_media(struct domain_ctx *ctx, const char *kind)
{
    int rc = training_media(ctx, kind && kind[0] ? kind : "media");
    if (rc == 0)
        domain_reply(ctx, "media", NULL, 0);
    return rc < 0 ? -1 : 0;
}

int domain_apply(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (c->error != PARSE_ERR_OK) {
        /* A command's own error reply (error_missing_target_session: an example of SESI, not
         * of KIRIM) when it has one. */
        char key[64];
        snprintf(key, sizeof key, "error_%s_%s", parse_error_name(c->error),
                 parse_cmd_name(c->cmd));
        if (c->cmd == PARSE_CMD_NONE || !templates_get(ctx->d->tpl, ctx->lang, key))
            snprintf(key, sizeof key, "error_%s", parse_error_name(c->error));
        domain_refuse(ctx, key, NULL, 0);
        return 0;
    }
    switch (c->cmd) {
    case PARSE_CMD_ATTENDANCE:
    case PARSE_CMD_ANSWER:
    case PARSE_CMD_SESSION:
    case PARSE_CMD_SESSION_CANCEL:
        if (!ctx->actor->role[0])
            break;
        return training_apply(ctx, c);
    case PARSE_CMD_HELP:
    case PARSE_CMD_BALANCE: {
        int rc = training_participant_reply(ctx, c);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        break;
    }
    default:
        break;
    }
    return ledger_apply(ctx, c);
}
