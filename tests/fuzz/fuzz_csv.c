/* fuzz_csv.c - libFuzzer target: the CSV reader of `catat import` (comma or semicolon files,
 * the separator decided by the header), on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Reads every record and checks what callers rely on: fields NUL-terminated inside the record's
 * buffer, line numbers that only grow, and an end. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv c;
    csv_open(&c, (const char *)data, size);
    if (c.sep != ',' && c.sep != ';')
        abort();
    struct csv_record r;
    int rc, last_line = 0;
    size_t records = 0;
    while ((rc = csv_next(&c, &r)) == 1) {
        if (r.line < last_line || r.n < 0 || r.n > CSV_MAX_FIELDS)
            abort();
        last_line = r.line;
        for (int i = 0; i < r.n && !r.error; i++)
            if (strlen(r.field[i]) > CSV_MAX_FIELD_BYTES)
                abort();
        csv_record_empty(&r);
        csv_record_free(&r);
        if (++records > size + 1) /* every record consumes input */
            abort();
    }
    if (rc != 0)
        abort();
    return 0;
}
