/* scheduler.h - the thread inside `catat serve` that, every minute, queues the reminders due and,
 * from [digest] hour in each group's time zone, the day's digests (each once). */
#ifndef CATAT_SCHEDULER_H
#define CATAT_SCHEDULER_H

#include <stddef.h>

struct runtime;
struct outbox;
struct scheduler;

/* Starts the thread on its own connection to db_path; rt and ob are borrowed for its lifetime
 * (ob is woken when something was queued). Returns new, or NULL with err. */
struct scheduler *scheduler_start(struct runtime *rt, struct outbox *ob, const char *db_path,
                                  char *err, size_t errsz);
/* Stops the thread (promptly, even mid-wait) and frees sc; NULL is fine. */
void scheduler_stop(struct scheduler *sc);

#endif
