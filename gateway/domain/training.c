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
    const struct store_question *qs; /* the session's survey questions */
    int n_qs;
    int queued, failed;
};

#define SESSION_QUESTIONS_MAX 20

/* The localised word of a template key, or fallback. */
static const char *word(const struct domain *d, const char *lang, const char *key,
                        const char *fallback)
{
    const char *w = templates_get(d->tpl, lang, key);
    return w ? w : fallback;
}

/* Appends to out: with texts, "1) text (YA/TIDAK) 2) text (A-E)"; without, the valid answers
 * "1 YA/TIDAK, 2 A-E". Then the example "1YA 2A" into example. In lang. */
static void question_list(const struct domain *d, const char *lang, const struct store_question *qs,
                          int n, bool texts, char *out, size_t outsz, char *example,
                          size_t examplesz)
{
    const char *yn = word(d, lang, "answer_yesno", "YA/TIDAK");
    const char *yes = word(d, lang, "answer_yes", "YA");
    size_t used = strlen(out), eused = 0;
    example[0] = '\0';
    for (int i = 0; i < n; i++) {
        const struct store_question *q = &qs[i];
        int w = texts ? snprintf(out + used, outsz - used, "%s%d) %s (%s)", i ? " " : "",
                                 q->question, q->text, q->yesno ? yn : "A-E")
                      : snprintf(out + used, outsz - used, "%s%d %s", i ? ", " : "", q->question,
                                 q->yesno ? yn : "A-E");
        if (w > 0 && (size_t)w < outsz - used)
            used += (size_t)w;
        w = snprintf(example + eused, examplesz - eused, "%s%d%s", i ? " " : "", q->question,
                     q->yesno ? yes : "A");
        if (w > 0 && (size_t)w < examplesz - eused)
            eused += (size_t)w;
    }
}

/* Reply buttons of the material, in lang: HADIR and, when the session asks a yes/no question,
 * JAWAB n YA and JAWAB n TIDAK for the first one. Each title is the command a press sends. */
static void material_buttons(const struct material *m, const char *lang, char *out, size_t outsz)
{
    const struct templates *t = m->ctx->d->tpl;
    char yes[32] = "", no[32] = "";
    for (int i = 0; i < m->n_qs && !yes[0]; i++) {
        if (!m->qs[i].yesno)
            continue;
        char q[16];
        snprintf(q, sizeof q, "%d", m->qs[i].question);
        struct template_var v[] = {{"question", q}};
        if (templates_render(t, lang, "button_yes", v, 1, yes, sizeof yes) < 0 ||
            templates_render(t, lang, "button_no", v, 1, no, sizeof no) < 0)
            yes[0] = no[0] = '\0';
    }
    const char *attend = word(m->ctx->d, lang, "button_attend", "HADIR");
    snprintf(out, outsz, "%s%s%s%s%s", attend, yes[0] ? "\n" : "", yes, no[0] ? "\n" : "", no);
}

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
    /* The survey, in the participant's language, when the session has one. */
    const char *lang = domain_language(m->ctx->d, to);
    char survey[600] = "", list[480] = "", example[64];
    if (m->n_qs) {
        question_list(m->ctx->d, lang, m->qs, m->n_qs, true, list, sizeof list, example,
                      sizeof example);
        struct template_var sv[] = {{"questions", list}, {"example", example}};
        if (templates_render(m->ctx->d->tpl, lang, "material_survey", sv, 2, survey,
                             sizeof survey) < 0)
            survey[0] = '\0';
    }
    struct template_var v[] = {
        {"session", n},          {"batch", m->se->batch_code},
        {"title", m->se->title}, {"material", m->se->material},
        {"survey", survey},
    };
    if (domain_notify(m->ctx, to, "material", key, "session_material", v, 5) != 0) {
        m->failed = 1;
        return;
    }
    m->queued++;
    material_buttons(m, lang, m->ctx->fx->notices[m->ctx->fx->n_notices - 1].buttons,
                     sizeof m->ctx->fx->notices[0].buttons);
}

/* "1, 2, 3" (or "1-3" when they run on) of the batch's sessions into out; how many. */
static int session_list(struct domain_ctx *ctx, int64_t batch_id, char *out, size_t outsz,
                        int *first)
{
    int ns[SESSION_MAX];
    int k = store_session_numbers(ctx->s, batch_id, ns, SESSION_MAX);
    out[0] = '\0';
    *first = k > 0 ? ns[0] : 1;
    if (k <= 0)
        return k;
    bool run = ns[k - 1] - ns[0] == k - 1;
    if (run && k > 2) {
        snprintf(out, outsz, "%d-%d", ns[0], ns[k - 1]);
        return k;
    }
    size_t used = 0;
    for (int i = 0; i < k; i++) {
        int w = snprintf(out + used, outsz - used, "%s%d", i ? ", " : "", ns[i]);
        if (w < 0 || (size_t)w >= outsz - used - 5) { /* room for ", ..." */
            out[used] = '\0';
            snprintf(out + used, outsz - used, ", ...");
            break;
        }
        used += (size_t)w;
    }
    return k;
}

/* SESI GT07 5 on a batch without a session 5: refused with the sessions it has. */
static int refuse_session_number(struct domain_ctx *ctx, const struct store_batch *b)
{
    char list[40], first[16];
    int f;
    int k = session_list(ctx, b->id, list, sizeof list, &f);
    if (k < 0)
        return -1;
    snprintf(first, sizeof first, "%d", f);
    struct template_var v[] = {{"batch", b->code}, {"sessions", list}, {"first", first}};
    domain_refuse(ctx, k ? "session_not_in_batch" : "session_none_in_batch", v, 3);
    return 0;
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
    if (rc == 0 || !domain_runs_batch(ctx->actor, b.trainer_id)) { /* another's: as unknown */
        domain_refuse(ctx, "session_unknown_batch", bv, 1);
        return 0;
    }
    /* Only the sessions batches.csv gave the batch can be opened. */
    struct store_session *se = malloc(sizeof *se);
    struct store_question *qs = malloc(SESSION_QUESTIONS_MAX * sizeof *qs);
    if (!se || !qs) {
        free(se);
        free(qs);
        return -1;
    }
    rc = store_session_get(ctx->s, b.id, n, se);
    if (rc == 0) {
        free(se);
        free(qs);
        return refuse_session_number(ctx, &b);
    }
    int n_qs = rc < 0 ? -1 : store_questions(ctx->s, b.id, n, qs, SESSION_QUESTIONS_MAX);
    if (n_qs < 0 || store_session_open(ctx->s, se->id, ctx->actor->id, ctx->now) != 0) {
        free(se);
        free(qs);
        return -1;
    }
    /* Opening again sends the material only to those who did not get it (dedupe per person). */
    struct material m = {ctx, se, qs, n_qs < SESSION_QUESTIONS_MAX ? n_qs : SESSION_QUESTIONS_MAX,
                         0,   0};
    int each = store_each_participant(ctx->s, b.id, material_one, &m);
    free(qs);
    if (each < 0 || m.failed) {
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
            int sessions = 0, done = added ? store_participant_completion(ctx->s, pa.participant_id,
                                                                          ctx->now, &sessions)
                                           : 0;
            if (done < 0) {
                rc = -1;
            } else if (done) {
                char count[16];
                snprintf(count, sizeof count, "%d", sessions);
                struct template_var cv[] = {{"count", count}, {"batch", pa.batch_code}};
                domain_reply(ctx, "training_complete", cv, 2);
            }
        }
    }
    free(se);
    return rc;
}

/* Whether letter a answers q: Y or N a yes/no question, A-E a choice. */
static bool answer_fits(const struct store_question *q, char a)
{
    return q->yesno ? a == 'Y' || a == 'N' : a >= 'A' && a <= 'E';
}

/* JAWAB is checked against the batch's questions once it has some. Returns 1 when every answer
 * fits a question of the session, 0 when refused (the reply lists the valid answers), -1. */
static int answers_valid(struct domain_ctx *ctx, const struct parse_command *c,
                         const struct store_participation *pa, const struct store_session *se)
{
    int any = store_questions(ctx->s, pa->batch_id, 0, NULL, 0);
    if (any <= 0)
        return any < 0 ? -1 : 1;
    struct store_question *qs = malloc(SESSION_QUESTIONS_MAX * sizeof *qs);
    if (!qs)
        return -1;
    int n = store_questions(ctx->s, pa->batch_id, se->n, qs, SESSION_QUESTIONS_MAX);
    if (n < 0) {
        free(qs);
        return -1;
    }
    if (n > SESSION_QUESTIONS_MAX)
        n = SESSION_QUESTIONS_MAX;
    char num[16];
    snprintf(num, sizeof num, "%d", se->n);
    if (n == 0) {
        struct template_var v[] = {{"session", num}, {"batch", pa->batch_code}};
        domain_refuse(ctx, "answer_no_survey", v, 2);
        free(qs);
        return 0;
    }
    int bad = -1;
    for (int i = 0; i < c->n_answers && bad < 0; i++) {
        int j = 0;
        while (j < n && qs[j].question != c->answers[i].q)
            j++;
        if (j == n || !answer_fits(&qs[j], c->answers[i].a))
            bad = i;
    }
    if (bad >= 0) {
        char given[16], valid[160] = "", example[64];
        const struct parse_answer *a = &c->answers[bad];
        const char *yes = word(ctx->d, ctx->lang, "answer_yes", "YA");
        const char *no = word(ctx->d, ctx->lang, "answer_no", "TIDAK");
        snprintf(given, sizeof given, "%d%s", a->q,
                 a->a == 'Y'   ? yes
                 : a->a == 'N' ? no
                               : (char[]){a->a, 0});
        /* As many questions as one SMS holds, the rest as "...". */
        struct template_var v[] = {{"given", given},
                                   {"session", num},
                                   {"batch", pa->batch_code},
                                   {"valid", valid},
                                   {"example", example}};
        char out[DOMAIN_REPLY_MAX];
        for (int shown = n; shown >= 1; shown--) {
            valid[0] = '\0';
            question_list(ctx->d, ctx->lang, qs, shown, false, valid, sizeof valid, example,
                          sizeof example);
            if (shown < n)
                snprintf(valid + strlen(valid), sizeof valid - strlen(valid), ", ...");
            int len =
                templates_render(ctx->d->tpl, ctx->lang, "answer_invalid", v, 5, out, sizeof out);
            if (len >= 0 && len <= 160)
                break;
        }
        domain_refuse(ctx, "answer_invalid", v, 5);
    }
    free(qs);
    return bad < 0;
}

static int answer(struct domain_ctx *ctx, const struct parse_command *c)
{
    struct store_participation pa;
    struct store_session *se = malloc(sizeof *se);
    if (!se)
        return -1;
    int rc = find_session(ctx, "", &pa, se);
    if (rc == 1) {
        rc = answers_valid(ctx, c, &pa, se);
        if (rc == 0) /* refused with the valid answers */
            rc = 2;
    }
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
    return rc == 2 ? 0 : rc;
}

struct withdraw {
    struct domain_ctx *ctx;
    const struct store_session *se;
    int told, failed;
};

/* Takes back one participant's material and, when it had reached her, tells her once. */
static void withdraw_one(const struct store_person *to, void *arg)
{
    struct withdraw *w = arg;
    if (w->failed)
        return;
    char key[DOMAIN_KEY_MAX], n[16];
    snprintf(key, sizeof key, "material:%lld:%lld", (long long)w->se->id, (long long)to->id);
    int went = store_material_withdraw(w->ctx->s, key, w->ctx->now);
    if (went < 0) {
        w->failed = 1;
        return;
    }
    if (!went)
        return;
    snprintf(n, sizeof n, "%d", w->se->n);
    snprintf(key, sizeof key, "uncancel:%lld:%lld:%lld", (long long)w->se->id, (long long)to->id,
             (long long)w->ctx->now);
    struct template_var v[] = {{"session", n}, {"batch", w->se->batch_code}};
    if (domain_notify(w->ctx, to, "notice", key, "session_cancelled", v, 2) != 0)
        w->failed = 1;
    else
        w->told++;
}

/* BATAL SESI GT07: undoes the batch's session opened last, before anyone attended or answered;
 * material not yet sent is dropped, those who got it are told once. */
static int cancel_session(struct domain_ctx *ctx, const char *batch_code)
{
    if (!domain_runs_trainings(ctx->actor)) {
        struct template_var v[] = {
            {"cmd", word(ctx->d, ctx->lang, "cmd_session_cancel", "BATAL SESI")}};
        domain_refuse(ctx, "not_allowed", v, 1);
        return 0;
    }
    struct template_var bv[] = {{"batch", batch_code}};
    struct store_batch b;
    int rc = store_batch_by_code(ctx->s, batch_code, &b);
    if (rc == 1 && !domain_runs_batch(ctx->actor, b.trainer_id))
        rc = 0; /* another trainer's batch: as if unknown */
    if (rc <= 0) {
        if (rc == 0)
            domain_refuse(ctx, "session_cancel_unknown_batch", bv, 1);
        return rc;
    }
    struct store_session *se = malloc(sizeof *se);
    if (!se)
        return -1;
    rc = store_session_last_opened(ctx->s, b.id, se);
    if (rc <= 0) {
        struct template_var v[] = {{"batch", b.code}};
        if (rc == 0)
            domain_refuse(ctx, "session_cancel_none", v, 1);
        free(se);
        return rc;
    }
    char num[16], count[16];
    snprintf(num, sizeof num, "%d", se->n);
    int activity = store_session_activity(ctx->s, se->id);
    if (activity != 0) {
        snprintf(count, sizeof count, "%d", activity);
        struct template_var v[] = {{"session", num}, {"batch", b.code}, {"count", count}};
        if (activity > 0)
            domain_refuse(ctx, "session_cancel_answered", v, 3);
        free(se);
        return activity > 0 ? 0 : -1;
    }
    struct withdraw w = {ctx, se, 0, 0};
    if (store_session_unopen(ctx->s, se->id) != 0 ||
        store_each_participant(ctx->s, b.id, withdraw_one, &w) < 0 || w.failed) {
        free(se);
        return -1;
    }
    snprintf(count, sizeof count, "%d", w.told);
    struct template_var v[] = {{"session", num}, {"batch", b.code}, {"count", count}};
    domain_reply(ctx, "session_cancel_ok", v, 3);
    log_event(LOG_INFO, "training session opening undone", "batch=%s session=%d told=%d", b.code,
              se->n, w.told);
    free(se);
    return 0;
}

int training_media(struct domain_ctx *ctx, const char *kind)
{
    if (strcmp(ctx->actor->role, "member") != 0)
        return 0;
    struct store_participation pa;
    int rc = store_participation(ctx->s, ctx->actor->id, NULL, &pa);
    if (rc <= 0 || !pa.session_id)
        return rc < 0 ? -1 : 0;
    if (store_discussion_add(ctx->s, pa.session_id, pa.participant_id, ctx->message_id, kind,
                             ctx->now) != 0)
        return -1;
    char num[16];
    snprintf(num, sizeof num, "%d", pa.session_n);
    struct template_var v[] = {{"session", num}, {"batch", pa.batch_code}};
    domain_reply(ctx, "discussion_ok", v, 2);
    return 1;
}

int training_participant_reply(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (c->error != PARSE_ERR_OK || (c->cmd != PARSE_CMD_HELP && c->cmd != PARSE_CMD_BALANCE) ||
        strcmp(ctx->actor->role, "member") != 0 || ctx->actor->group_id)
        return 0;
    struct store_participation pa;
    int rc = store_participation(ctx->s, ctx->actor->id, NULL, &pa);
    if (rc <= 0)
        return rc;
    struct template_var v[] = {{"batch", pa.batch_code}};
    domain_reply(ctx, c->cmd == PARSE_CMD_HELP ? "help_participant" : "balance_participant", v, 1);
    return 1;
}

int training_apply(struct domain_ctx *ctx, const struct parse_command *c)
{
    switch (c->cmd) {
    case PARSE_CMD_SESSION:
        return domain_open_session(ctx, c->target, c->session);
    case PARSE_CMD_SESSION_CANCEL:
        return cancel_session(ctx, c->target);
    case PARSE_CMD_ATTENDANCE:
        return attend(ctx, c);
    case PARSE_CMD_ANSWER:
        return answer(ctx, c);
    default:
        domain_refuse(ctx, "training_none", NULL, 0);
        return 0;
    }
}
