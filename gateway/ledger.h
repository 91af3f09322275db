/* ledger.h - the meaning of each command: registration, the books, savings, loans, staff work. */
#ifndef CATAT_LEDGER_H
#define CATAT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "templates.h"
#include "pipeline.h"
#include "store.h"

struct ledger_ctx {
    const struct pipeline *p;
    struct store *s;
    struct store_person *who; /* the sender; role "" when unregistered */
    const char *lang;         /* the sender's reply language; changes with BAHASA */
    int64_t now;
    int64_t message_id;
    char *reply; /* replies of all commands, one per line */
    size_t replysz, used;
    int errors; /* commands that could not be carried out */
};

/* Carries out one parsed command for ctx->who, appending its reply. Returns 0, or -1 on a
 * database error (the caller rolls the message back). */
int ledger_apply(struct ledger_ctx *ctx, const struct parse_command *c);

/* Appends the template key rendered with vars to ctx's reply, on a new line. */
void ledger_reply(struct ledger_ctx *ctx, const char *key, const struct template_var *vars,
                  size_t n);

#endif
