/* domain.h - the meaning of members' and staff's commands, callable by anyone.
 *
 * A command is a function of a context: the store transaction it runs in, the actor (who asks),
 * the clock, the actor's language. It returns its effects instead of sending anything: reply
 * lines for the actor and notices for other people (a member told of an entry made in her name,
 * a broadcast, session material). The caller decides what to do with them: the SMS pipeline
 * queues the reply on the channel the message came from and the notices through reach.h; the
 * web app shows the reply on a page and queues the notices the same way. Nothing here knows of
 * HTTP, channels or the outbox. */
#ifndef CATAT_DOMAIN_H
#define CATAT_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "store.h"
#include "templates.h"

struct config;

/* What every command reads and never changes: set once at start (domain_init). */
struct domain {
    const struct config *cfg;    /* borrowed: [reminders], [digest] settings */
    const struct templates *tpl; /* borrowed */
    const char *default_lang;    /* [locale] language */
    int default_tz;              /* [locale] timezone, seconds east of UTC */
    bool auto_confirm;           /* groups without a treasurer confirm members' reports at once */
};

/* Fills d from cfg; tpl is borrowed for d's lifetime. Returns 0, or -1 with err. */
int domain_init(struct domain *d, const struct config *cfg, const struct templates *tpl, char *err,
                size_t errsz);

#define DOMAIN_REPLY_MAX 1600
#define DOMAIN_KEY_MAX 64
#define DOMAIN_NOTICE_MAX 2048 /* session material and its heading */
#define DOMAIN_NAME_SHOWN 20   /* a name in a reply is cut to this many bytes, at a word */
#define DOMAIN_ITEM_SHOWN 24   /* an item (with its quantity) likewise */
#define DOMAIN_REFS_MAX 8
#define DOMAIN_SHARED_MAX 8 /* members on one shared handset */

/* A message for someone other than the actor, to be queued by the caller. */
struct domain_notice {
    struct store_person to;
    char *text;                      /* new, owned by the effects */
    const char *kind;                /* static: "notice", "broadcast", "material" */
    char dedupe_key[DOMAIN_KEY_MAX]; /* "" for none; else queueing twice is a no-op */
    char buttons[STORE_BUTTONS_MAX]; /* reply button titles one a line ("" none), for drivers
                                      * that show them (WhatsApp, inside the 24-hour window) */
};

/* What commands did. domain_effects_init before the first command; domain_effects_free after. */
struct domain_effects {
    char reply[DOMAIN_REPLY_MAX]; /* the actor's reply: one line per command */
    size_t used;
    int errors;                    /* commands refused or not understood (the reply says why) */
    int lines;                     /* reply lines written (one per command) */
    char refs[DOMAIN_REFS_MAX][8]; /* the refs named by the replies that were not refusals */
    int n_refs;
    struct domain_notice *notices;
    size_t n_notices, cap_notices;
    bool oom; /* a notice could not be kept: the caller must not commit */
};
/* Empties fx without zeroing the reply buffer (it is on every message's path). */
void domain_effects_init(struct domain_effects *fx);
void domain_effects_free(struct domain_effects *fx);

/* One command's circumstances. actor is borrowed and updated in place (DAFTAR gives her a
 * role, BAHASA a language). message_id is the inbound message the command came in, 0 when it
 * came from elsewhere (the web app). */
struct domain_ctx {
    const struct domain *d;
    struct store *s;
    struct store_person *actor;
    const char *lang; /* the actor's reply language; changes with BAHASA */
    int64_t now;
    int64_t message_id;
    struct domain_effects *fx;
    bool brief; /* one of several commands in a message: short reply lines */
    bool asked; /* YA: record without asking about duplicates or small amounts again */
};

/* Sets up ctx for actor at now, writing into fx. */
void domain_ctx_init(struct domain_ctx *ctx, const struct domain *d, struct store *s,
                     struct store_person *actor, int64_t now, int64_t message_id,
                     struct domain_effects *fx);

/* The language messages to this person are written in. Borrowed. */
const char *domain_language(const struct domain *d, const struct store_person *who);
/* The person's time zone in seconds east of UTC: her group's, else the default. */
int domain_tz(const struct domain *d, const char *group_tz);

/* Carries out one parsed command (ledger, training, or an error the parser found). Returns 0,
 * or -1 on a database error (the caller rolls the transaction back). */
int domain_apply(struct domain_ctx *ctx, const struct parse_command *c);

/* Commands with plain arguments, for callers that have no parsed message (the web app). They
 * behave exactly as the typed command would for ctx->actor. Return 0 or -1 as domain_apply. */
int domain_confirm(struct domain_ctx *ctx, const char *ref);
int domain_cancel(struct domain_ctx *ctx, const char *ref);
int domain_broadcast(struct domain_ctx *ctx, const char *group_code, const char *body);
int domain_open_session(struct domain_ctx *ctx, const char *batch_code, const char *session);
/* A message of media without words (kind "audio", "image", ...): a participant's part in her
 * session's discussion, else the reply that only text is read. Returns 0 or -1. */
int domain_media(struct domain_ctx *ctx, const char *kind);

/* Renders key as every text to a person is rendered: names and items shortened to
 * DOMAIN_NAME_SHOWN / DOMAIN_ITEM_SHOWN bytes at a word, doubled spaces left by empty values
 * removed. `catat templates check` measures replies through it. Returns the length or -1 when
 * the key is missing. */
int domain_render(const struct templates *tpl, const char *lang, const char *key,
                  const struct template_var *vars, size_t n, char *out, size_t outsz);

/* For the command modules: appends the template key rendered with vars to the actor's reply,
 * on a new line; counts an error when refused is true. */
void domain_reply(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                  size_t n);
void domain_refuse(struct domain_ctx *ctx, const char *key, const struct template_var *vars,
                   size_t n);
/* The localised word for a command ("Penjualan" for "sale"). Borrowed. */
const char *domain_cmd_word(const struct domain_ctx *ctx, const char *kind);
/* Adds a notice to `to`: the template key rendered in her language (or, when key is NULL, the
 * text given in vars[0].value as is). dedupe_key may be NULL. Returns 0, or -1 when out of
 * memory. */
int domain_notify(struct domain_ctx *ctx, const struct store_person *to, const char *kind,
                  const char *dedupe_key, const char *key, const struct template_var *vars,
                  size_t n);

/* Roles. */
bool domain_is_staff(const struct store_person *p);
bool domain_can_confirm(const struct store_person *p);
bool domain_runs_trainings(const struct store_person *p);
/* Whether p may run the batch whose trainer is trainer_id (0: none): admins and facilitators
 * every batch, a trainer a batch of hers or one without a trainer (batches.csv trainer). */
bool domain_runs_batch(const struct store_person *p, int64_t trainer_id);

#endif
