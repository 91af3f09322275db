/* pages_reports.c - /app/loans (arrears and portfolio at risk per group, and the loans that
 * are late) and /app/training/BATCH (the figures of `catat report training`, with charts).
 * The loans figures come from the export's loan rows and the digest's arrears; the training
 * figures from the report's tallies (store_training_tally). */
#include "web_internal.h"

#include "domain.h"
#include "format.h"
#include "runtime.h"
#include "store_io.h"
#include "store_training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define MAX_GROUPS 512

struct loan_group {
    char code[24];
    int64_t loans_active, outstanding, par30, arrears;
    int in_arrears;
};

struct loans {
    struct page *p;
    struct loan_group *groups;
    int n;
    struct web_table *late;
    int failed;
};

static struct loan_group *group_slot(struct loans *l, const char *code)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->groups[i].code, code) == 0)
            return &l->groups[i];
    return NULL;
}

static int64_t local_day(int64_t t, int tz)
{
    int64_t local = t + tz;
    return local >= 0 ? local / DAY : (local - DAY + 1) / DAY;
}

static void on_loan(const struct store_io_loan_row *r, void *arg)
{
    struct loans *l = arg;
    struct loan_group *g = group_slot(l, r->group);
    if (!g || r->outstanding <= 0)
        return; /* another's group, or paid */
    g->loans_active++;
    g->outstanding += r->outstanding;
    int64_t due, days = 0;
    int tz = domain_tz(&l->p->w->rt->domain, r->timezone);
    if (r->next_due[0] && format_parse_time(r->next_due, &due) == 0)
        days = local_day(l->p->now, tz) - due / DAY;
    if (days > 30)
        g->par30 += r->outstanding;
    if (days > 0) {
        web_cell_text(l->late, r->code);
        web_cell_text(l->late, r->name);
        web_cell_text(l->late, r->group);
        web_cell_number(l->late, r->outstanding);
        web_cell_text(l->late, r->next_due);
        web_cell_number(l->late, days);
    }
}

static void on_arrears(const char *name, const char *code, int64_t amount, const char *due,
                       void *arg)
{
    struct loan_group *g = arg;
    (void)name, (void)code, (void)due;
    g->in_arrears++;
    g->arrears += amount;
}

static void on_group(const struct store_group *g, void *arg)
{
    struct loans *l = arg;
    if (l->failed || l->n == MAX_GROUPS || !web_covers_group(l->p, g->id))
        return;
    struct loan_group *lg = &l->groups[l->n++];
    memset(lg, 0, sizeof *lg);
    snprintf(lg->code, sizeof lg->code, "%s", g->code);
    char today[16];
    format_date(l->p->now, domain_tz(&l->p->w->rt->domain, g->timezone), today, sizeof today);
    if (store_each_arrears(l->p->s, g->id, 0, today, on_arrears, lg) < 0)
        l->failed = 1;
}

void page_loans(struct page *p)
{
    struct loans l = {p, calloc(MAX_GROUPS, sizeof(struct loan_group)), 0, NULL, 0};
    static const char *const lh[] = {"loan", "name", "group", "outstanding", "due", "days_late"};
    static const enum web_cell lk[] = {WEB_TEXT,  WEB_TEXT, WEB_TEXT,
                                       WEB_MONEY, WEB_DATE, WEB_NUMBER};
    l.late = web_table_new("loans_late", 6, lh, lk);
    if (!l.groups || !l.late || store_each_group(p->s, 0, on_group, &l) < 0 || l.failed ||
        store_io_each_loan(p->s, on_loan, &l) < 0) {
        free(l.groups);
        web_table_free(l.late);
        return web_fail(p);
    }
    html_begin(p, "loans_title", NULL);
    static const char *const gh[] = {"group",          "loans_active", "outstanding", "in_arrears",
                                     "arrears_amount", "par30",        "par30_pct"};
    static const enum web_cell gk[] = {WEB_TEXT,  WEB_NUMBER, WEB_MONEY, WEB_NUMBER,
                                       WEB_MONEY, WEB_MONEY,  WEB_TEXT};
    struct web_table *t = web_table_new("loans_groups", 7, gh, gk);
    struct loan_group total = {.code = ""};
    for (int i = 0; i <= l.n && t; i++) {
        struct loan_group *g = i < l.n ? &l.groups[i] : &total;
        if (i < l.n) {
            total.loans_active += g->loans_active;
            total.outstanding += g->outstanding;
            total.in_arrears += g->in_arrears;
            total.arrears += g->arrears;
            total.par30 += g->par30;
        }
        char pct[16];
        snprintf(pct, sizeof pct, "%.1f%%",
                 g->outstanding ? 100.0 * (double)g->par30 / (double)g->outstanding : 0.0);
        web_cell_text(t, i < l.n ? g->code : web_word(p, "total"));
        web_cell_number(t, g->loans_active);
        web_cell_number(t, g->outstanding);
        web_cell_number(t, g->in_arrears);
        web_cell_number(t, g->arrears);
        web_cell_number(t, g->par30);
        web_cell_text(t, pct);
    }
    html_h2(p, "loans_by_group", NULL);
    if (l.n && p->want_table < 0) {
        const char *labels[MAX_GROUPS];
        int64_t *arrears = calloc((size_t)l.n, sizeof *arrears),
                *par = calloc((size_t)l.n, sizeof *par);
        if (arrears && par) {
            int n = l.n > 12 ? 12 : l.n;
            for (int i = 0; i < n; i++) {
                labels[i] = l.groups[i].code;
                arrears[i] = l.groups[i].arrears;
                par[i] = l.groups[i].par30;
            }
            static const char *const series[] = {"arrears_amount", "par30"};
            const int64_t *values[] = {arrears, par};
            svg_bars(p, "chart_arrears", n, labels, 2, series, values, true);
        }
        free(arrears);
        free(par);
    }
    web_table_end(p, t);
    html_h2(p, "loans_late_title", NULL);
    web_table_end(p, l.late);
    free(l.groups);
    html_end(p);
    html_respond(p, 200);
}

/* ---- training ---- */

struct tally {
    struct page *p;
    struct web_table *t;
    int64_t participants, disability, completed;
    char labels[32][8];
    int64_t present[32];
    int n_sessions;
    char answer_q[64][8];
    char answer_a[64][4];
    int64_t answer_n[64];
    int n_answers;
};

static void on_totals(const char *key, const char *sub, int64_t n, void *arg)
{
    struct tally *t = arg;
    (void)sub;
    if (strcmp(key, "participants") == 0)
        t->participants = n;
    else if (strcmp(key, "disability") == 0)
        t->disability = n;
    else if (strcmp(key, "completed_all") == 0)
        t->completed = n;
}

static void on_count(const char *key, const char *sub, int64_t n, void *arg)
{
    struct tally *t = arg;
    (void)sub;
    web_cell_text(t->t, key);
    web_cell_number(t->t, n);
}

static void on_session(const char *key, const char *sub, int64_t n, void *arg)
{
    struct tally *t = arg;
    (void)sub;
    if (t->n_sessions < 32) {
        snprintf(t->labels[t->n_sessions], sizeof t->labels[0], "%s", key);
        t->present[t->n_sessions++] = n;
    }
}

static void on_answer(const char *key, const char *sub, int64_t n, void *arg)
{
    struct tally *t = arg;
    if (t->n_answers < 64) {
        snprintf(t->answer_q[t->n_answers], sizeof t->answer_q[0], "%s", key);
        snprintf(t->answer_a[t->n_answers], sizeof t->answer_a[0], "%s", sub ? sub : "?");
        t->answer_n[t->n_answers++] = n;
    }
}

static void percent(char *out, size_t sz, int64_t n, int64_t of)
{
    snprintf(out, sz, "%.1f%%", of ? 100.0 * (double)n / (double)of : 0.0);
}

void page_training(struct page *p, const char *code)
{
    struct store_batch b;
    int rc = store_batch_by_code(p->s, code, &b);
    if (rc < 0)
        return web_fail(p);
    if (rc == 0 || !web_covers_batch(p))
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    struct tally *t = calloc(1, sizeof *t);
    if (!t)
        return web_fail(p);
    t->p = p;
    html_begin(p, "training_title", b.code);
    if (store_training_tally(p->s, b.id, STORE_TALLY_TOTALS, on_totals, t) != 0 ||
        store_training_tally(p->s, b.id, STORE_TALLY_SESSION, on_session, t) != 0 ||
        store_training_tally(p->s, b.id, STORE_TALLY_ANSWER, on_answer, t) != 0) {
        free(t);
        return web_fail(p);
    }
    static const char *const sh[] = {"measure", "count", "percent"};
    static const enum web_cell sk[] = {WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *summary = web_table_new("training_summary", 3, sh, sk);
    char pct[16];
    web_cell_text(summary, web_word(p, "participants"));
    web_cell_number(summary, t->participants);
    web_cell_text(summary, "");
    percent(pct, sizeof pct, t->disability, t->participants);
    web_cell_text(summary, web_word(p, "disability"));
    web_cell_number(summary, t->disability);
    web_cell_text(summary, pct);
    percent(pct, sizeof pct, t->completed, t->participants);
    web_cell_text(summary, web_word(p, "completed_all"));
    web_cell_number(summary, t->completed);
    web_cell_text(summary, pct);
    web_table_end(p, summary);

    html_h2(p, "attendance_title", NULL);
    const char *labels[32];
    for (int i = 0; i < t->n_sessions; i++)
        labels[i] = t->labels[i];
    static const char *const series[] = {"present"};
    const int64_t *values[] = {t->present};
    if (p->want_table < 0)
        svg_bars(p, "chart_attendance", t->n_sessions, labels, 1, series, values, false);
    static const char *const ah[] = {"session", "present", "percent"};
    static const enum web_cell ak[] = {WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *att = web_table_new("attendance", 3, ah, ak);
    for (int i = 0; i < t->n_sessions; i++) {
        percent(pct, sizeof pct, t->present[i], t->participants);
        web_cell_text(att, t->labels[i]);
        web_cell_number(att, t->present[i]);
        web_cell_text(att, pct);
    }
    web_table_end(p, att);

    static const char *const dh[] = {"district", "count"};
    static const enum web_cell dk[] = {WEB_TEXT, WEB_NUMBER};
    html_h2(p, "by_district", NULL);
    t->t = web_table_new("districts", 2, dh, dk);
    if (store_training_tally(p->s, b.id, STORE_TALLY_DISTRICT, on_count, t) != 0) {
        web_table_free(t->t);
        free(t);
        return web_fail(p);
    }
    web_table_end(p, t->t);
    static const char *const xh[] = {"sex", "count"};
    html_h2(p, "by_sex", NULL);
    t->t = web_table_new("sex", 2, xh, dk);
    if (store_training_tally(p->s, b.id, STORE_TALLY_SEX, on_count, t) != 0) {
        web_table_free(t->t);
        free(t);
        return web_fail(p);
    }
    web_table_end(p, t->t);

    html_h2(p, "answers_title", NULL);
    static const char *const qh[] = {"question", "answer", "count", "percent"};
    static const enum web_cell qk[] = {WEB_TEXT, WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *ans = web_table_new("answers", 4, qh, qk);
    for (int i = 0; i < t->n_answers; i++) {
        int64_t of = 0; /* a question's answers, as the report counts its percentages */
        for (int j = 0; j < t->n_answers; j++)
            if (strcmp(t->answer_q[j], t->answer_q[i]) == 0)
                of += t->answer_n[j];
        percent(pct, sizeof pct, t->answer_n[i], of);
        web_cell_text(ans, t->answer_q[i]);
        web_cell_text(ans, t->answer_a[i]);
        web_cell_number(ans, t->answer_n[i]);
        web_cell_text(ans, pct);
    }
    web_table_end(p, ans);
    free(t);
    html_end(p);
    html_respond(p, 200);
}
