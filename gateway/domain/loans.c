/* loans.c - instalment due dates and amounts. */
#define _DEFAULT_SOURCE /* timegm */
#include "loans.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

bool loans_parse_date(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return *y >= 2000 && *y <= 2100 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= month_days(*y, *m);
}

int loans_check(struct loan_terms *t, char *why, size_t whysz)
{
    if (t->principal <= 0 || t->instalments < 1 || t->instalments > LOANS_MAX_INSTALMENTS) {
        snprintf(why, whysz, "a loan needs a principal and 1 to %d instalments",
                 LOANS_MAX_INSTALMENTS);
        return -1;
    }
    t->interest = 0;
    if (!t->instalment) {
        t->instalment = t->principal / t->instalments;
        if (!t->instalment) {
            snprintf(why, whysz, "principal %lld is less than one rupiah per instalment",
                     (long long)t->principal);
            return -1;
        }
        return 0;
    }
    int64_t total = t->instalment * t->instalments;
    if (total >= t->principal) {
        t->interest = total - t->principal;
        return 0;
    }
    /* Short of the principal: a rounded instalment (the last takes the rest) within half an
     * instalment; more is a mistake in the file. */
    if ((t->principal - total) * 2 > t->instalment) {
        snprintf(why, whysz,
                 "instalment %lld x %d instalments = %lld, less than principal %lld by more than "
                 "half an instalment",
                 (long long)t->instalment, t->instalments, (long long)total,
                 (long long)t->principal);
        return -1;
    }
    return 0;
}

static void ymd(int y, int m, int d, char out[16])
{
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

void loans_default_disbursed(const struct loan_terms *t, char out[16])
{
    int y = t->first_y, m = t->first_m, d = t->first_d;
    if (t->monthly) {
        if (--m == 0) {
            m = 12;
            y--;
        }
        ymd(y, m, d < month_days(y, m) ? d : month_days(y, m), out);
        return;
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d - 7, .tm_hour = 12};
    time_t when = timegm(&tm);
    gmtime_r(&when, &tm);
    ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, out);
}

/* The due date of instalment i (from 0). */
static void due_date(const struct loan_terms *t, int i, char out[16])
{
    int y = t->first_y, m = t->first_m, d = t->first_d;
    if (t->monthly) {
        int months = (m - 1) + i;
        int yy = y + months / 12, mm = months % 12 + 1;
        int dd = d < month_days(yy, mm) ? d : month_days(yy, mm);
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)yy % 10000u, (unsigned)mm % 100u,
                 (unsigned)dd % 100u);
        return;
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 7 * i, .tm_hour = 12};
    time_t when = timegm(&tm);
    gmtime_r(&when, &tm);
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

void loans_schedule(const struct loan_terms *t, struct store_io_instalment *out)
{
    int64_t base = t->principal / t->instalments, extra = t->principal % t->instalments;
    for (int i = 0; i < t->instalments; i++) {
        due_date(t, i, out[i].due);
        if (!t->interest) {
            out[i].amount = i + 1 < t->instalments
                                ? t->instalment
                                : t->principal - t->instalment * (t->instalments - 1);
            out[i].interest = 0;
            continue;
        }
        /* base + 1 <= ceil(principal / n) <= instalment, so no interest part is negative. */
        int64_t principal_part = base + (i < extra ? 1 : 0);
        out[i].amount = t->instalment;
        out[i].interest = t->instalment - principal_part;
    }
}

/* Pays up to *left into slot k; returns what it took. */
static int64_t pay_slot(struct store_instalment *k, int64_t *left)
{
    int64_t take = k->amount - k->paid;
    if (take > *left)
        take = *left;
    if (take <= 0)
        return 0;
    int64_t interest_due = k->interest - k->paid_interest;
    int64_t to_interest = take < interest_due ? take : interest_due;
    k->paid += take;
    k->paid_interest += to_interest;
    *left -= take;
    return to_interest;
}

void loans_allocate(struct store_instalment *slots, size_t n_slots,
                    struct store_repayment *payments, size_t n_payments)
{
    for (size_t i = 0; i < n_slots; i++)
        slots[i].paid = slots[i].paid_interest = 0;
    for (size_t p = 0; p < n_payments; p++) {
        struct store_repayment *pay = &payments[p];
        int64_t left = pay->amount, interest = 0;
        /* The loan she named first, then (or when she named none) all her loans. */
        for (int pass = pay->loan_id ? 0 : 1; pass < 2 && left > 0; pass++)
            for (size_t i = 0; i < n_slots && left > 0; i++)
                if (pass == 1 || slots[i].loan_id == pay->loan_id)
                    interest += pay_slot(&slots[i], &left);
        pay->to_interest = interest;
        pay->to_principal = pay->amount - left - interest;
        pay->unapplied = left;
    }
}
