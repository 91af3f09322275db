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
    int64_t interest;              /* set by loans_check: instalment x instalments - principal */
};

/* Parses a calendar date "YYYY-MM-DD" strictly (ten characters, a day the month has, years
 * 2000-2100) into *y, *m, *d. */
bool loans_parse_date(const char *text, int *y, int *m, int *d);

/* Checks t (with its instalment and interest filled in). Returns 0, or -1 with why. The
 * interest is instalment x instalments - principal (LKPs lend with interest). Instalments that
 * fall short of the principal by up to half an instalment are a rounding (3 x 333333 for
 * 1000000: the last instalment takes the rest, no interest); short by more is refused. */
int loans_check(struct loan_terms *t, char *why, size_t whysz);

/* Writes t->instalments instalments into out: due dates weekly (7 days apart) or monthly (the
 * same day of each month, or the month's last day when it is shorter); amounts t->instalment
 * (the last taking what is left when there is no interest). Each instalment's principal part is
 * the principal spread evenly, the rupiahs that do not divide going one each to the first
 * instalments; the rest of the instalment is interest. So the principal parts sum to the
 * principal, the interest parts to the interest, and the amounts to both. t must have passed
 * loans_check. */
void loans_schedule(const struct loan_terms *t, struct store_io_instalment *out);

/* The default disbursement date "YYYY-MM-DD": the day before the first instalment period, one
 * week (weekly) or one month (monthly, the month's last day when it is shorter) before the
 * first due date. */
void loans_default_disbursed(const struct loan_terms *t, char out[16]);

/* ---- repayments spread over instalments ---- */

/* Spreads the payments (struct store_repayment, in the order they were made) over the
 * instalments (struct store_instalment, sorted by due date, then loan, then number): each pays
 * the oldest unpaid instalment first, of the loan she named when she named one (what is beyond
 * that loan goes to her other loans, oldest first), else of all her loans. Within an
 * instalment the interest part is paid first. Pure: fills paid, paid_interest and the
 * payments' to_principal, to_interest and unapplied. */
void loans_allocate(struct store_instalment *slots, size_t n_slots,
                    struct store_repayment *payments, size_t n_payments);

#endif
