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
    if (!t->instalment) {
        t->instalment = t->principal / t->instalments;
        if (!t->instalment) {
            snprintf(why, whysz, "principal %lld is less than one rupiah per instalment",
                     (long long)t->principal);
            return -1;
        }
        return 0;
    }
    /* The schedule sums to the principal: the last instalment takes what is left. A given
     * instalment may be rounded (3 x 335000 for 1000000), so instalment x instalments may differ
     * from the principal by up to half an instalment; more is a mistake in the file, or interest,
     * which catat does not add (put the whole amount to repay in principal). */
    int64_t total = t->instalment * t->instalments;
    int64_t diff = total > t->principal ? total - t->principal : t->principal - total;
    if (diff * 2 > t->instalment) {
        snprintf(why, whysz,
                 "instalment %lld x %d instalments = %lld, which differs from principal %lld by "
                 "more than half an instalment",
                 (long long)t->instalment, t->instalments, (long long)total,
                 (long long)t->principal);
        return -1;
    }
    return 0;
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
    for (int i = 0; i < t->instalments; i++) {
        due_date(t, i, out[i].due);
        out[i].amount = i + 1 < t->instalments
                            ? t->instalment
                            : t->principal - t->instalment * (t->instalments - 1);
    }
}
