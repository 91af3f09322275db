/* log.h - one logfmt line per event on stderr (journald-friendly), with levels. */
#ifndef CATAT_LOG_H
#define CATAT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Events below level are dropped. Default LOG_INFO; CATAT_LOG_LEVEL=debug|info|warn|error. */
void log_set_level(enum log_level level);
void log_init_from_env(void);

/* Writes `ts=... level=... msg="msg" <fields>`; fields is a printf format of key=value pairs.
 * Callers mask phone numbers (phone_mask) and never pass secrets. Free text goes through
 * log_quote so that one event stays one line. */
void log_event(enum log_level level, const char *msg, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies s into out as a logfmt value: quotes and backslashes escaped, control characters
 * replaced by spaces, cut to outsz. Returns out. */
const char *log_quote(const char *s, char *out, unsigned outsz);

#endif
