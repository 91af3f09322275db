/* format.c - amounts, dates and times as people read them. */
#include "format.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *format_rupiah(int64_t amount, char *out, size_t outsz)
{
    char digits[32];
    uint64_t v = amount < 0 ? (uint64_t)(-(amount + 1)) + 1 : (uint64_t)amount;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    char grouped[48];
    int o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            grouped[o++] = '.';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    snprintf(out, outsz, "%sRp%s", amount < 0 ? "-" : "", grouped);
    return out;
}

int format_parse_tz(const char *tz, int *seconds)
{
    int h, m;
    char sign;
    if (!tz || strlen(tz) != 6 || sscanf(tz, "%c%2d:%2d", &sign, &h, &m) != 3 ||
        (sign != '+' && sign != '-') || h > 14 || m > 59)
        return -1;
    *seconds = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 0;
}

const char *format_iso8601(int64_t t, int tz_seconds, char *out, size_t outsz)
{
    time_t local = (time_t)(t + tz_seconds);
    struct tm tm;
    gmtime_r(&local, &tm);
    int off = tz_seconds < 0 ? -tz_seconds : tz_seconds;
    if (tz_seconds == 0)
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 tz_seconds < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
    return out;
}

const char *format_date(int64_t t, int tz_seconds, char *out, size_t outsz)
{
    time_t local = (time_t)(t + tz_seconds);
    struct tm tm;
    gmtime_r(&local, &tm);
    snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return out;
}

int format_parse_time(const char *s, int64_t *t)
{
    struct tm tm = {0};
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) != 3 || used != 10)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    const char *p = s + 10;
    int offset = 0;
    if (*p == 'T' || *p == ' ') {
        int n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) != 2 || n != 5)
            return -1;
        p += 1 + n;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &n) != 1 || n != 2)
                return -1;
            p += 3;
        }
        if (*p == 'Z')
            p++;
        else if (*p == '+' || *p == '-') {
            if (format_parse_tz(p, &offset) != 0)
                return -1;
            p += 6;
        }
    }
    if (*p)
        return -1;
    *t = (int64_t)timegm(&tm) - offset;
    return 0;
}

int64_t format_week_start(int64_t t, int tz_seconds)
{
    int64_t local = t + tz_seconds;
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t weekday = ((day % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */
    return (day - weekday) * 86400 - tz_seconds;
}
