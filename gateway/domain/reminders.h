/* reminders.h - loan instalment and training session reminders: what is due at a moment, queued
 * once (a dedupe key per reminder), never in quiet hours, never to someone who sent STOP. */
#ifndef CATAT_REMINDERS_H
#define CATAT_REMINDERS_H

#include <stdint.h>
#include <stdio.h>

struct domain;
struct reach;
struct store;

/* Queues every reminder due at now (Unix time) inside the caller's transaction of s, or, when
 * dry_run is not NULL, writes one JSON object per reminder it would queue to dry_run instead
 * ({"to", "kind", "send_at", "text"}). Loan reminders go the day before and on the due day, then
 * every [reminders] overdue_every_days up to overdue_max, each at [reminders] hour in the group's
 * time zone; session reminders [reminders] session_before_minutes before a session starts.
 * A reminder falling in quiet hours is queued to go when they end. Returns how many reminders
 * were queued (or printed), or -1 on a database error. */
int reminders_run(const struct domain *d, const struct reach *reach, struct store *s, int64_t now,
                  FILE *dry_run);

/* Quiet hours: the first moment at or after t (local offset tz seconds) that is outside
 * [quiet_start, quiet_end), both "HH:MM" (the range may wrap midnight). Bad values mean no quiet
 * hours. */
int64_t reminders_after_quiet(int64_t t, int tz, const char *quiet_start, const char *quiet_end);

#endif
