/* training_import.c - `catat import batches|participants FILE.csv`: e-training sessions and
 * participants from CSV, all of a file or none of it, every bad row reported as FILE:LINE. */
#include "training_import.h"

#include "channel.h"
#include "config.h"
#include "csv.h"
#include "format.h"
#include "phone.h"
#include "store.h"
#include "store_training.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_COLUMNS CSV_MAX_FIELDS
#define MAX_BYTES (16L * 1024 * 1024)
#define MAX_REPORTED 200

struct import {
    const char *file;
    struct store *s;
    const char *country;
    int at[MAX_COLUMNS]; /* column index of each known name, -1 when absent */
    int bad;
    int64_t now;
};

static void report(struct import *im, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct import *im, int line, const char *fmt, ...)
{
    if (im->bad++ >= MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", im->file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *const batch_columns[] = {"batch", "session",  "starts_at",
                                            "title", "material", NULL};
/* In this order the cells are read below (not the order of the file's header). */
static const char *const participant_columns[] = {
    "phone", "name", "district", "batch", "sex", "age", "disability", "relation", "channel", NULL};

/* The cell of a known column ("" when the file has no such column). */
static const char *cell(const struct import *im, const struct csv_record *r, int column)
{
    int f = im->at[column];
    return f >= 0 && f < r->n ? r->field[f] : "";
}

/* A batch code: letters, digits, '-' and '_', upper-cased in place. */
static bool batch_code_ok(char *code)
{
    size_t len = strlen(code);
    if (!len || len > 23)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)code[i];
        if (!isalnum(ch) && ch != '-' && ch != '_')
            return false;
        code[i] = (char)toupper(ch);
    }
    return true;
}

static bool number_in(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (!text[0] || errno || *end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* Whether ISO 8601 text carries a time and an offset ("...T19:00:00+07:00" or "...Z"). */
static bool time_with_offset(const char *text, int64_t *t)
{
    size_t len = strlen(text);
    return len > 16 && (text[10] == 'T' || text[10] == ' ') &&
           (text[len - 1] == 'Z' || text[len - 6] == '+' || text[len - 6] == '-') &&
           format_parse_time(text, t) == 0;
}

/* Checks one batches.csv row; stores it when store is set. Returns 0 good, 1 bad, -1 db error. */
static int batch_row(struct import *im, struct csv_record *r, bool store)
{
    char code[32];
    snprintf(code, sizeof code, "%s", cell(im, r, 0));
    long n;
    int64_t starts = 0;
    const char *starts_text = cell(im, r, 2), *title = cell(im, r, 3), *material = cell(im, r, 4);
    if (!batch_code_ok(code)) {
        report(im, r->line, "batch \"%s\" is not a code (letters, digits, '-', at most 23)",
               cell(im, r, 0));
        return 1;
    }
    if (!number_in(cell(im, r, 1), 1, 99, &n)) {
        report(im, r->line, "session \"%s\" is not a number from 1 to 99", cell(im, r, 1));
        return 1;
    }
    if (starts_text[0] && !time_with_offset(starts_text, &starts)) {
        report(im, r->line,
               "starts_at \"%s\" is not ISO 8601 with an offset, such as "
               "2026-11-30T19:00:00+07:00",
               starts_text);
        return 1;
    }
    if (strlen(title) >= sizeof((struct store_session *)0)->title) {
        report(im, r->line, "title is longer than %zu bytes",
               sizeof((struct store_session *)0)->title - 1);
        return 1;
    }
    if (strlen(material) >= STORE_MATERIAL_MAX) {
        report(im, r->line, "material is longer than %d bytes", STORE_MATERIAL_MAX - 1);
        return 1;
    }
    if (!store)
        return 0;
    int64_t batch_id = store_batch_ensure(im->s, code, im->now);
    if (batch_id < 0)
        return -1;
    return store_session_upsert(im->s, batch_id, (int)n, starts, title, material) == 0 ? 0 : -1;
}

/* Checks one participants.csv row; stores it when store is set. */
static int participant_row(struct import *im, struct csv_record *r, bool store)
{
    char phone[PHONE_E164_MAX], code[32];
    const char *raw = cell(im, r, 0), *name = cell(im, r, 1), *district = cell(im, r, 2);
    const char *sex = cell(im, r, 4), *age_text = cell(im, r, 5), *dis = cell(im, r, 6);
    const char *relation = cell(im, r, 7), *channel = cell(im, r, 8);
    if (phone_normalize(raw, strlen(raw), im->country, phone) != 0) {
        report(im, r->line, "phone \"%s\" is not a phone number", raw);
        return 1;
    }
    snprintf(code, sizeof code, "%s", cell(im, r, 3));
    struct store_batch b = {0};
    if (!batch_code_ok(code)) {
        report(im, r->line, "batch \"%s\" is not a code", cell(im, r, 3));
        return 1;
    }
    int found = store_batch_by_code(im->s, code, &b);
    if (found < 0)
        return -1;
    if (!found) {
        report(im, r->line, "batch %s is not known: import batches.csv first", code);
        return 1;
    }
    char sex_c = 0;
    if (strcasecmp(sex, "L") == 0 || strcasecmp(sex, "P") == 0)
        sex_c = (char)toupper((unsigned char)sex[0]);
    else if (sex[0]) {
        report(im, r->line, "sex \"%s\" must be L or P", sex);
        return 1;
    }
    long age = 0;
    if (age_text[0] && !number_in(age_text, 1, 120, &age)) {
        report(im, r->line, "age \"%s\" is not a number from 1 to 120", age_text);
        return 1;
    }
    bool disability = false;
    static const char *const yes[] = {"yes", "ya", "y", "1", "true"};
    static const char *const no[] = {"no", "tidak", "n", "0", "false", ""};
    bool known = false;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(dis, yes[i]) == 0)
            known = disability = true;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(dis, no[i]) == 0)
            known = true;
    if (!known) {
        report(im, r->line, "disability \"%s\" must be yes or no", dis);
        return 1;
    }
    if (channel[0] && !channel_find(channel)) {
        report(im, r->line, "channel \"%s\" is not a channel catat knows", channel);
        return 1;
    }
    if (strlen(name) > 63 || strlen(district) > 63 || strlen(relation) > 63) {
        report(im, r->line, "name, district and relation take at most 63 bytes");
        return 1;
    }
    if (!store)
        return 0;
    int64_t person = store_person_ensure(im->s, phone, name, channel, im->now);
    if (person < 0)
        return -1;
    struct store_participant_row p = {
        .batch_id = b.id,
        .person_id = person,
        .sex = sex_c,
        .age = (int)age,
        .district = district,
        .relation = relation,
        .disability = disability,
    };
    return store_participant_upsert(im->s, &p, im->now) == 0 ? 0 : -1;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *grown = (long)cap < MAX_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int training_import(const char *kind, const char *path, const char *config_path)
{
    bool batches = strcmp(kind, "batches") == 0;
    const char *const *columns = batches ? batch_columns : participant_columns;
    int (*check)(struct import *, struct csv_record *, bool) =
        batches ? batch_row : participant_row;
    size_t len = 0;
    char *text = read_all(path, &len);
    if (!text) {
        fprintf(stderr, "catat import: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char err[512];
    struct config *cfg = config_load(config_path, err, sizeof err);
    struct store *s = cfg ? store_open(config_get(cfg, "database", "path"), err, sizeof err) : NULL;
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        free(text);
        return 1;
    }
    struct import im = {.file = path,
                        .s = s,
                        .country = config_get(cfg, "locale", "country_code"),
                        .now = (int64_t)time(NULL)};
    struct csv rd;
    csv_open(&rd, text, len);
    /* Read every record first: rows are checked, then stored only when all are good. */
    struct csv_record *rows = NULL;
    int n = 0, rc;
    struct csv_record r;
    while ((rc = csv_next(&rd, &r)) != 0) {
        if (rc < 0) {
            report(&im, rd.line, "out of memory");
            break;
        }
        if (r.error) {
            report(&im, r.line, "%s", r.err);
            csv_record_free(&r);
            continue;
        }
        if (csv_record_empty(&r) && (n == 0 || rd.p >= rd.end)) {
            csv_record_free(&r);
            continue;
        }
        struct csv_record *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown) {
            csv_record_free(&r);
            break;
        }
        rows = grown;
        rows[n++] = r;
    }
    int n_cols = 0;
    while (columns[n_cols])
        n_cols++;
    for (int c = 0; c < MAX_COLUMNS; c++)
        im.at[c] = -1;
    if (n == 0) {
        report(&im, 1, "the header line is missing (%s.csv starts with %s,...)", kind, columns[0]);
    } else {
        for (int f = 0; f < rows[0].n; f++) {
            char *name = rows[0].field[f];
            for (char *q = name; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            int c = 0;
            while (c < n_cols && strcmp(columns[c], name) != 0)
                c++;
            if (c == n_cols)
                report(&im, rows[0].line, "unknown column \"%s\"", name);
            else if (im.at[c] >= 0)
                report(&im, rows[0].line, "column \"%s\" appears twice", name);
            else
                im.at[c] = f;
        }
        /* batches: batch and session; participants: phone and batch. */
        int required[2] = {0, batches ? 1 : 3};
        for (int i = 0; i < 2; i++)
            if (im.at[required[i]] < 0)
                report(&im, rows[0].line, "required column \"%s\" is missing",
                       columns[required[i]]);
    }
    int status = im.bad ? 1 : 0, stored = 0;
    for (int pass = 0; pass < 2 && status == 0; pass++) {
        bool store = pass == 1;
        if (store && store_begin(s) != 0) {
            status = 1;
            break;
        }
        for (int i = 1; i < n; i++) {
            if (csv_record_empty(&rows[i]))
                continue;
            if (rows[i].n != rows[0].n) {
                report(&im, rows[i].line, "%d fields, but the header has %d", rows[i].n, rows[0].n);
                continue;
            }
            int got = check(&im, &rows[i], store);
            if (got < 0) {
                fprintf(stderr, "catat import: database error, nothing imported\n");
                status = 1;
                break;
            }
            stored += store && got == 0;
        }
        if (im.bad)
            status = 1;
        if (store && status == 0 && store_commit(s) != 0)
            status = 1;
        if (store && status != 0)
            store_rollback(s);
    }
    if (status == 0)
        printf("imported %d %s\n", stored, kind);
    else if (im.bad)
        fprintf(stderr, "%s: %d problem%s, nothing imported\n", path, im.bad,
                im.bad == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        csv_record_free(&rows[i]);
    free(rows);
    store_close(s);
    config_free(cfg);
    free(text);
    return status;
}
