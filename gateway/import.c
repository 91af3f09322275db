/* import.c - CSV files (groups, members, loans, batches, participants, surveys) into the store,
 * all of a file or none of it, every bad row reported as FILE:LINE: reason; for `catat import`
 * and the web app's upload. */
#include "import.h"

#include "channel.h"
#include "config.h"
#include "csv.h"
#include "domain.h"
#include "format.h"
#include "books.h"
#include "loans.h"
#include "phone.h"
#include "store.h"
#include "store_io.h"
#include "store_training.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define IMPORT_MAX_REPORTED 200 /* bad rows printed; the rest are counted */
#define AMOUNT_MAX 1000000000LL

/* Valid UTF-8 without control characters; returns false and names the problem otherwise. */
static bool text_ok(const char *s, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f) {
            *why = "a control character (line break or tab)";
            return false;
        }
        int n = *p < 0x80             ? 0
                : (*p & 0xe0) == 0xc0 ? 1
                : (*p & 0xf0) == 0xe0 ? 2
                : (*p & 0xf8) == 0xf0 ? 3
                                      : -1;
        if (n < 0 || (n == 1 && *p < 0xc2) || (n == 3 && *p > 0xf4)) {
            *why = "bytes that are not UTF-8 (save the file as CSV UTF-8)";
            return false;
        }
        uint32_t cp = n ? (uint32_t)(*p & (0x3f >> n)) : *p;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                *why = "bytes that are not UTF-8 (save the file as CSV UTF-8)";
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
            *why = "bytes that are not UTF-8 (save the file as CSV UTF-8)";
            return false;
        }
        p += n + 1;
    }
    return true;
}

/* ---- the import ---- */

struct column {
    const char *name;
    bool required;
};

struct import;
struct kind {
    const char *name; /* "groups" */
    const struct column *columns;
    /* Checks and stores one row: 0 stored, 1 bad (reported), -1 database error. */
    int (*row)(struct import *im, const struct csv_record *r);
    bool counts_new; /* row adds 1 to created for a new record, so the summary tells them apart */
};

struct seen {
    char key[40];
    int line;
};

struct import {
    const char *file;
    FILE *errors; /* where bad rows are reported */
    const struct kind *kind;
    struct store *s;
    const char *country, *default_tz;
    int64_t now;
    int at[CSV_MAX_FIELDS]; /* column index -> field index in the record, -1 when absent */
    int bad, bad_rows, stored, created; /* bad: reasons reported */
    struct seen *seen;
    int n_seen, cap_seen;
    int64_t next_code;
    char **file_codes; /* member codes written in the file (borrowed), so none is made up twice */
    int n_file_codes;
};

static void report(struct import *im, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct import *im, int line, const char *fmt, ...)
{
    if (im->bad++ >= IMPORT_MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(im->errors, "%s:%d: ", im->file, line);
    vfprintf(im->errors, fmt, ap);
    fputc('\n', im->errors);
    va_end(ap);
}

/* The trimmed cell of column name ("" when the column is absent). */
static char *cell(const struct import *im, const struct csv_record *r, const char *name)
{
    static char empty[1];
    for (int i = 0; im->kind->columns[i].name; i++)
        if (strcmp(im->kind->columns[i].name, name) == 0)
            return im->at[i] >= 0 ? r->field[im->at[i]] : empty;
    return empty;
}

static void upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Codes: letters, digits, '-' and '_', at most max bytes; upper-cased in place. */
static bool code_ok(char *s, size_t max)
{
    upper(s);
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

/* A positive whole number of digits, at most max; 0 when it is not one. */
static int64_t whole_number(const char *s, int64_t max)
{
    if (!*s || strlen(s) > 12)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 1 || v > max)
        return 0;
    return v;
}

/* Records key as seen on line; returns the earlier line when it was seen before, else 0. */
static int seen_before(struct import *im, const char *key, int line)
{
    for (int i = 0; i < im->n_seen; i++)
        if (strcmp(im->seen[i].key, key) == 0)
            return im->seen[i].line;
    if (im->n_seen == im->cap_seen) {
        int cap = im->cap_seen ? im->cap_seen * 2 : 64;
        struct seen *grown = realloc(im->seen, (size_t)cap * sizeof *grown);
        if (!grown)
            return 0;
        im->seen = grown;
        im->cap_seen = cap;
    }
    snprintf(im->seen[im->n_seen].key, sizeof im->seen[0].key, "%s", key);
    im->seen[im->n_seen++].line = line;
    return 0;
}

static bool name_ok(struct import *im, const struct csv_record *r, const char *column,
                    const char *value, size_t max)
{
    if (strlen(value) > max) {
        report(im, r->line, "%s is longer than %zu bytes", column, max);
        return false;
    }
    return true;
}

/* Normalises the phone cell to E.164 into out; reports and returns false when it is not one. */
static bool phone_ok(struct import *im, const struct csv_record *r, char out[PHONE_E164_MAX])
{
    const char *raw = cell(im, r, "phone");
    if (!raw[0]) {
        report(im, r->line, "phone is empty");
        return false;
    }
    if (phone_normalize(raw, strlen(raw), im->country, out) != 0) {
        report(im, r->line, "phone \"%s\" is not a phone number", raw);
        return false;
    }
    return true;
}

/* "+07:00", "+7", "7", "WIB" -> "+07:00" (and 8/WITA, 9/WIT); NULL when it is none of these. */
static const char *indonesian_tz(const char *s)
{
    static const struct {
        const char *names[5];
        const char *tz;
    } zones[] = {
        {{"+07:00", "+0700", "+7", "7", "WIB"}, "+07:00"},
        {{"+08:00", "+0800", "+8", "8", "WITA"}, "+08:00"},
        {{"+09:00", "+0900", "+9", "9", "WIT"}, "+09:00"},
    };
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++)
        for (int i = 0; i < 5; i++)
            if (strcasecmp(s, zones[z].names[i]) == 0)
                return zones[z].tz;
    return NULL;
}

/* A network written by its name ("JARPUK Ngudi Lestari"): its code is the name upper-cased,
 * each run of spaces one '-'. Returns false when the name holds anything else than letters,
 * digits, spaces, '-', '_' or '.', or makes a code over max bytes. */
static bool network_code_from_name(const char *name, char *code, size_t max)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ' ') {
            space = true;
            continue;
        }
        if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.')
            return false;
        if (ch == '.')
            continue;
        if (space && n > 0) {
            if (n >= max)
                return false;
            code[n++] = '-';
        }
        space = false;
        if (n >= max)
            return false;
        code[n++] = (char)toupper(ch);
    }
    code[n] = '\0';
    return n > 0;
}

static int group_row(struct import *im, const struct csv_record *r)
{
    char *code = cell(im, r, "code"), *name = cell(im, r, "name");
    char *network = cell(im, r, "network"), *district = cell(im, r, "district");
    const char *tz_cell = cell(im, r, "timezone"), *tz = NULL;
    int bad = im->bad;
    if (!code_ok(code, 23))
        report(im, r->line, "code \"%s\" must be 1-23 letters, digits, '-' or '_'", code);
    else {
        int earlier = seen_before(im, code, r->line);
        if (earlier)
            report(im, r->line, "group %s is also on line %d", code, earlier);
    }
    name_ok(im, r, "name", name, 63);
    name_ok(im, r, "district", district, 63);
    char network_code[24] = "";
    const char *network_name = NULL;
    if (network[0] && strchr(network, ' ')) {
        if (!network_code_from_name(network, network_code, sizeof network_code - 1))
            report(im, r->line, "network \"%s\" must be 1-23 letters, digits, spaces, '-' or '_'",
                   network);
        network_name = network;
    } else if (network[0] && !code_ok(network, 23)) {
        report(im, r->line, "network \"%s\" must be 1-23 letters, digits, '-' or '_'", network);
    } else {
        snprintf(network_code, sizeof network_code, "%s", network);
    }
    if (tz_cell[0] && !(tz = indonesian_tz(tz_cell)))
        report(im, r->line, "timezone \"%s\" must be +07:00 (WIB), +08:00 (WITA) or +09:00 (WIT)",
               tz_cell);
    if (im->bad != bad)
        return 1;
    struct store_io_group g = {code, name, network_code, district, tz, network_name};
    int rc = store_io_group_upsert(im->s, &g, im->default_tz, im->now);
    if (rc < 0)
        return -1;
    im->created += rc;
    return 0;
}

static bool role_ok(const char *role)
{
    static const char *const roles[] = {"member", "treasurer", "facilitator", "trainer", "admin"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

static bool code_in_file(const struct import *im, const char *code)
{
    for (int i = 0; i < im->n_file_codes; i++)
        if (strcasecmp(im->file_codes[i], code) == 0)
            return true;
    return false;
}

/* Makes up the next free member code "A0001"-style: unused in the database and in the file. */
static int make_member_code(struct import *im, char *out, size_t outsz)
{
    for (;;) {
        snprintf(out, outsz, "A%04lld", (long long)im->next_code++);
        struct store_person other;
        int rc = store_person_by_code(im->s, out, &other);
        if (rc < 0)
            return -1;
        if (rc == 0 && !code_in_file(im, out))
            return 0;
    }
}

static int member_row(struct import *im, const struct csv_record *r)
{
    char phone[PHONE_E164_MAX];
    char *name = cell(im, r, "name"), *group = cell(im, r, "group"), *role = cell(im, r, "role");
    char *lang = cell(im, r, "language"), *code = cell(im, r, "code");
    char *channel = cell(im, r, "channel");
    int bad = im->bad;
    struct store_person existing;
    int found = 0;
    if (phone_ok(im, r, phone)) {
        /* One phone on several lines is a shared household handset when each line names its
         * member code; the same phone and code twice is a mistake. */
        char key[64];
        snprintf(key, sizeof key, "%s/%s", phone, code);
        int earlier = seen_before(im, key, r->line);
        if (earlier && !code[0]) /* the same code twice is reported with the code below */
            report(im, r->line,
                   "phone %s is also on line %d (a shared phone needs a code on each"
                   " line)",
                   phone, earlier);
        if (code[0]) {
            upper(code);
            if ((found = store_person_by_code(im->s, code, &existing)) < 0)
                return -1;
            if (found && strcmp(existing.phone, phone) != 0)
                found = 0; /* reported below: the code is someone else's */
        } else {
            struct store_person on_phone[2];
            int n = store_people_by_phone(im->s, phone, on_phone, 2);
            if (n < 0)
                return -1;
            if (n > 1)
                report(im, r->line,
                       "phone %s is shared by %d members: give the member code (column code)",
                       phone, n);
            found = n >= 1;
            if (found)
                existing = on_phone[0];
        }
    }
    if (!found)
        memset(&existing, 0, sizeof existing);
    if (!name[0])
        report(im, r->line, "name is empty");
    else
        name_ok(im, r, "name", name, 63);
    lower(role);
    if (role[0] && !role_ok(role))
        report(im, r->line, "role \"%s\" must be member, treasurer, facilitator, trainer or admin",
               role);
    const char *eff_role = role[0] ? role : existing.role[0] ? existing.role : "member";
    int64_t group_id = 0;
    if (group[0]) {
        struct store_group g;
        upper(group);
        int rc = store_group_by_code(im->s, group, &g);
        if (rc < 0)
            return -1;
        if (rc == 0)
            report(im, r->line, "group %s does not exist (import groups first)", group);
        group_id = rc == 1 ? g.id : 0;
    } else if (!existing.group_id && strcmp(eff_role, "admin") != 0 &&
               strcmp(eff_role, "trainer") != 0) {
        report(im, r->line, "group is empty (only trainers and admins may have none)");
    }
    lower(lang);
    if (lang[0] && strcmp(lang, "id") != 0 && strcmp(lang, "en") != 0)
        report(im, r->line, "language \"%s\" must be id or en", lang);
    lower(channel);
    if (channel[0] && !channel_find(channel))
        report(im, r->line, "channel \"%s\" must be whatsapp, twilio, kannel or console", channel);
    char made[16];
    if (code[0]) {
        if (!code_ok(code, 15)) {
            report(im, r->line, "code \"%s\" must be 1-15 letters, digits, '-' or '_'", code);
        } else {
            struct store_person other;
            int rc = store_person_by_code(im->s, code, &other);
            if (rc < 0)
                return -1;
            char key[40];
            snprintf(key, sizeof key, "code:%s", code);
            int earlier = seen_before(im, key, r->line);
            if (earlier)
                report(im, r->line, "member code %s is also on line %d", code, earlier);
            else if (rc == 1 && strcmp(other.phone, phone) != 0)
                report(im, r->line, "member code %s already belongs to %s", code, other.phone);
        }
    }
    if (im->bad != bad)
        return 1;
    if (!code[0]) {
        if (existing.code[0])
            snprintf(made, sizeof made, "%s", existing.code);
        else if (make_member_code(im, made, sizeof made) != 0)
            return -1;
        code = made;
    }
    struct store_io_member m = {
        .phone = phone,
        .name = name,
        .role = role,
        .language = lang,
        .code = code,
        .channel = channel,
        .group_id = group_id,
    };
    int rc = store_io_member_upsert(im->s, &m, im->now);
    if (rc < 0)
        return -1;
    im->created += rc;
    return 0;
}

static int loan_row(struct import *im, const struct csv_record *r)
{
    char phone[PHONE_E164_MAX];
    char *code = cell(im, r, "code"), *freq = cell(im, r, "frequency");
    const char *principal_s = cell(im, r, "principal"), *instalment_s = cell(im, r, "instalment");
    const char *count_s = cell(im, r, "instalments"), *first_due = cell(im, r, "first_due");
    const char *disbursed = cell(im, r, "disbursed");
    int bad = im->bad;
    struct store_person who = {0};
    if (!code_ok(code, 23)) {
        report(im, r->line, "code \"%s\" must be 1-23 letters, digits, '-' or '_'", code);
    } else {
        int earlier = seen_before(im, code, r->line);
        if (earlier)
            report(im, r->line, "loan %s is also on line %d", code, earlier);
    }
    if (phone_ok(im, r, phone)) {
        /* On a shared handset the borrower is named by her member code (column member). */
        char *member = cell(im, r, "member");
        struct store_person on_phone[2];
        int rc = 0;
        if (member[0]) {
            upper(member);
            rc = store_person_by_code(im->s, member, &who);
            if (rc < 0)
                return -1;
            if (rc == 1 && strcmp(who.phone, phone) != 0) {
                report(im, r->line, "member %s does not have phone %s", member, phone);
                rc = 1;
            } else if (rc == 0) {
                report(im, r->line, "member %s does not exist (import members first)", member);
                rc = 1;
            }
        } else {
            int n = store_people_by_phone(im->s, phone, on_phone, 2);
            if (n < 0)
                return -1;
            if (n > 1)
                report(im, r->line,
                       "phone %s is shared by %d members: name the borrower's code in column "
                       "member",
                       phone, n);
            rc = n >= 1;
            if (rc)
                who = on_phone[0];
        }
        if (rc == 0 || !who.role[0])
            report(im, r->line, "no member has phone %s (import members first)", phone);
        struct store_loan old;
        rc = code[0] ? store_loan_by_code(im->s, code, &old) : 0;
        if (rc < 0)
            return -1;
        if (rc == 1 && who.id && old.person_id != who.id)
            report(im, r->line,
                   "loan %s belongs to another member; a borrower is not changed by "
                   "import",
                   code);
    }
    int64_t principal = whole_number(principal_s, AMOUNT_MAX);
    if (!principal)
        report(im, r->line,
               "principal \"%s\" must be a whole number of rupiah, 1 to 1000000000, "
               "digits only",
               principal_s);
    int64_t count = whole_number(count_s, LOANS_MAX_INSTALMENTS);
    if (!count)
        report(im, r->line, "instalments \"%s\" must be a whole number from 1 to %d", count_s,
               LOANS_MAX_INSTALMENTS);
    struct loan_terms t = {.principal = principal, .instalments = (int)count};
    if (instalment_s[0]) {
        t.instalment = whole_number(instalment_s, AMOUNT_MAX);
        if (!t.instalment)
            report(im, r->line, "instalment \"%s\" must be a whole number of rupiah, digits only",
                   instalment_s);
    }
    char why[256];
    if (principal && count && (t.instalment || !instalment_s[0]) &&
        loans_check(&t, why, sizeof why) != 0)
        report(im, r->line, "%s", why);
    lower(freq);
    t.monthly = strcmp(freq, "monthly") == 0 || strcmp(freq, "bulanan") == 0;
    bool weekly = strcmp(freq, "weekly") == 0 || strcmp(freq, "mingguan") == 0;
    if (!t.monthly && !weekly)
        report(im, r->line, "frequency \"%s\" must be weekly or monthly", freq);
    if (!loans_parse_date(first_due, &t.first_y, &t.first_m, &t.first_d))
        report(im, r->line, "first_due \"%s\" must be a date YYYY-MM-DD", first_due);
    char disbursed_on[16];
    int dy, dm, dd;
    if (!disbursed[0]) {
        if (im->bad == bad)
            loans_default_disbursed(&t, disbursed_on);
    } else if (!loans_parse_date(disbursed, &dy, &dm, &dd)) {
        report(im, r->line, "disbursed \"%s\" must be a date YYYY-MM-DD", disbursed);
    } else if (im->bad == bad && strcmp(disbursed, first_due) > 0) {
        report(im, r->line, "disbursed %s is after the first instalment falls due (%s)", disbursed,
               first_due);
    } else {
        snprintf(disbursed_on, sizeof disbursed_on, "%s", disbursed);
    }
    if (im->bad != bad)
        return 1;

    struct store_io_instalment *schedule = calloc((size_t)count, sizeof *schedule);
    if (!schedule)
        return -1;
    loans_schedule(&t, schedule);
    struct store_io_loan l = {
        .code = code,
        .frequency = t.monthly ? "monthly" : "weekly",
        .first_due = first_due,
        .person_id = who.id,
        .disbursed = disbursed_on,
        .principal = principal,
        .instalment = t.instalment,
        .interest = t.interest,
        .instalments = (int)count,
        .schedule = schedule,
    };
    int rc = store_io_loan_upsert(im->s, &l, im->now);
    free(schedule);
    /* A new schedule under old repayments: spread them again, oldest instalment first. */
    if (rc < 0 || books_reallocate(im->s, who.id) != 0)
        return -1;
    im->created += rc;
    return 0;
}

/* Whether ISO 8601 text carries a time and an offset ("...T19:00:00+07:00" or "...Z"). */
static bool time_with_offset(const char *text, int64_t *t)
{
    size_t len = strlen(text);
    return len > 16 && (text[10] == 'T' || text[10] == ' ') &&
           (text[len - 1] == 'Z' || text[len - 6] == '+' || text[len - 6] == '-') &&
           format_parse_time(text, t) == 0;
}

/* batches.csv: one e-training session a row (the batch is created with its first session). */
static int batch_row(struct import *im, const struct csv_record *r)
{
    char *code = cell(im, r, "batch");
    const char *session = cell(im, r, "session"), *starts_text = cell(im, r, "starts_at");
    const char *title = cell(im, r, "title"), *material = cell(im, r, "material");
    const char *trainer = cell(im, r, "trainer");
    int64_t n = whole_number(session, 99), starts = 0;
    if (!code_ok(code, 23)) {
        report(im, r->line, "batch \"%s\" is not a code (letters, digits, '-', at most 23)", code);
        return 1;
    }
    if (!n) {
        report(im, r->line, "session \"%s\" is not a number from 1 to 99", session);
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
    /* The batch's trainer: her member code or phone; a batch without one is every trainer's. */
    struct store_person t = {0};
    if (trainer[0]) {
        char phone[PHONE_E164_MAX], upper[24];
        snprintf(upper, sizeof upper, "%s", trainer);
        for (char *c = upper; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        int rc = store_person_by_code(im->s, upper, &t);
        if (rc == 0 && phone_normalize(trainer, strlen(trainer), im->country, phone) == 0)
            rc = store_person_by_phone(im->s, phone, &t);
        if (rc < 0)
            return -1;
        if (rc == 0 || !domain_runs_trainings(&t)) {
            report(im, r->line,
                   "trainer \"%s\" is not the member code or phone of a trainer (import "
                   "members.csv with role trainer first)",
                   trainer);
            return 1;
        }
    }
    int64_t batch_id = store_batch_ensure(im->s, code, im->now);
    if (batch_id < 0 || (t.id && store_batch_set_trainer(im->s, batch_id, t.id) != 0))
        return -1;
    return store_session_upsert(im->s, batch_id, (int)n, starts, title, material) == 0 ? 0 : -1;
}

/* A programme name (WEE, PWD): empty, or a code; upper-cased in place. */
static bool programme_ok(char *p)
{
    return !p[0] || code_ok(p, 23);
}

/* participants.csv: a person in a batch, found or created in people by phone. */
static int participant_row(struct import *im, const struct csv_record *r)
{
    char phone[PHONE_E164_MAX];
    char *code = cell(im, r, "batch");
    const char *raw = cell(im, r, "phone"), *name = cell(im, r, "name");
    const char *district = cell(im, r, "district"), *sex = cell(im, r, "sex");
    const char *age_text = cell(im, r, "age"), *dis = cell(im, r, "disability");
    const char *relation = cell(im, r, "relation"), *channel = cell(im, r, "channel");
    char *programme = cell(im, r, "programme");
    if (!programme_ok(programme)) {
        report(im, r->line,
               "programme \"%s\" must be at most 23 letters, digits, '-' or '_' (such as WEE)",
               programme);
        return 1;
    }
    if (phone_normalize(raw, strlen(raw), im->country, phone) != 0) {
        report(im, r->line, "phone \"%s\" is not a phone number", raw);
        return 1;
    }
    struct store_batch b = {0};
    if (!code_ok(code, 23)) {
        report(im, r->line, "batch \"%s\" is not a code", code);
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
    int64_t age = age_text[0] ? whole_number(age_text, 120) : 0;
    if (age_text[0] && !age) {
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
        .programme = programme,
    };
    return store_participant_upsert(im->s, &p, im->now) == 0 ? 0 : -1;
}

/* Letters A-E, each at most once (empty is fine); true when agree is such. */
static bool agree_letters_ok(const char *agree)
{
    if (strlen(agree) > 5)
        return false;
    for (const char *p = agree; *p; p++)
        if (*p < 'A' || *p > 'E' || strchr(p + 1, *p))
            return false;
    return true;
}

/* surveys.csv: one survey question a row, of a batch's session (both imported before). */
static int survey_row(struct import *im, const struct csv_record *r)
{
    char *code = cell(im, r, "batch"), *kind = cell(im, r, "kind"), *agree = cell(im, r, "agree");
    char *indicator = cell(im, r, "indicator");
    const char *session = cell(im, r, "session"), *question = cell(im, r, "question");
    const char *text = cell(im, r, "text");
    int bad = im->bad;
    int64_t n = whole_number(session, 99), q = whole_number(question, 20);
    if (!code_ok(code, 23))
        report(im, r->line, "batch \"%s\" is not a code", code);
    if (!n)
        report(im, r->line, "session \"%s\" is not a number from 1 to 99", session);
    if (!q)
        report(im, r->line, "question \"%s\" is not a number from 1 to 20", question);
    lower(kind);
    bool yesno = strcmp(kind, "yesno") == 0;
    if (!yesno && strcmp(kind, "choice") != 0)
        report(im, r->line, "kind \"%s\" must be yesno or choice", kind);
    if (strlen(text) > STORE_QUESTION_TEXT_MAX)
        report(im, r->line, "text is longer than %d bytes", STORE_QUESTION_TEXT_MAX);
    lower(indicator);
    bool ind_ok = strlen(indicator) <= 32;
    for (const char *p = indicator; *p && ind_ok; p++)
        ind_ok = isalnum((unsigned char)*p) || *p == '_' || *p == '-';
    if (!ind_ok)
        report(im, r->line,
               "indicator \"%s\" must be at most 32 letters, digits, '_' or '-' (such as "
               "akses_setara)",
               indicator);
    upper(agree);
    if (yesno) {
        if (agree[0] && strcmp(agree, "Y") != 0 && strcmp(agree, "YA") != 0 &&
            strcmp(agree, "YES") != 0)
            report(im, r->line, "agree \"%s\": a yesno question counts Y (leave agree empty)",
                   agree);
        snprintf(agree, 2, "Y");
    } else if (!agree_letters_ok(agree)) {
        report(im, r->line, "agree \"%s\" must be letters A to E, each once, such as A or AB",
               agree);
    } else if (indicator[0] && !agree[0]) {
        report(im, r->line,
               "agree is empty: a choice question with an indicator needs the "
               "letters that count toward it, such as A or AB");
    }
    if (im->bad != bad)
        return 1;
    char key[40];
    snprintf(key, sizeof key, "%s:%d:%d", code, (int)n, (int)q);
    int earlier = seen_before(im, key, r->line);
    if (earlier) {
        report(im, r->line, "question %d of %s session %d is also on line %d", (int)q, code, (int)n,
               earlier);
        return 1;
    }
    if (indicator[0]) {
        snprintf(key, sizeof key, "%s:%d:%s", code, (int)n, indicator);
        if ((earlier = seen_before(im, key, r->line))) {
            report(im, r->line, "indicator %s is on line %d for the same session already",
                   indicator, earlier);
            return 1;
        }
    }
    struct store_batch b;
    int found = store_batch_by_code(im->s, code, &b);
    if (found < 0)
        return -1;
    if (!found) {
        report(im, r->line, "batch %s is not known: import batches.csv first", code);
        return 1;
    }
    struct store_session se;
    found = store_session_get(im->s, b.id, (int)n, &se);
    if (found < 0)
        return -1;
    if (!found) {
        report(im, r->line, "batch %s has no session %d: import batches.csv with it first", code,
               (int)n);
        return 1;
    }
    struct store_question sq = {
        .batch_id = b.id, .session = (int)n, .question = (int)q, .yesno = yesno};
    snprintf(sq.text, sizeof sq.text, "%s", text);
    snprintf(sq.indicator, sizeof sq.indicator, "%s", indicator);
    snprintf(sq.agree, sizeof sq.agree, "%s", agree);
    return store_question_upsert(im->s, &sq) == 0 ? 0 : -1;
}

static const struct column group_columns[] = {
    {"code", true},      {"name", false},     {"network", false},
    {"district", false}, {"timezone", false}, {NULL, false},
};
static const struct column member_columns[] = {
    {"phone", true},     {"name", true},  {"group", false},   {"role", false},
    {"language", false}, {"code", false}, {"channel", false}, {NULL, false},
};
static const struct column loan_columns[] = {
    {"code", true},        {"phone", true},     {"principal", true}, {"instalment", false},
    {"instalments", true}, {"frequency", true}, {"first_due", true}, {"disbursed", false},
    {"member", false},     {NULL, false},
};
static const struct column batch_columns[] = {
    {"batch", true},     {"session", true},  {"starts_at", false}, {"title", false},
    {"material", false}, {"trainer", false}, {NULL, false},
};
static const struct column participant_columns[] = {
    {"phone", true},    {"name", false},      {"batch", true},       {"sex", false},
    {"age", false},     {"district", false},  {"disability", false}, {"relation", false},
    {"channel", false}, {"programme", false}, {NULL, false},
};
static const struct column survey_columns[] = {
    {"batch", true}, {"session", true},    {"question", true}, {"kind", true},
    {"text", false}, {"indicator", false}, {"agree", false},   {NULL, false},
};

static const struct kind kinds[] = {
    {"groups", group_columns, group_row, true},
    {"members", member_columns, member_row, true},
    {"loans", loan_columns, loan_row, true},
    {"batches", batch_columns, batch_row, false},
    {"participants", participant_columns, participant_row, false},
    {"surveys", survey_columns, survey_row, false},
};

/* Reads the header record into im->at. Returns 0, or 1 when it is bad (reported). */
static int read_header(struct import *im, const struct csv_record *h)
{
    const struct column *cols = im->kind->columns;
    int n_cols = 0;
    while (cols[n_cols].name)
        n_cols++;
    for (int i = 0; i < n_cols; i++)
        im->at[i] = -1;
    int bad = im->bad;
    if (h->error) {
        report(im, h->line, "%s", h->err);
        return 1;
    }
    char expected[160] = "";
    for (int i = 0; i < n_cols; i++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s",
                 i ? "," : "", cols[i].name);
    for (int f = 0; f < h->n; f++) {
        char *name = h->field[f];
        lower(name);
        int c = 0;
        while (c < n_cols && strcmp(cols[c].name, name) != 0)
            c++;
        if (c == n_cols)
            report(im, h->line, "unknown column \"%s\" (%s.csv columns: %s)", name, im->kind->name,
                   expected);
        else if (im->at[c] >= 0)
            report(im, h->line, "column \"%s\" appears twice", name);
        else
            im->at[c] = f;
    }
    for (int c = 0; c < n_cols; c++)
        if (cols[c].required && im->at[c] < 0)
            report(im, h->line, "required column \"%s\" is missing (%s.csv columns: %s)",
                   cols[c].name, im->kind->name, expected);
    return im->bad != bad;
}

/* Checks the shape of every record and stores the good ones in the open transaction. Returns 0,
 * or -1 on a database error. */
static int import_records(struct import *im, struct csv_record *recs, int n, int n_header_fields)
{
    for (int i = 0; i < n; i++) {
        struct csv_record *r = &recs[i];
        if (r->error) {
            report(im, r->line, "%s", r->err);
            im->bad_rows++;
            continue;
        }
        if (csv_record_empty(r))
            continue;
        if (r->n != n_header_fields) {
            report(im, r->line, "%d fields, but the header has %d", r->n, n_header_fields);
            im->bad_rows++;
            continue;
        }
        const char *why = NULL;
        int f = 0;
        while (f < r->n && text_ok(r->field[f], &why))
            f++;
        if (f < r->n) {
            report(im, r->line, "field %d holds %s", f + 1, why);
            im->bad_rows++;
            continue;
        }
        int rc = im->kind->row(im, r);
        if (rc < 0)
            return -1;
        if (rc == 0)
            im->stored++;
        else
            im->bad_rows++;
    }
    return 0;
}

const char *import_kind_columns(const char *kind)
{
    static char cols[sizeof kinds / sizeof kinds[0]][200];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].name, kind) != 0)
            continue;
        if (!cols[i][0])
            for (int c = 0; kinds[i].columns[c].name; c++)
                snprintf(cols[i] + strlen(cols[i]), sizeof cols[i] - strlen(cols[i]), "%s%s",
                         c ? "," : "", kinds[i].columns[c].name);
        return cols[i];
    }
    return NULL;
}

int import_csv(struct store *s, const struct config *cfg, const char *kind_name, const char *file,
               const char *text, size_t len, int64_t now, FILE *errors, char *summary,
               size_t summarysz)
{
    const struct kind *kind = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind_name, kinds[i].name) == 0)
            kind = &kinds[i];
    summary[0] = '\0';
    if (!kind) {
        fprintf(errors, "%s: unknown kind of file \"%s\"\n", file, kind_name);
        return 1;
    }
    struct csv c;
    csv_open(&c, text, len);
    struct csv_record *recs = NULL;
    int n = 0, cap = 0, status = 0;
    struct csv_record r;
    int rc;
    while ((rc = csv_next(&c, &r)) == 1) {
        if (n == 0 && !r.error && csv_record_empty(&r)) { /* blank lines before the header */
            csv_record_free(&r);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            struct csv_record *grown = realloc(recs, (size_t)cap * sizeof *grown);
            if (!grown) {
                csv_record_free(&r);
                rc = -1;
                break;
            }
            recs = grown;
        }
        recs[n++] = r;
    }
    struct import im = {
        .file = file,
        .errors = errors,
        .kind = kind,
        .country = config_get(cfg, "locale", "country_code"),
        .default_tz = config_get(cfg, "locale", "timezone"),
        .now = now,
    };
    if (rc < 0) {
        fprintf(errors, "%s: out of memory\n", file);
        status = -1;
    } else if (n == 0) {
        report(&im, 1, "the header line is missing (%s.csv starts with %s,...)", kind->name,
               kind->columns[0].name);
        status = 1;
    } else if (read_header(&im, &recs[0]) != 0) {
        status = 1;
    } else {
        im.s = s;
        /* Member codes written in the file are never made up for another row. */
        im.file_codes = calloc((size_t)n, sizeof *im.file_codes);
        for (int i = 1; im.file_codes && i < n && kind->row == member_row; i++)
            if (!recs[i].error && recs[i].n == recs[0].n && im.at[5] >= 0)
                im.file_codes[im.n_file_codes++] = recs[i].field[im.at[5]];
        im.next_code = store_io_max_member_code(s) + 1;
        if (!im.file_codes || im.next_code < 1 || store_begin(s) != 0) {
            fprintf(errors, "%s: cannot start (see the log)\n", file);
            status = -1;
        } else if (import_records(&im, recs + 1, n - 1, recs[0].n) != 0) {
            store_rollback(s);
            fprintf(errors, "%s: database error, nothing imported (see the log)\n", file);
            status = -1;
        } else if (im.bad) {
            store_rollback(s);
            status = 1;
        } else if (store_commit(s) != 0) {
            store_rollback(s);
            fprintf(errors, "%s: could not commit, nothing imported\n", file);
            status = -1;
        } else if (kind->counts_new) {
            snprintf(summary, summarysz, "imported %d %s (%d new, %d updated)", im.stored,
                     kind->name, im.created, im.stored - im.created);
        } else {
            snprintf(summary, summarysz, "imported %d %s", im.stored, kind->name);
        }
    }
    if (im.bad) {
        if (im.bad > IMPORT_MAX_REPORTED)
            fprintf(errors, "%s: %d more bad rows not shown\n", file, im.bad - IMPORT_MAX_REPORTED);
        if (im.bad_rows)
            fprintf(errors, "%s: %d bad row%s, nothing imported\n", file, im.bad_rows,
                    im.bad_rows == 1 ? "" : "s");
        else
            fprintf(errors, "%s: nothing imported\n", file);
    }
    for (int i = 0; i < n; i++)
        csv_record_free(&recs[i]);
    free(recs);
    free(im.seen);
    free(im.file_codes);
    return status;
}
