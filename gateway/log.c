/* log.c - logfmt events on stderr; one write per line so threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    min_level = level;
}

void log_init_from_env(void)
{
    const char *v = getenv("CATAT_LOG_LEVEL");
    for (int i = 0; v && i < 4; i++)
        if (strcasecmp(v, level_names[i]) == 0)
            min_level = (enum log_level)i;
}

const char *log_quote(const char *s, char *out, unsigned outsz)
{
    unsigned o = 0;
    for (; *s && o + 3 < outsz; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            out[o++] = '\\', out[o++] = (char)c;
        else
            out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    out[o] = '\0';
    return out;
}

void log_event(enum log_level level, const char *msg, const char *fields, ...)
{
    if (level < min_level)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level]);
    log_quote(msg, line + n, (unsigned)(sizeof line - (size_t)n - 2));
    n += (int)strlen(line + n);
    line[n++] = '"';
    line[n] = '\0';
    if (fields && fields[0]) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fields);
        int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fields, ap);
        va_end(ap);
        n = m < 0 ? n : n + m;
        if ((size_t)n > sizeof line - 2)
            n = (int)sizeof line - 2;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
