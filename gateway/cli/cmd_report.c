/* cmd_report.c - `catat report training`: e-training results by batch, district, sex and
 * disability; attendance per session; completion; survey answers as counts and percentages. */
#include "commands.h"

#include "config.h"
#include "store.h"
#include "store_training.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat report training [--batch CODE] [--format text|csv|json] [-c FILE]\n"
            "       catat report loans [--period YYYY-MM|YYYYQn] [--format text|csv|json]\n"
            "                          (see catat report loans --help)\n\n"
            "E-training results per batch and in total: participants by district, sex and\n"
            "disability, attendance per session, participants present at every session, and\n"
            "each survey question's answers as counts and percentages.\n");
    return help ? 0 : 2;
}

static void add_count(json_t *obj, const char *key, int64_t n)
{
    json_t *have = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer((have ? json_integer_value(have) : 0) + n));
}

static void on_totals(const char *key, const char *sub, int64_t n, void *arg)
{
    (void)sub;
    json_object_set_new(arg, key, json_integer(n));
}

static void on_counts(const char *key, const char *sub, int64_t n, void *arg)
{
    (void)sub;
    add_count(arg, key, n);
}

static void on_answer(const char *key, const char *sub, int64_t n, void *arg)
{
    json_t *q = json_object_get(arg, key);
    if (!q) {
        q = json_object();
        json_object_set_new(arg, key, q);
    }
    add_count(q, sub ? sub : "?", n);
}

/* Figures of one batch (batch_id 0: all batches) in the shape of product.md section 4. */
static json_t *figures(struct store *s, int64_t batch_id, const char *code)
{
    json_t *o = json_object(), *district = json_object(), *sex = json_object(),
           *sessions_by_n = json_object(), *answers = json_object();
    json_object_set_new(sex, "L", json_integer(0));
    json_object_set_new(sex, "P", json_integer(0));
    if (code)
        json_object_set_new(o, "batch", json_string(code));
    if (store_training_tally(s, batch_id, STORE_TALLY_TOTALS, on_totals, o) != 0 ||
        store_training_tally(s, batch_id, STORE_TALLY_DISTRICT, on_counts, district) != 0 ||
        store_training_tally(s, batch_id, STORE_TALLY_SEX, on_counts, sex) != 0 ||
        store_training_tally(s, batch_id, STORE_TALLY_SESSION, on_counts, sessions_by_n) != 0 ||
        store_training_tally(s, batch_id, STORE_TALLY_ANSWER, on_answer, answers) != 0) {
        json_decref(o);
        json_decref(district);
        json_decref(sex);
        json_decref(sessions_by_n);
        json_decref(answers);
        return NULL;
    }
    /* participants, disability, completed_all came first; place them as section 4 lists. */
    json_t *ordered = json_object();
    if (code)
        json_object_set(ordered, "batch", json_object_get(o, "batch"));
    json_object_set(ordered, "participants", json_object_get(o, "participants"));
    json_object_set_new(ordered, "by_district", district);
    json_object_set_new(ordered, "by_sex", sex);
    json_object_set(ordered, "disability", json_object_get(o, "disability"));
    json_t *sessions = json_array();
    const char *k;
    json_t *v;
    /* Session numbers sort numerically: the tally returns them in order, 1..n. */
    json_object_foreach(sessions_by_n, k, v)
    {
        json_array_append_new(sessions, json_pack("{s:I, s:O}", "session",
                                                  (json_int_t)strtol(k, NULL, 10), "present", v));
    }
    json_decref(sessions_by_n);
    json_object_set_new(ordered, "sessions", sessions);
    json_object_set(ordered, "completed_all", json_object_get(o, "completed_all"));
    json_object_set_new(ordered, "answers", answers);
    /* Percentages of each question's answers, one decimal. */
    json_t *pct = json_object();
    const char *q;
    json_t *counts;
    json_object_foreach(answers, q, counts)
    {
        json_int_t sum = 0;
        const char *a;
        json_t *n;
        json_object_foreach(counts, a, n)
        {
            sum += json_integer_value(n);
        }
        json_t *p = json_object();
        json_object_foreach(counts, a, n)
        {
            double share = sum ? 1000.0 * (double)json_integer_value(n) / (double)sum : 0;
            json_object_set_new(p, a, json_real((double)(long long)(share + 0.5) / 10.0));
        }
        json_object_set_new(pct, q, p);
    }
    json_object_set_new(ordered, "answers_pct", pct);
    json_decref(o);
    return ordered;
}

struct collect {
    struct store *s;
    json_t *batches;
    int failed;
};

static void on_batch(const struct store_batch *b, void *arg)
{
    struct collect *c = arg;
    json_t *f = figures(c->s, b->id, b->code);
    if (!f)
        c->failed = 1;
    else
        json_array_append_new(c->batches, f);
}

static double percent(json_int_t n, json_int_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0.0;
}

static void print_text(const char *name, json_t *f)
{
    json_int_t total = json_integer_value(json_object_get(f, "participants"));
    json_t *sex = json_object_get(f, "by_sex");
    json_int_t dis = json_integer_value(json_object_get(f, "disability"));
    printf("%s: %lld participants (L %lld, P %lld), with disability %lld (%.0f%%)\n", name,
           (long long)total, (long long)json_integer_value(json_object_get(sex, "L")),
           (long long)json_integer_value(json_object_get(sex, "P")), (long long)dis,
           percent(dis, total));
    const char *k;
    json_t *v;
    printf("  by district:");
    json_object_foreach(json_object_get(f, "by_district"), k, v)
        printf(" %s %lld;", k, (long long)json_integer_value(v));
    printf("\n");
    size_t i;
    json_array_foreach(json_object_get(f, "sessions"), i, v)
    {
        json_int_t present = json_integer_value(json_object_get(v, "present"));
        printf("  session %lld: %lld present (%.0f%%)\n",
               (long long)json_integer_value(json_object_get(v, "session")), (long long)present,
               percent(present, total));
    }
    json_int_t done = json_integer_value(json_object_get(f, "completed_all"));
    printf("  completed all sessions: %lld (%.0f%%)\n", (long long)done, percent(done, total));
    json_t *pct = json_object_get(f, "answers_pct");
    json_object_foreach(json_object_get(f, "answers"), k, v)
    {
        printf("  question %s:", k);
        const char *a;
        json_t *n;
        json_object_foreach(v, a, n)
            printf(" %s %lld (%.1f%%);", a, (long long)json_integer_value(n),
                   json_real_value(json_object_get(json_object_get(pct, k), a)));
        printf("\n");
    }
}

static void csv_line(const char *batch, const char *measure, const char *key, const char *answer,
                     json_int_t count, json_int_t of)
{
    printf("%s,%s,%s,%s,%lld", batch, measure, key, answer, (long long)count);
    if (of)
        printf(",%.1f\n", percent(count, of));
    else
        printf(",\n");
}

/* CSV: one figure per line, for spreadsheets. Batch codes, districts and answers hold no
 * commas or quotes except districts, which are quoted when they do. */
static void print_csv(const char *name, json_t *f)
{
    json_int_t total = json_integer_value(json_object_get(f, "participants"));
    csv_line(name, "participants", "", "", total, 0);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(f, "by_district"), k, v)
    {
        char quoted[256];
        size_t o = 0;
        quoted[o++] = '"';
        for (const char *p = k; *p && o < sizeof quoted - 3; p++) {
            if (*p == '"')
                quoted[o++] = '"';
            quoted[o++] = *p;
        }
        quoted[o++] = '"';
        quoted[o] = '\0';
        csv_line(name, "district", quoted, "", json_integer_value(v), total);
    }
    json_object_foreach(json_object_get(f, "by_sex"), k, v)
        csv_line(name, "sex", k, "", json_integer_value(v), total);
    csv_line(name, "disability", "", "", json_integer_value(json_object_get(f, "disability")),
             total);
    size_t i;
    json_array_foreach(json_object_get(f, "sessions"), i, v)
    {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(v, "session")));
        csv_line(name, "session", n, "", json_integer_value(json_object_get(v, "present")), total);
    }
    csv_line(name, "completed_all", "", "", json_integer_value(json_object_get(f, "completed_all")),
             total);
    json_object_foreach(json_object_get(f, "answers"), k, v)
    {
        json_int_t sum = 0;
        const char *a;
        json_t *n;
        json_object_foreach(v, a, n)
        {
            sum += json_integer_value(n);
        }
        json_object_foreach(v, a, n)
        {
            csv_line(name, "answer", k, a, json_integer_value(n), sum);
        }
    }
}

int cmd_report(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc >= 2 && strcmp(argv[1], "--help") == 0)
        return usage(true);
    if (argc >= 2 && strcmp(argv[1], "loans") == 0)
        return report_loans(argc, argv, config_path);
    if (argc < 2 || strcmp(argv[1], "training") != 0)
        return usage(false);
    const char *batch = NULL, *format = "text";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return usage(true);
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else
            return usage(false);
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage(false);
    char err[512];
    struct config *cfg = config_load(config_path, err, sizeof err);
    struct store *s = cfg ? store_open(config_get(cfg, "database", "path"), err, sizeof err) : NULL;
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        return 1;
    }
    char code[32] = "";
    if (batch) {
        for (size_t i = 0; batch[i] && i < sizeof code - 1; i++)
            code[i] = (char)(batch[i] >= 'a' && batch[i] <= 'z' ? batch[i] - 32 : batch[i]);
    }
    struct collect c = {s, json_array(), 0};
    int found = store_each_batch(s, code[0] ? code : NULL, on_batch, &c);
    json_t *total = NULL;
    int status = 0;
    if (found < 0 || c.failed) {
        fprintf(stderr, "catat report: database error\n");
        status = 1;
    } else if (batch && found == 0) {
        fprintf(stderr, "catat report: no batch %s\n", code);
        status = 1;
    } else if (!(total =
                     batch ? json_deep_copy(json_array_get(c.batches, 0)) : figures(s, 0, NULL))) {
        fprintf(stderr, "catat report: database error\n");
        status = 1;
    } else {
        json_object_del(total, "batch");
        if (strcmp(format, "json") == 0) {
            json_t *out = json_pack("{s:O, s:O}", "batches", c.batches, "total", total);
            char *text = json_dumps(out, JSON_INDENT(2));
            if (text)
                printf("%s\n", text);
            free(text);
            json_decref(out);
        } else {
            if (strcmp(format, "csv") == 0)
                printf("batch,measure,key,answer,count,percent\n");
            size_t i;
            json_t *f;
            json_array_foreach(c.batches, i, f)
            {
                const char *name = json_string_value(json_object_get(f, "batch"));
                if (strcmp(format, "csv") == 0)
                    print_csv(name, f);
                else
                    print_text(name, f);
            }
            if (strcmp(format, "csv") == 0)
                print_csv("TOTAL", total);
            else
                print_text("Total", total);
        }
    }
    json_decref(total);
    json_decref(c.batches);
    store_close(s);
    config_free(cfg);
    return status;
}
