/* loans.h - a loan's schedule: when each instalment falls due and how much it is. The rules
 * live here so that an import, the web app and the reminders agree on them. */
#ifndef CATAT_LOANS_H
#define CATAT_LOANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_io.h"

#define LOANS_MAX_INSTALMENTS 520 /* ten years of weekly instalments */

struct loan_terms {
    int64_t principal;             /* rupiah */
    int64_t instalment;            /* rupiah per instalment; 0: principal / instalments */
    int instalments;               /* 1..LOANS_MAX_INSTALMENTS */
    bool monthly;                  /* else weekly */
    int first_y, first_m, first_d; /* the first instalment's due date */
};

/* Parses a calendar date "YYYY-MM-DD" strictly (ten characters, a day the month has, years
 * 2000-2100) into *y, *m, *d. */
bool loans_parse_date(const char *text, int *y, int *m, int *d);

/* Checks t (with its instalment filled in when it was 0). Returns 0, or -1 with why: the
 * instalments must add up to the principal within half an instalment. */
int loans_check(struct loan_terms *t, char *why, size_t whysz);

/* Writes t->instalments instalments into out: due dates weekly (7 days apart) or monthly (the
 * same day of each month, or the month's last day when it is shorter), amounts t->instalment
 * with the last taking what is left, so they sum to the principal. */
void loans_schedule(const struct loan_terms *t, struct store_io_instalment *out);

#endif
