/* scheduler.h - the thread inside `catat serve` that, every minute, queues the reminders due and,
 * from [digest] hour in each group's time zone, the day's digests (each once). */
#ifndef CATAT_SCHEDULER_H
#define CATAT_SCHEDULER_H

#include <stddef.h>

struct runtime;
struct outbox;
struct scheduler;

#include <stdint.h>

#define SCHEDULER_TICK_SECONDS 60

/* Starts the thread on its own connection to db_path, a pass every tick_seconds (the first one
 * tick after start); rt and ob are borrowed for its lifetime (ob, when not NULL, is woken when
 * something was queued). Returns new, or NULL with err. */
struct scheduler *scheduler_start(struct runtime *rt, struct outbox *ob, const char *db_path,
                                  int tick_seconds, char *err, size_t errsz);
/* Runs one pass now, on the caller's thread, as the clock reads `now` (Unix seconds): the
 * reminders and digests due then, each job in its own transaction. Returns how many messages
 * were queued, or -1 when a job failed. Tests drive the scheduler through this. */
int scheduler_tick(struct scheduler *sc, int64_t now);
/* Stops the thread (promptly, even mid-wait) and frees sc; NULL is fine. */
void scheduler_stop(struct scheduler *sc);

#endif
