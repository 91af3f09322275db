/* format.h - how catat writes amounts, dates and times for people. */
#ifndef CATAT_FORMAT_H
#define CATAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "Rp45.000", "Rp1.250.000", "-Rp5.000": the Indonesian way. Returns out. */
const char *format_rupiah(int64_t amount, char *out, size_t outsz);
/* Parses a "+07:00" / "-03:30" offset into seconds east of UTC; -1 stays unset (returns -1). */
int format_parse_tz(const char *tz, int *seconds);
/* "2026-11-23T10:00:00+07:00" for Unix time t in the offset given. */
const char *format_iso8601(int64_t t, int tz_seconds, char *out, size_t outsz);
/* "2026-11-23", the local date of t. */
const char *format_date(int64_t t, int tz_seconds, char *out, size_t outsz);
/* Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM)" or "YYYY-MM-DD" (midnight UTC) into Unix
 * time; returns 0 or -1. */
int format_parse_time(const char *s, int64_t *t);
/* Unix time of local midnight starting the Monday of t's week, in the offset given. */
int64_t format_week_start(int64_t t, int tz_seconds);

#endif
