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
    fx->lines = 0;
    fx->n_refs = 0;
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

/* Cuts text to at most max bytes at a word boundary (a first word longer than max is cut
 * inside, never inside a UTF-8 sequence). */
static void shorten(const char *text, size_t max, char *out, size_t outsz)
{
    size_t len = strlen(text);
    if (max >= outsz)
        max = outsz - 1;
    if (len <= max) {
        memcpy(out, text, len + 1);
        return;
    }
    size_t cut = max;
    while (cut > 0 && text[cut] != ' ')
        cut--;
    if (cut == 0) { /* one long word */
        cut = max;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
    }
    while (cut > 0 && text[cut - 1] == ' ')
        cut--;
    memcpy(out, text, cut);
    out[cut] = '\0';
}

/* How long a value may grow in a reply: names and items are shortened so that every reply fits
 * one SMS whatever was typed or imported (product.md s. 7). 0: as is. */
static size_t value_max(const char *name)
{
    if (strcmp(name, "name") == 0 || strcmp(name, "staff") == 0)
        return DOMAIN_NAME_SHOWN;
    if (strcmp(name, "item") == 0)
        return DOMAIN_ITEM_SHOWN;
    return 0;
}

int domain_render(const struct templates *tpl, const char *lang, const char *key,
                  const struct template_var *vars, size_t n, char *out, size_t outsz)
{
    enum { MAX_VARS = 160, SHORT_MAX = 40 };
    struct template_var v[MAX_VARS];
    char shortened[MAX_VARS][SHORT_MAX];
    if (n > MAX_VARS) /* more than any template has: rendered as given */
        return templates_render(tpl, lang, key, vars, n, out, outsz);
    for (size_t i = 0; i < n; i++) {
        v[i] = vars[i];
        size_t max = value_max(vars[i].name);
        if (max && vars[i].value && strlen(vars[i].value) > max) {
            shorten(vars[i].value, max, shortened[i], sizeof shortened[i]);
            v[i].value = shortened[i];
        }
    }
    int len = templates_render(tpl, lang, key, v, n, out, outsz);
    if (len < 0)
        return -1;
    /* An empty value beside a space leaves two: one is enough. */
    size_t w = 0;
    for (size_t r = 0; out[r]; r++) {
        if (out[r] == ' ' && (w == 0 || out[w - 1] == ' ' || out[w - 1] == '\n'))
            continue;
        /* "{loan}." with no loan: no space before the full stop (an ellipsis keeps its). */
        bool stop = (out[r] == '.' && out[r + 1] != '.') || out[r] == ',' || out[r] == '\n';
        if (stop && w > 0 && out[w - 1] == ' ')
            w--;
        out[w++] = out[r];
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    return (int)w;
}

/* The variable named name among vars, or NULL. */
static const char *var_value(const struct template_var *vars, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vars[i].name, name) == 0)
            return vars[i].value;
    return NULL;
}

static void append(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                   size_t n, bool refused)
{
    struct domain_effects *fx = ctx->fx;
    if (refused)
        fx->errors++;
    else {
        const char *ref = var_value(vars, n, "ref");
        if (ref && ref[0] && fx->n_refs < DOMAIN_REFS_MAX)
            snprintf(fx->refs[fx->n_refs++], sizeof fx->refs[0], "%s", ref);
    }
    fx->lines++;
    if (fx->used + 2 >= sizeof fx->reply)
        return;
    if (fx->used)
        fx->reply[fx->used++] = '\n';
    /* In a message of several commands each gets its short line, where the template has one. */
    char brief[DOMAIN_KEY_MAX + 8];
    snprintf(brief, sizeof brief, "%s_brief", key);
    if (ctx->brief && templates_get(ctx->d->tpl, ctx->lang, brief))
        key = brief;
    int len = domain_render(ctx->d->tpl, ctx->lang, key, vars, n, fx->reply + fx->used,
                            sizeof fx->reply - fx->used);
    if (len < 0)
        log_event(LOG_ERROR, "reply template missing", "key=%s lang=%s", key, ctx->lang);
    fx->used += strlen(fx->reply + fx->used);
}

void domain_reply(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                  size_t n)
{
    append(ctx, key, vars, n, false);
}

void domain_refuse(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                   size_t n)
{
    append(ctx, key, vars, n, true);
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
        if (text &&
            domain_render(ctx->d->tpl, domain_language(ctx->d, to), key, vars, n, text, sz) < 0) {
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

/* The reply to a command the parser could not take: what was wrong, with an example of that
 * very command (KONFIRM alone shows KONFIRM, TABUNG 0 shows TABUNG). A template
 * error_<error>_<command> says it best where there is one; else error_<error> with the
 * command's example_<command> filled in. */
static void refuse_parse_error(struct domain_ctx *ctx, const struct parse_command *c)
{
    const char *cmd = parse_cmd_name(c->cmd), *err = parse_error_name(c->error);
    char key[DOMAIN_KEY_MAX], ex_key[DOMAIN_KEY_MAX], exq_key[DOMAIN_KEY_MAX];
    snprintf(ex_key, sizeof ex_key, "example_%s", cmd[0] ? cmd : "sale");
    snprintf(exq_key, sizeof exq_key, "example_qty_%s", cmd[0] ? cmd : "sale");
    const char *example = templates_get(ctx->d->tpl, ctx->lang, ex_key);
    const char *example_qty = templates_get(ctx->d->tpl, ctx->lang, exq_key);
    if (!example)
        example = templates_get(ctx->d->tpl, ctx->lang, "example_sale");
    struct template_var v[] = {
        {"example", example ? example : ""},
        {"example_qty", example_qty ? example_qty
                        : example   ? example
                                    : ""},
        {"cmd", domain_cmd_word(ctx, cmd)},
        {"target", c->target},
    };
    snprintf(key, sizeof key, "error_%s_%s", err, cmd);
    if (!cmd[0] || !templates_get(ctx->d->tpl, ctx->lang, key))
        snprintf(key, sizeof key, "error_%s", err);
    domain_refuse(ctx, key, v, sizeof v / sizeof v[0]);
}

bool domain_runs_batch(const struct store_person *p, int64_t trainer_id)
{
    if (!domain_runs_trainings(p))
        return false;
    return strcmp(p->role, "trainer") != 0 || !trainer_id || trainer_id == p->id;
}

int domain_apply(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (c->error != PARSE_ERR_OK) {
        refuse_parse_error(ctx, c);
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
