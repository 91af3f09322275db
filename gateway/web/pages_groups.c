/* pages_groups.c - the overview (today and eight weeks per group), a group (members, weeks,
 * entries waiting with their confirm buttons) and a member (entries, loan schedule, messages).
 * Figures come from the same store functions as the digest and the balance reply. */
#include "web_internal.h"

#include "domain.h"
#include "format.h"
#include "outbox.h"
#include "reach.h"
#include "runtime.h"
#include "store_training.h"
#include "store_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEEKS 8
#define DAY 86400

static int group_tz(const struct page *p, const struct store_group *g)
{
    return domain_tz(&p->w->rt->domain, g->timezone);
}

struct arrears_sum {
    int count;
    int64_t amount;
    int64_t today; /* local day number */
    /* per member: code -> days late, for the members table */
    struct {
        char code[16];
        int64_t days, amount;
    } rows[512];
    int n_rows;
};

static void on_arrears(const char *name, const char *code, int64_t amount, const char *oldest_due,
                       void *arg)
{
    struct arrears_sum *a = arg;
    (void)name;
    a->count++;
    a->amount += amount;
    int64_t due;
    if (a->n_rows < 512 && format_parse_time(oldest_due, &due) == 0) {
        snprintf(a->rows[a->n_rows].code, sizeof a->rows[0].code, "%s", code);
        a->rows[a->n_rows].days = a->today - due / DAY;
        a->rows[a->n_rows++].amount = amount;
    }
}

static int arrears_of(const struct page *p, const struct store_group *g, struct arrears_sum *a)
{
    int tz = group_tz(p, g);
    char today[16];
    format_date(p->now, tz, today, sizeof today);
    memset(a, 0, sizeof *a);
    int64_t local = p->now + tz;
    a->today = local >= 0 ? local / DAY : (local - DAY + 1) / DAY;
    return store_each_arrears(p->s, g->id, 0, today, on_arrears, a) < 0 ? -1 : 0;
}

/* ---- overview ---- */

struct overview {
    struct page *p;
    struct web_table *t;
    int failed, shown;
};

static void overview_row(struct overview *o, const struct store_group *g, const char *period_key,
                         const struct store_digest *d, const struct arrears_sum *a)
{
    char href[64];
    snprintf(href, sizeof href, "/app/groups/%s", g->code);
    web_cell_link(o->t, g->code, href);
    web_cell_text(o->t, web_word(o->p, period_key));
    web_cell_number(o->t, d->reports);
    web_cell_number(o->t, d->sales);
    web_cell_number(o->t, d->expenses);
    web_cell_number(o->t, d->repaid_confirmed);
    web_cell_number(o->t, d->repaid_waiting);
    web_cell_number(o->t, a->count);
    web_cell_number(o->t, d->not_understood);
    web_cell_number(o->t, d->failed);
}

static void overview_group(const struct store_group *g, void *arg)
{
    struct overview *o = arg;
    if (o->failed || !web_covers_group(o->p, g->id))
        return;
    int tz = group_tz(o->p, g);
    struct store_digest today, weeks;
    struct arrears_sum *a = malloc(sizeof *a);
    if (!a || arrears_of(o->p, g, a) != 0 ||
        store_digest_figures(o->p->s, g->id, 0, web_day_start(o->p->now, tz), o->p->now + 1,
                             &today) != 0 ||
        store_digest_figures(o->p->s, g->id, 0,
                             format_week_start(o->p->now, tz) - (WEEKS - 1) * 7 * DAY,
                             o->p->now + 1, &weeks) != 0) {
        free(a);
        o->failed = 1;
        return;
    }
    overview_row(o, g, "today", &today, a);
    overview_row(o, g, "eight_weeks", &weeks, a);
    o->shown++;
    free(a);
}

static void overview_batch(const struct store_batch *b, void *arg)
{
    struct page *p = arg;
    if (!web_covers_batch(p, b))
        return;
    html_raw(p, "<li><a href=\"/app/training/");
    html_text(p, b->code);
    html_raw(p, "\">");
    html_text(p, b->code);
    html_raw(p, "</a></li>");
}

void page_overview(struct page *p)
{
    html_begin(p, "overview_title", NULL);
    if (strcmp(p->me.role, "trainer") != 0) {
        static const char *const heads[] = {
            "group",          "period",           "reports",        "sales",
            "expenses",       "repaid_confirmed", "repaid_waiting", "in_arrears",
            "not_understood", "failed_deliveries"};
        static const enum web_cell kinds[] = {WEB_TEXT,   WEB_TEXT,  WEB_NUMBER, WEB_MONEY,
                                              WEB_MONEY,  WEB_MONEY, WEB_MONEY,  WEB_NUMBER,
                                              WEB_NUMBER, WEB_NUMBER};
        struct overview o = {p, web_table_new("overview", 10, heads, kinds), 0, 0};
        html_h2(p, "groups", NULL);
        if (!o.t || store_each_group(p->s, 0, overview_group, &o) < 0 || o.failed) {
            web_table_free(o.t);
            return web_fail(p);
        }
        web_table_end(p, o.t);
    }
    if (web_covers_batch(p, NULL)) {
        html_h2(p, "batches", NULL);
        html_raw(p, "<ul>");
        if (store_each_batch(p->s, NULL, overview_batch, p) < 0)
            return web_fail(p);
        html_raw(p, "</ul>");
    }
    html_end(p);
    html_respond(p, 200);
}

/* ---- a group ---- */

struct members {
    struct page *p;
    struct web_table *t;
    const struct arrears_sum *a;
    int tz;
    int failed;
};

static void member_row(const struct store_person *m, void *arg)
{
    int64_t last_in = m->last_inbound_at;
    struct members *ms = arg;
    if (ms->failed)
        return;
    int64_t savings = store_savings_total(ms->p->s, m->id);
    struct store_loan loan;
    int has_loan = store_loan_for_person(ms->p->s, m->id, NULL, &loan);
    if (savings < 0 || has_loan < 0) {
        ms->failed = 1;
        return;
    }
    int64_t days = 0;
    for (int i = 0; i < ms->a->n_rows; i++)
        if (m->code[0] && strcmp(ms->a->rows[i].code, m->code) == 0)
            days = ms->a->rows[i].days;
    char last[16] = "";
    if (last_in)
        format_date(last_in, ms->tz, last, sizeof last);
    char href[64];
    snprintf(href, sizeof href, "/app/members/%s", m->code);
    if (m->code[0])
        web_cell_link(ms->t, m->code, href);
    else
        web_cell_text(ms->t, m->code);
    web_cell_text(ms->t, m->name);
    web_cell_text(ms->t, web_word(ms->p, m->role));
    web_cell_number(ms->t, savings);
    web_cell_number(ms->t, has_loan ? loan.outstanding : 0);
    web_cell_number(ms->t, days);
    web_cell_text(ms->t, last);
}

struct waiting {
    struct page *p;
    struct web_table *t;
    const char *group;
    int tz;
};

static void waiting_row(const struct store_web_entry *e, void *arg)
{
    struct waiting *w = arg;
    char date[16];
    format_date(e->created_at, w->tz, date, sizeof date);
    web_cell_number(w->t, e->amount);
    web_cell_text(w->t, web_word(w->p, e->kind));
    web_cell_text(w->t, e->name);
    web_cell_text(w->t, e->ref);
    web_cell_text(w->t, date);
    web_cell_text(w->t, e->code);
    /* The form is built in the page buffer's escaping, then handed over as markup. */
    struct page *p = w->p;
    size_t mark = p->out.len;
    html_raw(p, "<form method=\"post\" action=\"/app/groups/");
    html_text(p, w->group);
    html_raw(p, "/confirm\">");
    html_csrf(p);
    html_raw(p, "<input type=\"hidden\" name=\"ref\" value=\"");
    html_text(p, e->ref);
    html_raw(p, "\"><button>");
    html_word(p, "confirm");
    html_raw(p, "</button></form>");
    if (!p->out.failed && p->out.data) {
        web_row_action(w->t, p->out.data + mark);
        p->out.len = mark;
        p->out.data[mark] = '\0';
    }
}

static void group_page(struct page *p, const struct store_group *g, const char *notice,
                       bool notice_ok)
{
    int tz = group_tz(p, g);
    struct arrears_sum *a = malloc(sizeof *a);
    if (!a || arrears_of(p, g, a) != 0) {
        free(a);
        return web_fail(p);
    }
    char title[96];
    snprintf(title, sizeof title, "%s %s", g->code, g->name);
    html_begin(p, "group_title", title);
    if (notice) {
        html_raw(p, notice_ok ? "<p class=\"ok\">" : "<p class=\"err\">");
        html_text(p, notice);
        html_raw(p, "</p>");
    }
    /* entries waiting first: it is what a treasurer comes for */
    html_h2(p, "waiting_title", NULL);
    /* What a treasurer checks before confirming comes first, beside the button. */
    static const char *const wh[] = {"amount", "kind", "name", "ref", "date", "code"};
    static const enum web_cell wk[] = {WEB_MONEY, WEB_TEXT, WEB_TEXT, WEB_TEXT, WEB_DATE, WEB_TEXT};
    struct waiting w = {p, web_table_new("waiting", 6, wh, wk), g->code, tz};
    int shown = w.t ? store_web_each_entry(p->s, g->id, 0, true, web_rows(p), waiting_row, &w) : -1;
    if (shown < 0) {
        web_table_free(w.t);
        free(a);
        return web_fail(p);
    }
    web_rows_note(p, shown);
    if (!domain_can_confirm(&p->me))
        for (size_t r = 0; r < w.t->n_rows; r++) {
            free(w.t->action[r]);
            w.t->action[r] = NULL;
        }
    web_table_end(p, w.t);

    html_h2(p, "members_title", NULL);
    static const char *const mh[] = {"code",      "name",      "role",        "savings",
                                     "loan_left", "days_late", "last_message"};
    static const enum web_cell mk[] = {WEB_TEXT,  WEB_TEXT,   WEB_TEXT, WEB_MONEY,
                                       WEB_MONEY, WEB_NUMBER, WEB_DATE};
    struct members ms = {p, web_table_new("members", 7, mh, mk), a, tz, 0};
    if (!ms.t || store_web_each_member(p->s, g->id, member_row, &ms) < 0 || ms.failed) {
        web_table_free(ms.t);
        free(a);
        return web_fail(p);
    }
    web_table_end(p, ms.t);
    free(a);

    /* eight weeks, Monday to Sunday in the group's time, as the balance reply counts a week */
    int64_t sales[WEEKS], expenses[WEEKS], repaid[WEEKS];
    char labels[WEEKS][8];
    const char *label_p[WEEKS];
    int64_t first = format_week_start(p->now, tz) - (WEEKS - 1) * 7 * DAY;
    static const char *const th[] = {"week", "sales", "expenses", "repaid_confirmed"};
    static const enum web_cell tk[] = {WEB_DATE, WEB_MONEY, WEB_MONEY, WEB_MONEY};
    struct web_table *t = web_table_new("weeks", 4, th, tk);
    for (int i = 0; i < WEEKS; i++) {
        struct store_digest d;
        int64_t from = first + (int64_t)i * 7 * DAY;
        if (!t || store_digest_figures(p->s, g->id, 0, from, from + 7 * DAY, &d) != 0) {
            web_table_free(t);
            return web_fail(p);
        }
        sales[i] = d.sales;
        expenses[i] = d.expenses;
        repaid[i] = d.repaid_confirmed;
        char date[16];
        format_date(from, tz, date, sizeof date);
        snprintf(labels[i], sizeof labels[i], "%.5s", date + 5);
        label_p[i] = labels[i];
        web_cell_text(t, date);
        web_cell_number(t, d.sales);
        web_cell_number(t, d.expenses);
        web_cell_number(t, d.repaid_confirmed);
    }
    html_h2(p, "weeks_title", NULL);
    static const char *const series[] = {"sales", "expenses"};
    const int64_t *values[] = {sales, expenses};
    if (p->want_table < 0)
        svg_bars(p, "chart_sales", WEEKS, label_p, 2, series, values, true);
    static const char *const rseries[] = {"repaid_confirmed"};
    const int64_t *rvalues[] = {repaid};
    if (p->want_table < 0)
        svg_bars(p, "chart_repaid", WEEKS, label_p, 1, rseries, rvalues, true);
    web_table_end(p, t);
    html_end(p);
    html_respond(p, 200);
}

/* The group named code when the signed-in person covers it: 1, 0 (answered 404), -1. */
static int covered_group(struct page *p, const char *code, struct store_group *g)
{
    int rc = store_group_by_code(p->s, code, g);
    if (rc < 0)
        return -1;
    if (rc == 0 || !web_covers_group(p, g->id)) {
        html_message_page(p, 404, "error_title", "error_not_found", NULL);
        return 0;
    }
    return 1;
}

void page_group(struct page *p, const char *code)
{
    struct store_group g;
    int rc = covered_group(p, code, &g);
    if (rc < 0)
        return web_fail(p);
    if (rc == 1)
        group_page(p, &g, NULL, false);
}

/* POST /app/groups/CODE/confirm (ref): what KONFIRM REF does, through the domain, in one
 * transaction with the notices it queues and the record of who did it. */
void page_confirm(struct page *p, const char *code)
{
    struct store_group g;
    int rc = covered_group(p, code, &g);
    if (rc < 0)
        return web_fail(p);
    if (rc == 0)
        return;
    const char *ref = web_form_get(&p->form, "ref");
    snprintf(p->self_path, sizeof p->self_path, "/app/groups/%s", g.code);
    struct domain_effects *fx = malloc(sizeof *fx);
    if (!fx)
        return web_fail(p);
    domain_effects_init(fx);
    struct domain_ctx ctx;
    struct store_person me = p->me;
    domain_ctx_init(&ctx, &p->w->rt->domain, p->s, &me, p->now, 0, fx);
    if (store_begin(p->s) != 0) {
        free(fx);
        return web_fail(p);
    }
    if (domain_confirm(&ctx, ref) != 0 ||
        reach_queue_notices(&p->w->rt->reach, p->s, fx, 0, p->now) < 0 ||
        web_record(p, fx->errors ? "confirm_refused" : "confirm", ref, fx->reply) != 0 ||
        store_commit(p->s) != 0) {
        store_rollback(p->s);
        domain_effects_free(fx);
        free(fx);
        return web_fail(p);
    }
    outbox_wake(p->w->ob);
    char notice[DOMAIN_REPLY_MAX];
    snprintf(notice, sizeof notice, "%s", fx->reply);
    bool ok = fx->errors == 0;
    domain_effects_free(fx);
    free(fx);
    group_page(p, &g, notice, ok);
}

/* ---- a member ---- */

struct member_tables {
    struct page *p;
    struct web_table *t;
    int tz;
};

static void entry_row(const struct store_web_entry *e, void *arg)
{
    struct member_tables *m = arg;
    char date[16];
    format_date(e->created_at, m->tz, date, sizeof date);
    web_cell_text(m->t, date);
    web_cell_text(m->t, e->ref);
    web_cell_text(m->t, web_word(m->p, e->kind));
    web_cell_text(m->t, e->item);
    web_cell_number(m->t, e->amount);
    web_cell_text(m->t, web_word(m->p, e->status));
}

static void instalment_row(const struct store_web_instalment *i, void *arg)
{
    struct member_tables *m = arg;
    web_cell_text(m->t, i->loan);
    web_cell_number(m->t, i->n);
    web_cell_text(m->t, i->due_date);
    web_cell_number(m->t, i->amount);
    web_cell_number(m->t, i->paid);
}

static void message_row(const struct store_web_message *msg, void *arg)
{
    struct member_tables *m = arg;
    char at[32];
    format_iso8601(msg->at, m->tz, at, sizeof at);
    at[16] = '\0'; /* YYYY-MM-DDTHH:MM */
    at[10] = ' ';
    web_cell_text(m->t, at);
    web_cell_text(m->t, web_word(m->p, msg->direction));
    web_cell_clip(m->p, m->t, msg->text);
    web_cell_text(m->t, msg->status);
}

void page_member(struct page *p, const char *code)
{
    struct store_person who;
    int rc = store_person_by_code(p->s, code, &who);
    if (rc < 0)
        return web_fail(p);
    if (rc == 0 || !web_covers_group(p, who.group_id))
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    int tz = domain_tz(&p->w->rt->domain, who.group_tz);
    char title[96];
    snprintf(title, sizeof title, "%s %s", who.code, who.name);
    html_begin(p, "member_title", title);
    html_raw(p, "<p>");
    html_text(p, who.phone);
    html_raw(p, " &middot; <a href=\"/app/groups/");
    html_text(p, who.group_code);
    html_raw(p, "\">");
    html_text(p, who.group_code);
    html_raw(p, "</a></p>");

    html_h2(p, "entries_title", NULL);
    static const char *const eh[] = {"date", "ref", "kind", "item", "amount", "status"};
    static const enum web_cell ek[] = {WEB_DATE, WEB_TEXT, WEB_TEXT, WEB_TEXT, WEB_MONEY, WEB_TEXT};
    struct member_tables m = {p, web_table_new("entries", 6, eh, ek), tz};
    int shown = m.t ? store_web_each_entry(p->s, 0, who.id, false, web_rows(p), entry_row, &m) : -1;
    if (web_list_end(p, m.t, shown) != 0)
        return;

    html_h2(p, "schedule_title", NULL);
    static const char *const sh[] = {"loan", "instalment_n", "due", "amount", "paid"};
    static const enum web_cell sk[] = {WEB_TEXT, WEB_NUMBER, WEB_DATE, WEB_MONEY, WEB_MONEY};
    m.t = web_table_new("schedule", 5, sh, sk);
    if (!m.t || store_web_each_instalment(p->s, who.id, instalment_row, &m) < 0) {
        web_table_free(m.t);
        return web_fail(p);
    }
    web_table_end(p, m.t);

    html_h2(p, "messages_title", NULL);
    static const char *const mh[] = {"time", "direction", "text", "status"};
    static const enum web_cell mk[] = {WEB_DATE, WEB_TEXT, WEB_TEXT, WEB_TEXT};
    m.t = web_table_new("messages", 4, mh, mk);
    struct store_web_message_filter f = {.phone = who.phone,
                                         .staff = &p->me,
                                         .staff_network_id = p->my_network,
                                         .limit = web_rows(p)};
    shown = m.t ? store_web_each_message(p->s, &f, message_row, &m) : -1;
    if (web_list_end(p, m.t, shown) != 0)
        return;
    html_end(p);
    html_respond(p, 200);
}
