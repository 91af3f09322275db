/* training_report.h - the e-training's figures as seed 004 reports them, for the command line
 * (`catat report training`) and the web app alike: participants by batch, programme, district,
 * sex and disability (and disability by district), attendance per session, completion of all
 * sessions, survey answers, and each indicator as participants (not answers) before and after,
 * with the programme years (October to September) and each programme's period. */
#ifndef CATAT_TRAINING_REPORT_H
#define CATAT_TRAINING_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

/* Percentages are kept in tenths (one decimal): json_real(tenths / 10.0). Dump the report with
 * these flags so 42.9 prints as 42.9 and not 42.899999999999999. */
#define TRAINING_REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* n of `of` as a percentage in tenths, rounded half up (0 when of is 0): 3 of 7 -> 429. */
int64_t training_percent_tenths(int64_t n, int64_t of);

/* The programme year (October to September) of a local date: the year it starts in (a date in
 * October 2019 .. September 2020 -> 2019). month 1-12. */
int training_programme_year(int year, int month);

/* The report of batch_code (NULL or "": every batch) over the participants of programme (NULL
 * or "": all), dates in the time zone tz (seconds east of UTC). Returns a new object in the shape
 * of product.md section 4 ({"batches": [...], "total": {...}}, and "programme", "programmes" and
 * "years"), or NULL with *err set: 1 no such batch, 2 a database error or out of memory. */
json_t *training_report(struct store *s, const char *batch_code, const char *programme, int tz,
                        int *err);

#endif
