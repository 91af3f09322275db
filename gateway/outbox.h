/* outbox.h - sending queued messages through their channels with libcurl's multi interface:
 * concurrent transfers on reused connections, retries with backoff, a per-channel rate limit. */
#ifndef CATAT_OUTBOX_H
#define CATAT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

struct runtime;
struct outbox;

/* Starts the sending thread on its own connection to the database at db_path. After a crash,
 * messages left "sending" are queued again (marked resent). Returns new, or NULL with err. */
struct outbox *outbox_start(struct runtime *rt, const char *db_path, char *err, size_t errsz);
/* Tells the thread new messages were committed. Thread-safe; ob may be NULL. */
void outbox_wake(struct outbox *ob);
/* Stops taking new messages, waits up to the configured timeout for transfers in flight,
 * records their outcome, and frees ob. */
void outbox_stop(struct outbox *ob);

/* Sends everything due now on the calling thread until nothing is due or in flight (for
 * `catat simulate` and the command-line tools). Returns the number of messages handled. */
int outbox_drain(struct runtime *rt, const char *db_path, bool print_console);

#endif
