/* cmd_export.c - `catat export messages|members|ledger|loans|attendance|participants|answers
 * [--format csv|json]`. */
#include "commands.h"

#include "config.h"
#include "format.h"
#include "store.h"
#include "store_io.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One exported value: a string, a whole number, a boolean, or null. */
enum value_type { V_NULL, V_TEXT, V_INT, V_BOOL };
struct value {
    const char *key;
    enum value_type type;
    const char *text;
    int64_t number;
};

#define TEXT(k, v)                                                                                 \
    {                                                                                              \
        (k), V_TEXT, (v), 0                                                                        \
    }
#define OPT_TEXT(k, v) opt_text((k), (v))
#define INT(k, v)                                                                                  \
    {                                                                                              \
        (k), V_INT, NULL, (v)                                                                      \
    }
#define BOOL(k, v)                                                                                 \
    {                                                                                              \
        (k), V_BOOL, NULL, (v)                                                                     \
    }

/* Text, or null when empty: optional keys are null in JSON, empty cells in CSV. */
static struct value opt_text(const char *key, const char *v)
{
    return (struct value){key, v && v[0] ? V_TEXT : V_NULL, v, 0};
}

struct out {
    bool json;
    long rows;
    int default_tz;
    int64_t now;
    bool failed;
};

/* Writes a CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
static void csv_field(const char *s)
{
    size_t n = strlen(s);
    bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (const char *p = s; *p && !quote; p++)
        quote = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
    if (!quote) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putchar('"');
        putchar(*p);
    }
    putchar('"');
}

/* Writes one row: a JSON object in the array, or a CSV line. */
static void emit(struct out *o, const struct value *v, size_t n)
{
    if (o->json) {
        json_t *obj = json_object();
        for (size_t i = 0; obj && i < n; i++) {
            json_t *j = v[i].type == V_TEXT   ? json_string(v[i].text)
                        : v[i].type == V_INT  ? json_integer(v[i].number)
                        : v[i].type == V_BOOL ? json_boolean(v[i].number)
                                              : json_null();
            /* Text that is not UTF-8 is written as null rather than losing the row. */
            if (!j && v[i].type == V_TEXT)
                j = json_null();
            if (!j || json_object_set_new(obj, v[i].key, j) != 0)
                o->failed = true;
        }
        char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        if (s)
            printf("%s%s", o->rows ? ",\n" : "\n", s);
        else
            o->failed = true;
        free(s);
        json_decref(obj);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i)
                putchar(',');
            if (v[i].type == V_TEXT)
                csv_field(v[i].text);
            else if (v[i].type == V_INT)
                printf("%lld", (long long)v[i].number);
            else if (v[i].type == V_BOOL)
                fputs(v[i].number ? "true" : "false", stdout);
        }
        fputs("\r\n", stdout);
    }
    o->rows++;
}

/* t as ISO 8601 in offset tz into out, or "" when t is 0 (it has not happened): for an
 * optional time, which OPT_TEXT writes as null / an empty cell. */
static const char *opt_time(int64_t t, int tz, char out[40])
{
    out[0] = '\0';
    return t ? format_iso8601(t, tz, out, 40) : out;
}

/* Writes the whole of the array v as one row. */
#define EMIT(o, v) emit((o), (v), sizeof(v) / sizeof(v)[0])

/* The offset of a group's timezone, or the [locale] default when the group has none. */
static int tz_or_default(const struct out *o, const char *tz)
{
    int secs;
    return tz && tz[0] && format_parse_tz(tz, &secs) == 0 ? secs : o->default_tz;
}

static void message_row(const struct store_io_message_row *r, void *arg)
{
    struct out *o = arg;
    char at[40];
    format_iso8601(r->at, tz_or_default(o, r->timezone), at, sizeof at);
    struct value v[] = {
        TEXT("direction", r->direction),
        TEXT("channel", r->channel),
        TEXT("provider_id", r->provider_id),
        TEXT("phone", r->phone),
        TEXT("text", r->text),
        TEXT("status", r->status),
        TEXT("at", at),
        OPT_TEXT("kind", r->kind),
    };
    EMIT(o, v);
}

static void member_row(const struct store_io_member_row *r, void *arg)
{
    struct out *o = arg;
    if (!o->json) {
        /* The CSV has exactly the columns of members.csv, so it can be imported again. */
        struct value v[] = {
            TEXT("phone", r->phone),     TEXT("name", r->name),         TEXT("group", r->group),
            TEXT("role", r->role),       TEXT("language", r->language), TEXT("code", r->code),
            TEXT("channel", r->channel),
        };
        EMIT(o, v);
        return;
    }
    char last[40];
    opt_time(r->last_inbound_at, tz_or_default(o, r->timezone), last);
    struct value v[] = {
        TEXT("phone", r->phone),           TEXT("name", r->name),
        OPT_TEXT("group", r->group),       TEXT("role", r->role),
        OPT_TEXT("language", r->language), OPT_TEXT("code", r->code),
        OPT_TEXT("channel", r->channel),   BOOL("opted_out", r->opted_out),
        OPT_TEXT("last_message_at", last), INT("savings", r->savings),
    };
    EMIT(o, v);
}

static void entry_row(const struct store_io_entry_row *r, void *arg)
{
    struct out *o = arg;
    int tz = tz_or_default(o, r->timezone);
    char at[40], confirmed[40], cancelled[40];
    format_iso8601(r->at, tz, at, sizeof at);
    opt_time(r->confirmed_at, tz, confirmed);
    opt_time(r->cancelled_at, tz, cancelled);
    struct value v[] = {
        TEXT("ref", r->ref),
        TEXT("phone", r->phone),
        OPT_TEXT("group", r->group),
        TEXT("kind", r->kind),
        INT("amount", r->amount),
        TEXT("status", r->status),
        TEXT("at", at),
        TEXT("name", r->name),
        OPT_TEXT("member_code", r->member_code),
        OPT_TEXT("item", r->item),
        r->qty ? (struct value)INT("qty", r->qty) : opt_text("qty", NULL),
        OPT_TEXT("unit", r->unit),
        OPT_TEXT("loan", r->loan),
        OPT_TEXT("recorded_by", r->recorded_by),
        OPT_TEXT("confirmed_at", confirmed),
        OPT_TEXT("cancelled_at", cancelled),
    };
    EMIT(o, v);
}

/* Whole days from date a to date b ("YYYY-MM-DD"), or 0 when either is unreadable. */
static int64_t days_between(const char *a, const char *b)
{
    int64_t ta, tb;
    if (format_parse_time(a, &ta) != 0 || format_parse_time(b, &tb) != 0)
        return 0;
    return (tb - ta) / 86400;
}

static void loan_row(const struct store_io_loan_row *r, void *arg)
{
    struct out *o = arg;
    char today[11];
    format_date(o->now, tz_or_default(o, r->timezone), today, sizeof today);
    /* Overdue: days since the oldest instalment not fully paid fell due, in the group's days. */
    int64_t overdue = r->next_due[0] ? days_between(r->next_due, today) : 0;
    struct value v[] = {
        TEXT("code", r->code),
        TEXT("phone", r->phone),
        INT("principal", r->principal),
        INT("paid", r->paid),
        INT("outstanding", r->outstanding),
        OPT_TEXT("next_due", r->next_due),
        INT("overdue_days", overdue > 0 ? overdue : 0),
        INT("next_amount", r->next_amount),
        TEXT("name", r->name),
        OPT_TEXT("group", r->group),
        INT("instalment", r->instalment),
        INT("instalments", r->instalments),
        TEXT("frequency", r->frequency),
        TEXT("first_due", r->first_due),
        INT("interest", r->interest),
        INT("outstanding_principal", r->outstanding - r->outstanding_interest),
        INT("outstanding_interest", r->outstanding_interest),
        OPT_TEXT("disbursed", r->disbursed),
    };
    EMIT(o, v);
}

static void attendance_row(const struct store_io_attendance_row *r, void *arg)
{
    struct out *o = arg;
    char at[40];
    format_iso8601(r->at, o->default_tz, at, sizeof at);
    struct value v[] = {
        TEXT("batch", r->batch),
        INT("session", r->session),
        TEXT("phone", r->phone),
        TEXT("name", r->name),
        OPT_TEXT("district", r->district),
        OPT_TEXT("sex", r->sex),
        BOOL("disability", r->disability),
        OPT_TEXT("relation", r->relation),
        TEXT("at", at),
    };
    EMIT(o, v);
}

/* participants: the columns of participants.csv (the CSV imports again); JSON adds the
 * sessions attended and whether she attended them all. */
static void participant_row(const struct store_io_participant_row *r, void *arg)
{
    struct out *o = arg;
    struct value v[] = {
        TEXT("phone", r->phone),
        TEXT("name", r->name),
        TEXT("batch", r->batch),
        OPT_TEXT("sex", r->sex),
        r->age ? (struct value)INT("age", r->age) : OPT_TEXT("age", ""),
        OPT_TEXT("district", r->district),
        o->json ? (struct value)BOOL("disability", r->disability)
                : (struct value)TEXT("disability", r->disability ? "yes" : "no"),
        OPT_TEXT("relation", r->relation),
        OPT_TEXT("channel", r->channel),
        OPT_TEXT("programme", r->programme),
        INT("present", r->present),
        BOOL("completed_all", r->sessions > 0 && r->present >= r->sessions),
    };
    emit(o, v, o->json ? sizeof v / sizeof v[0] : sizeof v / sizeof v[0] - 2);
}

/* answers: one row per participant's latest answer to a question of a session. */
static void answer_row(const struct store_io_answer_row *r, void *arg)
{
    struct out *o = arg;
    char at[40];
    format_iso8601(r->at, o->default_tz, at, sizeof at);
    struct value v[] = {
        TEXT("batch", r->batch),
        INT("session", r->session),
        INT("question", r->question),
        TEXT("answer", r->answer),
        TEXT("phone", r->phone),
        TEXT("name", r->name),
        OPT_TEXT("sex", r->sex),
        OPT_TEXT("district", r->district),
        BOOL("disability", r->disability),
        OPT_TEXT("programme", r->programme),
        OPT_TEXT("indicator", r->indicator),
        r->agrees < 0 ? OPT_TEXT("agrees", "") : (struct value)BOOL("agrees", r->agrees),
        TEXT("at", at),
    };
    EMIT(o, v);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: catat export messages|members|ledger|loans|attendance|participants|answers\n"
            "                    [--format csv|json] [-c FILE]\n\n"
            "Writes to standard output: CSV (the default; a header line, RFC 4180 quoting, CRLF)\n"
            "or a JSON array. Times are ISO 8601 in the offset of the person's group ([locale]\n"
            "timezone when she has none).\n\n"
            "  messages  direction,channel,provider_id,phone,text,status,at,kind\n"
            "  members   phone,name,group,role,language,code,channel (the CSV imports again);\n"
            "            JSON adds opted_out, last_message_at and savings (confirmed savings\n"
            "            less confirmed withdrawals)\n"
            "  ledger    ref,phone,group,kind,amount,status,at,name,member_code,item,qty,unit,\n"
            "            loan,recorded_by,confirmed_at,cancelled_at (cancelled entries too)\n"
            "  loans     code,phone,principal,paid,outstanding,next_due,overdue_days,\n"
            "            next_amount,name,group,instalment,instalments,frequency,first_due,\n"
            "            interest,outstanding_principal,outstanding_interest,disbursed\n"
            "            (next_due: the oldest instalment not fully paid; overdue_days: days\n"
            "            since it fell due, 0 when not yet due; outstanding: principal and\n"
            "            interest still owed; an instalment pays its interest part first)\n"
            "  attendance batch,session,phone,name,district,sex,disability,relation,at\n"
            "            (one row per participant present at an e-training session)\n"
            "  participants phone,name,batch,sex,age,district,disability,relation,channel,\n"
            "            programme (the CSV imports again); JSON adds present (sessions\n"
            "            attended) and completed_all\n"
            "  answers   batch,session,question,answer,phone,name,sex,district,disability,\n"
            "            programme,indicator,agrees,at (each participant's latest answer to a\n"
            "            survey question; agrees: it counts toward the indicator)\n");
}

int cmd_export(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    const char *what = NULL, *format = "csv";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else if (!what && argv[i][0] != '-') {
            what = argv[i];
        } else {
            fprintf(stderr, "catat export: unexpected \"%s\" (see --help)\n", argv[i]);
            return 2;
        }
    }
    static const char *const kinds[] = {"messages",   "members",      "ledger", "loans",
                                        "attendance", "participants", "answers"};
    /* CSV header lines: the keys each row function writes, in order. */
    static const char *const csv_headers[] = {
        "direction,channel,provider_id,phone,text,status,at,kind",
        "phone,name,group,role,language,code,channel",
        "ref,phone,group,kind,amount,status,at,name,member_code,item,qty,unit,loan,recorded_by,"
        "confirmed_at,cancelled_at",
        "code,phone,principal,paid,outstanding,next_due,overdue_days,next_amount,name,group,"
        "instalment,instalments,frequency,first_due,interest,outstanding_principal,"
        "outstanding_interest,disbursed",
        "batch,session,phone,name,district,sex,disability,relation,at",
        "phone,name,batch,sex,age,district,disability,relation,channel,programme",
        "batch,session,question,answer,phone,name,sex,district,disability,programme,indicator,"
        "agrees,at",
    };
    int k = -1;
    for (int i = 0; what && i < (int)(sizeof kinds / sizeof kinds[0]); i++)
        if (strcmp(what, kinds[i]) == 0)
            k = i;
    if (k < 0 || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)) {
        usage(stderr);
        return 2;
    }
    struct config *cfg = commands_load_config(config_path);
    if (!cfg)
        return 1;
    struct out o = {.json = strcmp(format, "json") == 0, .now = (int64_t)time(NULL)};
    if (format_parse_tz(config_get(cfg, "locale", "timezone"), &o.default_tz) != 0) {
        fprintf(stderr, "catat: [locale] timezone must look like +07:00\n");
        config_free(cfg);
        return 1;
    }
    char err[512];
    struct store *s = store_open(config_database(cfg), err, sizeof err);
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        return 1;
    }
    if (o.json)
        putchar('[');
    else
        printf("%s\r\n", csv_headers[k]);
    int rc = k == 0   ? store_io_each_message(s, message_row, &o)
             : k == 1 ? store_io_each_member(s, member_row, &o)
             : k == 2 ? store_io_each_entry(s, entry_row, &o)
             : k == 3 ? store_io_each_loan(s, loan_row, &o)
             : k == 4 ? store_io_each_attendance(s, attendance_row, &o)
             : k == 5 ? store_io_each_participant(s, participant_row, &o)
                      : store_io_each_answer(s, answer_row, &o);
    if (o.json)
        fputs(o.rows ? "\n]\n" : "]\n", stdout);
    int status = 0;
    if (rc != 0 || o.failed || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "catat export: failed (see the log)\n");
        status = 1;
    }
    store_close(s);
    config_free(cfg);
    return status;
}
