/* books.h - the books as an LKP keeps them: repayments spread over a borrower's instalments,
 * what she still owes, and the monthly or quarterly figures per group and network. The same
 * functions serve the SMS commands, `catat report loans` and the web app, so they all show the
 * same figures. */
#ifndef CATAT_BOOKS_H
#define CATAT_BOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Spreads the person's confirmed repayments over her loans' instalments again (oldest first,
 * see loans_allocate) and stores what each instalment has been paid. Call after a repayment is
 * confirmed or cancelled, or a loan's schedule changes. Returns 0 or -1. */
int books_reallocate(struct store *s, int64_t person_id);

/* What the person still owes, principal and interest (of loan_id only, or of all her loans when
 * loan_id is 0), less the repayments she reported that wait for confirmation. 0 or -1. */
int books_owed(struct store *s, int64_t person_id, int64_t loan_id, int64_t *owed);

/* The days from date a to date b ("YYYY-MM-DD"), b - a; 0 when either is not a date. */
int books_days_between(const char *a, const char *b);

/* Parses "YYYY-MM" (a month) or "YYYYQn" (a quarter, n 1-4) into its first and last day.
 * Returns 0, or -1 when text is neither. */
int books_parse_period(const char *text, char from[11], char to[11]);

/* The figures of a period, rupiah and member counts, from confirmed entries only. */
struct books_figures {
    int64_t loans_active;     /* loans disbursed by the period's end with money owed then */
    int64_t disbursed;        /* principal of loans disbursed in the period */
    int64_t repaid_principal; /* of repayments made in the period, principal and interest */
    int64_t repaid_interest;
    int64_t outstanding; /* principal and interest owed at the period's end */
    int64_t in_arrears;  /* members with an instalment late at the period's end */
    int64_t par30;       /* outstanding of loans with an instalment over 30 days late */
    int64_t savings_in, savings_out, savings_balance;
    int64_t sales, expenses;
};
struct books_row {
    char code[24];    /* the group's or the network's code */
    char network[24]; /* a group's network code, "" for none */
    struct books_figures f;
};
struct books_report {
    char from[11], to[11];
    struct books_row *groups, *networks; /* new: books_report_free */
    size_t n_groups, n_networks;
    struct books_figures total;
};
/* Computes the figures of [from, to] (dates, both included) for every group (by code), every
 * network (by code) and in total. A group's days are its own time zone's (default_tz seconds
 * east of UTC when it has none); late means due before `to` and not paid by its end, the days
 * late counted to `to`. Returns 0 or -1. */
int books_report(struct store *s, const char *from, const char *to, int default_tz,
                 struct books_report *r);
void books_report_free(struct books_report *r);

#endif
