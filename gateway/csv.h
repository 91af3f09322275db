/* csv.h - reading CSV files for `catat import`: RFC 4180 fields (quoted fields may hold commas,
 * doubled quotes and line breaks), records ending in LF, CRLF or CR, and the line each record
 * starts on, so that every error can name it. */
#ifndef CATAT_CSV_H
#define CATAT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_MAX_FIELDS 32
#define CSV_MAX_FIELD_BYTES 4096

struct csv {
    const char *p, *end;
    int line; /* the physical line p is on, from 1 */
    char sep; /* ',' or ';': what the header line uses (Excel in an Indonesian locale writes ';') */
};

struct csv_record {
    int line;                    /* where the record starts */
    int n;                       /* fields */
    char *field[CSV_MAX_FIELDS]; /* trimmed, NUL-terminated, pointing into buf */
    char *buf;                   /* owned */
    bool error;                  /* the record could not be read; message in err */
    char err[160];
};

/* Starts reading text[0..len) (borrowed; it must outlive the reader), skipping a UTF-8 BOM. */
/* Starts reading text. The separator is decided by the first line: ';' when it holds more
 * semicolons than commas outside quotes, else ','. */
void csv_open(struct csv *c, const char *text, size_t len);
/* Reads the next record into r (its buf is new: csv_record_free it). Returns 1 with a record
 * (r->error set, with r->err, when it was malformed; reading goes on at the next line), 0 at the
 * end of the input, -1 when out of memory. Fields are trimmed of blanks. */
int csv_next(struct csv *c, struct csv_record *r);
void csv_record_free(struct csv_record *r);
/* Whether the record holds nothing (a blank line, or a row of empty cells). */
bool csv_record_empty(const struct csv_record *r);

#endif
