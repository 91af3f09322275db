/* books.c - repayments spread over instalments, what is owed, and the period figures. */
#define _DEFAULT_SOURCE /* timegm */
#include "books.h"

#include "format.h"
#include "loans.h"
#include "store_training.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int books_reallocate(struct store *s, int64_t person_id)
{
    struct store_instalment *slots;
    struct store_repayment *pays;
    size_t n_slots, n_pays;
    if (store_person_instalments(s, person_id, &slots, &n_slots) != 0)
        return -1;
    if (store_person_repayments(s, person_id, INT64_MAX, &pays, &n_pays) != 0) {
        free(slots);
        return -1;
    }
    loans_allocate(slots, n_slots, pays, n_pays);
    int rc = store_instalments_write_paid(s, slots, n_slots);
    free(slots);
    free(pays);
    return rc;
}

int books_owed(struct store *s, int64_t person_id, int64_t loan_id, int64_t *owed)
{
    struct store_instalment *slots;
    size_t n;
    if (store_person_instalments(s, person_id, &slots, &n) != 0)
        return -1;
    int64_t left = 0;
    for (size_t i = 0; i < n; i++)
        if (!loan_id || slots[i].loan_id == loan_id)
            left += slots[i].amount - slots[i].paid;
    free(slots);
    int64_t waiting = store_repayments_waiting(s, person_id, loan_id);
    if (waiting < 0)
        return -1;
    *owed = left - waiting;
    return 0;
}

/* Days since 1970-01-01 of a date, or LLONG_MIN when it is not one. */
static long long day_number(const char *date)
{
    int y, m, d;
    if (!date || !loans_parse_date(date, &y, &m, &d))
        return LLONG_MIN;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    return (long long)(timegm(&tm) / 86400);
}

int books_days_between(const char *a, const char *b)
{
    long long x = day_number(a), y = day_number(b);
    return x == LLONG_MIN || y == LLONG_MIN ? 0 : (int)(y - x);
}

int books_parse_period(const char *text, char from[11], char to[11])
{
    static const int last_day[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t len = strlen(text);
    for (int i = 0; i < 4; i++)
        if (text[i] < '0' || text[i] > '9')
            return -1;
    int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int m1, m2;
    if (len == 7 && text[4] == '-' && text[5] >= '0' && text[5] <= '1' && text[6] >= '0' &&
        text[6] <= '9') {
        m1 = m2 = (text[5] - '0') * 10 + (text[6] - '0');
    } else if (len == 6 && (text[4] == 'Q' || text[4] == 'q') && text[5] >= '1' && text[5] <= '4') {
        m1 = (text[5] - '1') * 3 + 1;
        m2 = m1 + 2;
    } else {
        return -1;
    }
    if (y < 2000 || y > 2100 || m1 < 1 || m2 > 12)
        return -1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int d2 = m2 == 2 && leap ? 29 : last_day[m2 - 1];
    /* The modulos tell the compiler what the checks above already ensure: ten characters. */
    snprintf(from, 11, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m1 % 100u);
    snprintf(to, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m2 % 100u,
             (unsigned)d2 % 100u);
    return 0;
}

/* The first moment of a local date in a zone tz seconds east of UTC. */
static int64_t local_midnight(const char *date, int tz)
{
    return (int64_t)day_number(date) * 86400 - tz;
}

static void add_figures(struct books_figures *to, const struct books_figures *f)
{
    to->loans_active += f->loans_active;
    to->disbursed += f->disbursed;
    to->repaid_principal += f->repaid_principal;
    to->repaid_interest += f->repaid_interest;
    to->outstanding += f->outstanding;
    to->in_arrears += f->in_arrears;
    to->par30 += f->par30;
    to->savings_in += f->savings_in;
    to->savings_out += f->savings_out;
    to->savings_balance += f->savings_balance;
    to->sales += f->sales;
    to->expenses += f->expenses;
}

/* One borrower's loans as they stood at the period's end, added to f. */
static int borrower_figures(struct store *s, int64_t person_id, const char *to_date, int64_t from,
                            int64_t end, struct books_figures *f)
{
    struct store_instalment *slots;
    struct store_repayment *pays;
    size_t n_slots, n_pays;
    if (store_person_instalments(s, person_id, &slots, &n_slots) != 0)
        return -1;
    if (store_person_repayments(s, person_id, end, &pays, &n_pays) != 0) {
        free(slots);
        return -1;
    }
    loans_allocate(slots, n_slots, pays, n_pays);
    for (size_t p = 0; p < n_pays; p++)
        if (pays[p].created_at >= from) {
            f->repaid_principal += pays[p].to_principal;
            f->repaid_interest += pays[p].to_interest;
        }
    bool late_member = false;
    /* Each loan once: the slots of one loan are not contiguous when she has several. */
    for (size_t i = 0; i < n_slots; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = slots[j].loan_id == slots[i].loan_id;
        if (seen || strcmp(slots[i].disbursed, to_date) > 0)
            continue;
        int64_t owed = 0;
        int worst = 0;
        for (size_t j = i; j < n_slots; j++) {
            if (slots[j].loan_id != slots[i].loan_id)
                continue;
            owed += slots[j].amount - slots[j].paid;
            if (slots[j].paid < slots[j].amount && strcmp(slots[j].due, to_date) < 0) {
                int days = books_days_between(slots[j].due, to_date);
                if (days > worst)
                    worst = days;
            }
        }
        if (owed > 0) {
            f->loans_active++;
            f->outstanding += owed;
        }
        if (worst > 0)
            late_member = true;
        if (worst > 30)
            f->par30 += owed;
    }
    f->in_arrears += late_member;
    free(slots);
    free(pays);
    return 0;
}

struct group_list {
    struct store_group *rows;
    size_t n;
    bool oom;
};

static void collect_group(const struct store_group *g, void *arg)
{
    struct group_list *l = arg;
    struct store_group *grown = realloc(l->rows, (l->n + 1) * sizeof *grown);
    if (!grown) {
        l->oom = true;
        return;
    }
    l->rows = grown;
    l->rows[l->n++] = *g;
}

struct network_list {
    int64_t *ids;
    char (*codes)[24];
    size_t n;
    bool oom;
};

static void collect_network(int64_t id, const char *code, void *arg)
{
    struct network_list *l = arg;
    int64_t *ids = realloc(l->ids, (l->n + 1) * sizeof *ids);
    if (ids)
        l->ids = ids;
    char(*codes)[24] = realloc(l->codes, (l->n + 1) * sizeof *codes);
    if (codes)
        l->codes = codes;
    if (!ids || !codes) {
        l->oom = true;
        return;
    }
    l->ids[l->n] = id;
    snprintf(l->codes[l->n], sizeof l->codes[l->n], "%s", code);
    l->n++;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct books_row *)a)->code, ((const struct books_row *)b)->code);
}

int books_report(struct store *s, const char *from, const char *to, int default_tz,
                 struct books_report *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->from, sizeof r->from, "%s", from);
    snprintf(r->to, sizeof r->to, "%s", to);
    struct group_list groups = {0};
    struct network_list nets = {0};
    char day_after[11];
    long long last = day_number(to);
    if (last == LLONG_MIN || day_number(from) == LLONG_MIN)
        return -1;
    format_date((int64_t)(last + 1) * 86400, 0, day_after, sizeof day_after);
    int rc = -1;
    if (store_each_group(s, 0, collect_group, &groups) < 0 || groups.oom ||
        store_each_network(s, collect_network, &nets) < 0 || nets.oom)
        goto out;
    r->groups = calloc(groups.n ? groups.n : 1, sizeof *r->groups);
    r->networks = calloc(nets.n ? nets.n : 1, sizeof *r->networks);
    if (!r->groups || !r->networks)
        goto out;
    for (size_t n = 0; n < nets.n; n++)
        snprintf(r->networks[n].code, sizeof r->networks[n].code, "%s", nets.codes[n]);
    r->n_networks = nets.n;
    for (size_t g = 0; g < groups.n; g++) {
        const struct store_group *grp = &groups.rows[g];
        struct books_row *row = &r->groups[r->n_groups++];
        snprintf(row->code, sizeof row->code, "%s", grp->code);
        int tz = default_tz;
        format_parse_tz(grp->timezone, &tz);
        int64_t t0 = local_midnight(from, tz), t1 = local_midnight(day_after, tz);
        struct store_group_period p = {0};
        if (store_group_period(s, grp->id, t0, t1, from, to, &p) != 0)
            goto out;
        row->f.savings_in = p.savings_in;
        row->f.savings_out = p.savings_out;
        row->f.savings_balance = p.savings_balance;
        row->f.sales = p.sales;
        row->f.expenses = p.expenses;
        row->f.disbursed = p.disbursed;
        int64_t *people;
        size_t n_people;
        if (store_group_borrowers(s, grp->id, &people, &n_people) != 0)
            goto out;
        for (size_t i = 0; i < n_people; i++)
            if (borrower_figures(s, people[i], to, t0, t1, &row->f) != 0) {
                free(people);
                goto out;
            }
        free(people);
        add_figures(&r->total, &row->f);
        for (size_t n = 0; n < nets.n; n++)
            if (nets.ids[n] == grp->network_id) {
                snprintf(row->network, sizeof row->network, "%s", nets.codes[n]);
                add_figures(&r->networks[n].f, &row->f);
            }
    }
    qsort(r->networks, r->n_networks, sizeof *r->networks, cmp_row);
    rc = 0;
out:
    free(groups.rows);
    free(nets.ids);
    free(nets.codes);
    if (rc != 0)
        books_report_free(r);
    return rc;
}

void books_report_free(struct books_report *r)
{
    if (!r)
        return;
    free(r->groups);
    free(r->networks);
    r->groups = r->networks = NULL;
    r->n_groups = r->n_networks = 0;
}
