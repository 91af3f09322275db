/* training.h - the WhatsApp e-training: a trainer opens a session (SESI GT07 2) and its
 * material goes to the batch; participants sign in (HADIR) and answer surveys (JAWAB). */
#ifndef CATAT_TRAINING_H
#define CATAT_TRAINING_H

#include "domain.h"

/* Carries out a session, attendance or answer command for ctx->actor: its reply and the session
 * material as notices in ctx->fx. Returns 0, or -1 on a database error. */
int training_apply(struct domain_ctx *ctx, const struct parse_command *c);

/* A participant who is no member of a savings group gets her own HELP and BALANCE replies
 * (HADIR and JAWAB, not the bookkeeping). Returns 1 when it answered c, 0 when c is not for
 * it, -1 on a database error. */
int training_participant_reply(struct domain_ctx *ctx, const struct parse_command *c);

/* A voice note or other media (kind) without words: when the sender is a participant whose
 * batch has a session open, it is her part in that session's discussion, recorded and thanked
 * for. Returns 1 when it was, 0 when she is no participant in a session, -1 on error. */
int training_media(struct domain_ctx *ctx, const char *kind);

#endif
