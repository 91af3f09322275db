/* csv.c - an RFC 4180 reader (comma or semicolon separated) that knows the line each record
 * starts on.
 * libcsv (Debian's libcsv-dev) parses the same dialect but reports no line numbers, and every
 * import error must name its line; so this small reader. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csv_open(struct csv *c, const char *text, size_t len)
{
    c->p = text;
    c->end = text + len;
    c->line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3; /* the BOM spreadsheets write before UTF-8 CSV */
    int commas = 0, semicolons = 0;
    bool quoted = false;
    for (const char *q = c->p; q < c->end && (quoted || (*q != '\n' && *q != '\r')); q++) {
        if (*q == '"')
            quoted = !quoted;
        else if (!quoted && *q == ',')
            commas++;
        else if (!quoted && *q == ';')
            semicolons++;
    }
    c->sep = semicolons > commas ? ';' : ',';
}

void csv_record_free(struct csv_record *r)
{
    if (r)
        free(r->buf);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Skips to the start of the next physical line (after a syntax error). */
static void skip_line(struct csv *c)
{
    while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n')
        c->p++;
    c->line++;
}

/* Reads the next record into r (new buf). Returns 1 with a record (r->error set when it was
 * malformed), 0 at the end of the input, -1 when out of memory. */
int csv_next(struct csv *c, struct csv_record *r)
{
    memset(r, 0, sizeof *r);
    if (c->p >= c->end)
        return 0;
    r->line = c->line;
    /* The record's bytes, unescaped, are never longer than the raw text up to the end. */
    size_t cap = 0;
    const char *q = c->p;
    bool quoted = false;
    while (q < c->end && (quoted || (*q != '\n' && *q != '\r'))) {
        if (*q == '"')
            quoted = !quoted;
        q++;
    }
    cap = (size_t)(q - c->p) + CSV_MAX_FIELDS + 1;
    r->buf = malloc(cap);
    if (!r->buf)
        return -1;
    size_t len = 0, start = 0;
    for (;;) {
        if (r->n == CSV_MAX_FIELDS) {
            snprintf(r->err, sizeof r->err, "more than %d fields", CSV_MAX_FIELDS);
            r->error = true;
            skip_line(c);
            return 1;
        }
        while (c->p < c->end && is_blank(*c->p))
            c->p++;
        start = len;
        if (c->p < c->end && *c->p == '"') {
            int opened = c->line;
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    snprintf(r->err, sizeof r->err, "quoted field opened on line %d is not closed",
                             opened);
                    r->error = true;
                    return 1;
                }
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        r->buf[len++] = '"';
                        c->p++;
                        continue;
                    }
                    break;
                }
                if (ch == '\r' && c->p < c->end && *c->p == '\n')
                    continue; /* CRLF inside quotes: keep one LF */
                if (ch == '\n' || ch == '\r')
                    c->line++;
                r->buf[len++] = ch;
            }
            while (c->p < c->end && is_blank(*c->p))
                c->p++;
            if (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r') {
                snprintf(r->err, sizeof r->err, "text after a closing quote in field %d", r->n + 1);
                r->error = true;
                skip_line(c);
                return 1;
            }
        } else {
            while (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    snprintf(r->err, sizeof r->err,
                             "a quote inside unquoted field %d (quote the whole field)", r->n + 1);
                    r->error = true;
                    skip_line(c);
                    return 1;
                }
                r->buf[len++] = *c->p++;
            }
        }
        if (len - start > CSV_MAX_FIELD_BYTES) {
            snprintf(r->err, sizeof r->err, "field %d is longer than %d bytes", r->n + 1,
                     CSV_MAX_FIELD_BYTES);
            r->error = true;
            skip_line(c);
            return 1;
        }
        while (len > start && is_blank(r->buf[len - 1]))
            len--;
        r->buf[len++] = '\0';
        r->field[r->n++] = r->buf + start;
        if (c->p >= c->end)
            return 1;
        if (*c->p == c->sep) {
            c->p++;
            continue;
        }
        skip_line(c); /* at the LF, CRLF or CR ending the record */
        return 1;
    }
}

/* Whether the record holds nothing (a blank line, or a row of empty cells). */
bool csv_record_empty(const struct csv_record *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->field[i][0])
            return false;
    return true;
}
