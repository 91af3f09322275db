/* training.c - SESI, HADIR and JAWAB: opening sessions, sending material, attendance, surveys. */
#include "training.h"

#include "log.h"
#include "store_training.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_MAX 99

_Static_assert(DOMAIN_NOTICE_MAX >= STORE_MATERIAL_MAX + 512, "material fits a notice");

/* A session number 1..SESSION_MAX, or 0 when text is not one. */
static int session_number(const char *text)
{
    if (!text[0] || text[0] < '0' || text[0] > '9')
        return 0;
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    return errno || *end || n < 1 || n > SESSION_MAX ? 0 : (int)n;
}

/* HADIR's argument: "" (the open session), "2" (session 2 of her batch), "GT07-2" (batch and
 * session) or "GT07" (that batch's open session). Returns -1 when a number is malformed. */
static int split_session(const char *arg, char *batch, size_t batchsz, int *n)
{
    batch[0] = '\0';
    *n = 0;
    if (!arg[0])
        return 0;
    if (arg[0] >= '0' && arg[0] <= '9')
        return (*n = session_number(arg)) ? 0 : -1;
    const char *dash = strrchr(arg, '-');
    if (dash && dash[1]) {
        if (!(*n = session_number(dash + 1)))
            return -1;
        snprintf(batch, batchsz, "%.*s", (int)(dash - arg), arg);
        return 0;
    }
    snprintf(batch, batchsz, "%s", arg);
    return 0;
}

struct material {
    struct domain_ctx *ctx;
    const struct store_session *se;
    int queued, failed;
};

static void material_one(const struct store_person *to, void *arg)
{
    struct material *m = arg;
    if (m->failed)
        return;
    char n[16], key[DOMAIN_KEY_MAX];
    snprintf(n, sizeof n, "%d", m->se->n);
    snprintf(key, sizeof key, "material:%lld:%lld", (long long)m->se->id, (long long)to->id);
    int sent = store_outbox_key_queued(m->ctx->s, key);
    if (sent != 0) { /* sent before (opening again reaches only the others), or an error */
        m->failed = sent < 0;
        return;
    }
    struct template_var v[] = {
        {"session", n},
        {"batch", m->se->batch_code},
        {"title", m->se->title},
        {"material", m->se->material},
    };
    if (domain_notify(m->ctx, to, "material", key, "session_material", v, 4) != 0)
        m->failed = 1;
    else
        m->queued++;
}

int domain_open_session(struct domain_ctx *ctx, const char *batch_code, const char *session)
{
    if (!domain_runs_trainings(ctx->actor)) {
        const char *word = templates_get(ctx->d->tpl, ctx->lang, "cmd_session");
        struct template_var v[] = {{"cmd", word ? word : "SESI"}};
        domain_refuse(ctx, "not_allowed", v, 1);
        return 0;
    }
    struct template_var bv[] = {{"batch", batch_code}};
    int n = session_number(session);
    if (!n) {
        domain_refuse(ctx, "session_bad_number", bv, 1);
        return 0;
    }
    struct store_batch b;
    int rc = store_batch_by_code(ctx->s, batch_code, &b);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        domain_refuse(ctx, "session_unknown_batch", bv, 1);
        return 0;
    }
    struct store_session *se = malloc(sizeof *se);
    if (!se)
        return -1;
    if (store_session_ensure(ctx->s, b.id, n, se) != 0 ||
        store_session_open(ctx->s, se->id, ctx->actor->id, ctx->now) != 0) {
        free(se);
        return -1;
    }
    /* Opening again sends the material only to those who did not get it (dedupe per person). */
    struct material m = {ctx, se, 0, 0};
    if (store_each_participant(ctx->s, b.id, material_one, &m) < 0 || m.failed) {
        free(se);
        return -1;
    }
    char num[16], count[16];
    snprintf(num, sizeof num, "%d", n);
    snprintf(count, sizeof count, "%d", m.queued);
    struct template_var v[] = {{"session", num}, {"batch", b.code}, {"count", count}};
    domain_reply(ctx, "session_open_ok", v, 3);
    log_event(LOG_INFO, "training session opened", "batch=%s session=%d material_queued=%d", b.code,
              n, m.queued);
    free(se);
    return 0;
}

/* Finds the sender's participation and the session a HADIR or JAWAB is about. Returns 1 with
 * *pa and *se, 0 when a reply saying why was given, -1 on a database error. */
static int find_session(struct domain_ctx *ctx, const char *arg, struct store_participation *pa,
                        struct store_session *se)
{
    char batch[24];
    int n;
    if (split_session(arg, batch, sizeof batch, &n) != 0) {
        domain_refuse(ctx, "error_unknown_command", NULL, 0);
        return 0;
    }
    int rc = store_participation(ctx->s, ctx->actor->id, batch[0] ? batch : NULL, pa);
    if (rc < 0)
        return -1;
    struct template_var bv[] = {{"batch", batch}};
    if (rc == 0) {
        domain_refuse(ctx, batch[0] ? "training_not_participant" : "training_none", bv, 1);
        return 0;
    }
    if (!n) {
        if (!pa->session_id) {
            domain_refuse(ctx, "training_none", NULL, 0);
            return 0;
        }
        n = pa->session_n;
    }
    rc = store_session_get(ctx->s, pa->batch_id, n, se);
    if (rc < 0)
        return -1;
    if (rc == 0 || !se->opened_at) {
        char num[16];
        snprintf(num, sizeof num, "%d", n);
        struct template_var v[] = {{"session", num}, {"batch", pa->batch_code}};
        domain_refuse(ctx, "attendance_not_open", v, 2);
        return 0;
    }
    return 1;
}

static int attend(struct domain_ctx *ctx, const struct parse_command *c)
{
    struct store_participation pa;
    struct store_session *se = malloc(sizeof *se);
    if (!se)
        return -1;
    int rc = find_session(ctx, c->session, &pa, se);
    if (rc == 1) {
        int added =
            store_attendance_add(ctx->s, se->id, pa.participant_id, ctx->message_id, ctx->now);
        if (added < 0) {
            rc = -1;
        } else {
            char num[16];
            snprintf(num, sizeof num, "%d", se->n);
            struct template_var v[] = {{"session", num}, {"batch", pa.batch_code}};
            domain_reply(ctx, added ? "attendance_ok" : "attendance_already", v, 2);
            rc = 0;
        }
    }
    free(se);
    return rc;
}

static int answer(struct domain_ctx *ctx, const struct parse_command *c)
{
    struct store_participation pa;
    struct store_session *se = malloc(sizeof *se);
    if (!se)
        return -1;
    int rc = find_session(ctx, "", &pa, se);
    if (rc == 1) {
        char list[PARSE_MAX_ANSWERS * 6] = "";
        size_t used = 0;
        for (int i = 0; i < c->n_answers && rc == 1; i++) {
            const struct parse_answer *a = &c->answers[i];
            if (store_answer_set(ctx->s, se->id, pa.participant_id, a->q, a->a, ctx->message_id,
                                 ctx->now) != 0)
                rc = -1;
            int w = snprintf(list + used, sizeof list - used, "%s%d%c", i ? " " : "", a->q, a->a);
            if (w > 0 && (size_t)w < sizeof list - used)
                used += (size_t)w;
        }
        if (rc == 1) {
            char num[16];
            snprintf(num, sizeof num, "%d", se->n);
            struct template_var v[] = {
                {"session", num}, {"batch", pa.batch_code}, {"answers", list}};
            domain_reply(ctx, "answer_ok", v, 3);
            rc = 0;
        }
    }
    free(se);
    return rc;
}

int training_apply(struct domain_ctx *ctx, const struct parse_command *c)
{
    switch (c->cmd) {
    case PARSE_CMD_SESSION:
        return domain_open_session(ctx, c->target, c->session);
    case PARSE_CMD_ATTENDANCE:
        return attend(ctx, c);
    case PARSE_CMD_ANSWER:
        return answer(ctx, c);
    default:
        domain_refuse(ctx, "training_none", NULL, 0);
        return 0;
    }
}
