/* pages_reports.c - /app/loans (the LKP's figures of a month or quarter, as `catat report
 * loans`, from books_report, and the loans that are late) and /app/training/BATCH (the figures
 * of `catat report training`, from training_report, with charts). One code path: the page
 * shows what the command line prints. */
#include "web_internal.h"

#include "books.h"
#include "config.h"
#include "domain.h"
#include "format.h"
#include "runtime.h"
#include "store_io.h"
#include "store_training.h"
#include "training_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define CHART_MAX 12

/* ---- loans ---- */

static const char *const loan_heads[] = {
    "group",           "loans_active", "disbursed", "repaid_principal", "repaid_interest",
    "outstanding",     "in_arrears",   "par30",     "savings_in",       "savings_out",
    "savings_balance", "sales",        "expenses"};
static const enum web_cell loan_kinds[] = {WEB_TEXT,  WEB_NUMBER, WEB_MONEY, WEB_MONEY, WEB_MONEY,
                                           WEB_MONEY, WEB_NUMBER, WEB_MONEY, WEB_MONEY, WEB_MONEY,
                                           WEB_MONEY, WEB_MONEY,  WEB_MONEY};

static void loan_row(struct web_table *t, const char *code, const struct books_figures *f)
{
    web_cell_text(t, code);
    web_cell_number(t, f->loans_active);
    web_cell_number(t, f->disbursed);
    web_cell_number(t, f->repaid_principal);
    web_cell_number(t, f->repaid_interest);
    web_cell_number(t, f->outstanding);
    web_cell_number(t, f->in_arrears);
    web_cell_number(t, f->par30);
    web_cell_number(t, f->savings_in);
    web_cell_number(t, f->savings_out);
    web_cell_number(t, f->savings_balance);
    web_cell_number(t, f->sales);
    web_cell_number(t, f->expenses);
}

struct late {
    struct page *p;
    struct web_table *t;
};

/* A loan with an instalment past due today, for the list staff chase. */
static void on_loan(const struct store_io_loan_row *r, void *arg)
{
    struct late *l = arg;
    struct store_group g;
    if (r->outstanding <= 0 || !r->next_due[0] || store_group_by_code(l->p->s, r->group, &g) != 1 ||
        !web_covers_group(l->p, g.id))
        return;
    char today[16];
    format_date(l->p->now, domain_tz(&l->p->w->rt->domain, r->timezone), today, sizeof today);
    int days = books_days_between(r->next_due, today);
    if (days <= 0)
        return;
    web_cell_text(l->t, r->code);
    web_cell_text(l->t, r->name);
    web_cell_text(l->t, r->group);
    web_cell_number(l->t, r->outstanding);
    web_cell_text(l->t, r->next_due);
    web_cell_number(l->t, days);
}

void page_loans(struct page *p)
{
    /* The period as `catat report loans --period` takes it; default this month. */
    char period[16], from[11], to[11];
    const char *asked = web_query(p, "period");
    if (asked[0] && strlen(asked) <= 7) {
        snprintf(period, sizeof period, "%s", asked);
        if (strlen(period) == 6 && period[4] == 'q')
            period[4] = 'Q';
    } else {
        char today[16];
        format_date(p->now, p->w->rt->domain.default_tz, today, sizeof today);
        snprintf(period, sizeof period, "%.7s", today);
    }
    if (books_parse_period(period, from, to) != 0)
        return html_message_page(p, 400, "error_title", "error_period", asked);
    struct books_report r;
    if (books_report(p->s, from, to, p->w->rt->domain.default_tz, &r) != 0)
        return web_fail(p);
    html_begin(p, "loans_title", period);
    html_raw(p, "<form method=\"get\" action=\"/app/loans\"><label for=\"period\">");
    html_word(p, "period_help");
    html_raw(p, "</label><input id=\"period\" name=\"period\" size=\"8\" value=\"");
    html_text(p, period);
    html_raw(p, "\"> <button>");
    html_word(p, "show");
    html_raw(p, "</button></form><p>");
    html_text(p, r.from);
    html_raw(p, " &ndash; ");
    html_text(p, r.to);
    html_raw(p, "</p>");
    bool admin = strcmp(p->me.role, "admin") == 0;
    struct web_table *t = web_table_new("loans_groups", 13, loan_heads, loan_kinds);
    const char *labels[CHART_MAX];
    int64_t outstanding[CHART_MAX], par[CHART_MAX];
    int n_chart = 0;
    for (size_t i = 0; i < r.n_groups && t; i++) {
        struct store_group g;
        int rc = store_group_by_code(p->s, r.groups[i].code, &g);
        if (rc < 0) {
            web_table_free(t);
            books_report_free(&r);
            return web_fail(p);
        }
        if (rc == 0 || !web_covers_group(p, g.id))
            continue;
        loan_row(t, r.groups[i].code, &r.groups[i].f);
        if (n_chart < CHART_MAX) {
            labels[n_chart] = r.groups[i].code;
            outstanding[n_chart] = r.groups[i].f.outstanding;
            par[n_chart++] = r.groups[i].f.par30;
        }
    }
    html_h2(p, "loans_by_group", NULL);
    if (n_chart && p->want_table < 0) {
        static const char *const series[] = {"outstanding", "par30"};
        const int64_t *values[] = {outstanding, par};
        svg_bars(p, "chart_arrears", n_chart, labels, 2, series, values, true);
    }
    web_table_end(p, t);
    if (admin) { /* networks and the total cover every group: an admin's */
        html_h2(p, "loans_by_network", NULL);
        t = web_table_new("loans_networks", 13, loan_heads, loan_kinds);
        for (size_t i = 0; i < r.n_networks && t; i++)
            loan_row(t, r.networks[i].code, &r.networks[i].f);
        if (t)
            loan_row(t, web_word(p, "total"), &r.total);
        web_table_end(p, t);
    } else {
        web_table_end(p, NULL); /* the tables keep their numbers, for the download links */
    }
    books_report_free(&r);
    html_h2(p, "loans_late_title", NULL);
    static const char *const lh[] = {"loan", "name", "group", "outstanding", "due", "days_late"};
    static const enum web_cell lk[] = {WEB_TEXT,  WEB_TEXT, WEB_TEXT,
                                       WEB_MONEY, WEB_DATE, WEB_NUMBER};
    struct late l = {p, web_table_new("loans_late", 6, lh, lk)};
    if (!l.t || store_io_each_loan(p->s, on_loan, &l) < 0) {
        web_table_free(l.t);
        return web_fail(p);
    }
    web_table_end(p, l.t);
    html_end(p);
    html_respond(p, 200);
}

/* ---- training ---- */

static int64_t jint(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static void jpercent(const json_t *o, const char *key, char *out, size_t sz)
{
    snprintf(out, sz, "%.1f%%", json_number_value(json_object_get(o, key)));
}

/* A table of name -> count from a JSON object (by_district, by_sex, by_programme). */
static void count_table(struct page *p, const char *name, const char *head_key, const json_t *o,
                        int64_t of)
{
    const char *heads[] = {head_key, "count", "percent"};
    static const enum web_cell kinds[] = {WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *t = web_table_new(name, 3, heads, kinds);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        char pct[16];
        snprintf(pct, sizeof pct, "%.1f%%",
                 (double)training_percent_tenths((int64_t)json_integer_value(v), of) / 10.0);
        web_cell_text(t, k);
        web_cell_number(t, (int64_t)json_integer_value(v));
        web_cell_text(t, pct);
    }
    web_table_end(p, t);
}

void page_training(struct page *p, const char *code)
{
    struct store_batch b;
    int rc = store_batch_by_code(p->s, code, &b);
    if (rc < 0)
        return web_fail(p);
    if (rc == 0 || !web_covers_batch(p, &b))
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    int err = 0;
    json_t *report = training_report(p->s, b.code, NULL, p->w->rt->domain.default_tz, &err);
    json_t *f = json_array_get(json_object_get(report, "batches"), 0);
    if (!f) {
        json_decref(report);
        return err == 1 ? html_message_page(p, 404, "error_title", "error_not_found", NULL)
                        : web_fail(p);
    }
    int64_t participants = jint(f, "participants");
    html_begin(p, "training_title", b.code);
    char pct[16];
    static const char *const sh[] = {"measure", "count", "percent"};
    static const enum web_cell sk[] = {WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *summary = web_table_new("training_summary", 3, sh, sk);
    web_cell_text(summary, web_word(p, "participants"));
    web_cell_number(summary, participants);
    web_cell_text(summary, "");
    jpercent(f, "disability_percent", pct, sizeof pct);
    web_cell_text(summary, web_word(p, "disability"));
    web_cell_number(summary, jint(f, "disability"));
    web_cell_text(summary, pct);
    jpercent(f, "completed_all_percent", pct, sizeof pct);
    web_cell_text(summary, web_word(p, "completed_all"));
    web_cell_number(summary, jint(f, "completed_all"));
    web_cell_text(summary, pct);
    web_table_end(p, summary);

    /* attendance per session */
    json_t *sessions = json_object_get(f, "sessions");
    size_t n = json_array_size(sessions);
    if (n > 32)
        n = 32;
    char labels[32][8];
    const char *label_p[32];
    int64_t present[32];
    static const char *const ah[] = {"session", "present", "percent"};
    static const enum web_cell ak[] = {WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *att = web_table_new("attendance", 3, ah, ak);
    for (size_t i = 0; i < n; i++) {
        json_t *se = json_array_get(sessions, i);
        snprintf(labels[i], sizeof labels[i], "%lld", (long long)jint(se, "session"));
        label_p[i] = labels[i];
        present[i] = jint(se, "present");
        jpercent(se, "percent", pct, sizeof pct);
        web_cell_text(att, labels[i]);
        web_cell_number(att, present[i]);
        web_cell_text(att, pct);
    }
    html_h2(p, "attendance_title", NULL);
    static const char *const series[] = {"present"};
    const int64_t *values[] = {present};
    if (p->want_table < 0)
        svg_bars(p, "chart_attendance", (int)n, label_p, 1, series, values, false);
    web_table_end(p, att);

    /* indicators before and after: participants, not answers */
    json_t *inds = json_object_get(f, "indicators");
    size_t ni = json_array_size(inds);
    if (ni > CHART_MAX)
        ni = CHART_MAX;
    static const char *const ih[] = {"indicator", "question",  "before", "before_pct",
                                     "after",     "after_pct", "of"};
    static const enum web_cell ik[] = {WEB_TEXT,   WEB_TEXT, WEB_NUMBER, WEB_TEXT,
                                       WEB_NUMBER, WEB_TEXT, WEB_NUMBER};
    struct web_table *it = web_table_new("indicators", 7, ih, ik);
    const char *ilabels[CHART_MAX];
    int64_t before[CHART_MAX], after[CHART_MAX];
    for (size_t i = 0; i < ni; i++) {
        json_t *in = json_array_get(inds, i), *bf = json_object_get(in, "before");
        const char *name = json_string_value(json_object_get(in, "indicator"));
        const char *text = json_string_value(json_object_get(in, "text"));
        ilabels[i] = name ? name : "";
        /* bars of whole percents; the table beside them has the report's one decimal */
        before[i] = bf ? (int64_t)(json_number_value(json_object_get(bf, "percent")) + 0.5) : 0;
        after[i] = (int64_t)(json_number_value(json_object_get(in, "percent")) + 0.5);
        web_cell_text(it, ilabels[i]);
        web_cell_text(it, text ? text : "");
        web_cell_number(it, bf ? jint(bf, "yes") : 0);
        if (bf)
            jpercent(bf, "percent", pct, sizeof pct);
        web_cell_text(it, bf ? pct : "");
        web_cell_number(it, jint(in, "yes"));
        jpercent(in, "percent", pct, sizeof pct);
        web_cell_text(it, pct);
        web_cell_number(it, jint(in, "of"));
    }
    html_h2(p, "indicators_title", NULL);
    static const char *const iseries[] = {"before_pct", "after_pct"};
    const int64_t *ivalues[] = {before, after};
    if (ni && p->want_table < 0)
        svg_bars(p, "chart_indicators", (int)ni, ilabels, 2, iseries, ivalues, false);
    web_table_end(p, it);

    html_h2(p, "by_district", NULL);
    count_table(p, "districts", "district", json_object_get(f, "by_district"), participants);
    html_h2(p, "by_sex", NULL);
    count_table(p, "sex", "sex", json_object_get(f, "by_sex"), participants);
    html_h2(p, "by_programme", NULL);
    count_table(p, "programmes", "programme", json_object_get(f, "by_programme"), participants);

    /* disability by district */
    html_h2(p, "disability_by_district", NULL);
    static const char *const dh[] = {"district", "disability_yes", "disability_no"};
    static const enum web_cell dk[] = {WEB_TEXT, WEB_NUMBER, WEB_NUMBER};
    struct web_table *dt = web_table_new("disability_by_district", 3, dh, dk);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(f, "by_district_disability"), k, v)
    {
        web_cell_text(dt, k);
        web_cell_number(dt, jint(v, "yes"));
        web_cell_number(dt, jint(v, "no"));
    }
    web_table_end(p, dt);

    /* survey answers */
    html_h2(p, "answers_title", NULL);
    static const char *const qh[] = {"question", "answer", "count", "percent"};
    static const enum web_cell qk[] = {WEB_TEXT, WEB_TEXT, WEB_NUMBER, WEB_TEXT};
    struct web_table *ans = web_table_new("answers", 4, qh, qk);
    json_t *pcts = json_object_get(f, "answers_pct");
    const char *q;
    json_t *counts;
    json_object_foreach(json_object_get(f, "answers"), q, counts)
    {
        const char *a;
        json_t *c;
        json_object_foreach(counts, a, c)
        {
            snprintf(pct, sizeof pct, "%.1f%%",
                     json_number_value(json_object_get(json_object_get(pcts, q), a)));
            web_cell_text(ans, q);
            web_cell_text(ans, a);
            web_cell_number(ans, (int64_t)json_integer_value(c));
            web_cell_text(ans, pct);
        }
    }
    web_table_end(p, ans);
    json_decref(report);
    html_end(p);
    html_respond(p, 200);
}
