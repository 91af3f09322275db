/* ledger.h - the books: registration, sales and expenses, savings, loans, staff's confirmations,
 * reports and broadcasts. */
#ifndef CATAT_LEDGER_H
#define CATAT_LEDGER_H

#include "domain.h"

/* Carries out one bookkeeping or account command for ctx->actor (anything but training and
 * parse errors, which domain_apply routes elsewhere). Returns 0, or -1 on a database error. */
int ledger_apply(struct domain_ctx *ctx, const struct parse_command *c);

#endif
