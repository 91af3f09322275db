/* training.h - the WhatsApp e-training: a trainer opens a session (SESI GT07 2) and its
 * material goes to the batch; participants sign in (HADIR) and answer surveys (JAWAB). */
#ifndef CATAT_TRAINING_H
#define CATAT_TRAINING_H

#include "ledger.h"
#include "parse.h"

/* Carries out a session, attendance or answer command for ctx->who, appending its reply to ctx
 * and queueing session material in ctx's transaction. Returns 0, or -1 on a database error. */
int training_apply(struct ledger_ctx *ctx, const struct parse_command *c);

#endif
