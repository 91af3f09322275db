/* cmd_report.c - `catat report training`: the e-training's figures (domain/training_report.c)
 * as text in the configured language (paragraphs a programme officer can paste into a donor
 * report, as seed 004 writes them), as CSV (one figure a line) or as JSON (product.md 4). */
#include "commands.h"

#include "config.h"
#include "format.h"
#include "store.h"
#include "templates.h"
#include "training_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat report training [--batch CODE] [--programme P] [--format text|csv|json]"
            " [-c FILE]\n"
            "       catat report loans [--period YYYY-MM|YYYYQn] [--format text|csv|json]\n"
            "                          (see catat report loans --help)\n\n"
            "E-training results per batch and in total: participants by programme, district,\n"
            "sex and disability (and disability by district), attendance per session,\n"
            "participants present at every session, survey answers, and each indicator as\n"
            "participants (N of M, one decimal) before and after the training. The text report\n"
            "adds the programme years (October to September) and each programme's period, in\n"
            "the configured language ([locale] language). --programme limits every figure to\n"
            "the participants of that programme (participants.csv programme).\n");
    return help ? 0 : 2;
}

/* ---- text ---- */

struct text {
    const struct templates *t;
    const char *lang;
    char months[12][24];
};

static json_int_t num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* A percentage (one decimal) with the language's decimal separator: "42,9" or "42.9". */
static const char *pct_text(const struct text *tx, json_t *v, char out[16])
{
    long long tenths = (long long)(json_real_value(v) * 10.0 + 0.5);
    const char *sep = templates_get(tx->t, tx->lang, "report_t_decimal");
    char full[64];
    snprintf(full, sizeof full, "%lld%.4s%lld", tenths / 10, sep ? sep : ",", tenths % 10);
    snprintf(out, 16, "%.15s", full);
    return out;
}

static const char *int_text(json_int_t n, char out[24])
{
    snprintf(out, 24, "%lld", (long long)n);
    return out;
}

/* "1 Juni 2020" from "2020-06-01" (or "-" when there is no date). */
static const char *date_words(const struct text *tx, json_t *v, char out[40])
{
    const char *d = json_string_value(v);
    int y, m, day;
    if (!d || sscanf(d, "%4d-%2d-%2d", &y, &m, &day) != 3 || m < 1 || m > 12) {
        snprintf(out, 40, "-");
        return out;
    }
    snprintf(out, 40, "%d %s %d", day, tx->months[m - 1], y);
    return out;
}

/* Prints key rendered with vars (and {indent} empty unless given), and a newline. */
static void line(const struct text *tx, const char *key, const struct template_var *v, size_t n)
{
    char out[2048];
    struct template_var all[16];
    size_t k = 0;
    for (; k < n && k < 15; k++)
        all[k] = v[k];
    all[k++] = (struct template_var){"indent", ""};
    if (templates_render(tx->t, tx->lang, key, all, k, out, sizeof out) >= 0)
        printf("%s\n", out);
}

/* "Blitar, Gresik dan Trenggalek" (districts: names), or "10 peserta Blitar, ..." (counts),
 * or "Blitar 10 (disabilitas 2)" (with the disability split). */
enum districts { NAMES, COUNTS, WITH_DISABILITY };
static void district_text(const struct text *tx, json_t *by, json_t *dd, enum districts how,
                          char *out, size_t outsz)
{
    const char *and = templates_get(tx->t, tx->lang, "report_t_and");
    const char *people = templates_get(tx->t, tx->lang, "report_t_people");
    const char *dis = templates_get(tx->t, tx->lang, "report_t_disability_word");
    size_t n = json_object_size(by), i = 0, used = 0;
    out[0] = '\0';
    const char *k;
    json_t *v;
    json_object_foreach(by, k, v)
    {
        const char *sep = i == 0 ? "" : (how == NAMES && i == n - 1) ? " " : ", ";
        char extra[64] = "";
        if (how == NAMES && i && i == n - 1)
            snprintf(extra, sizeof extra, "%s ", and? and : "dan");
        int w;
        if (how == NAMES)
            w = snprintf(out + used, outsz - used, "%s%s%s", sep, extra, k);
        else if (how == COUNTS)
            w = snprintf(out + used, outsz - used, "%s%lld %s %s", sep,
                         (long long)json_integer_value(v), people ? people : "peserta", k);
        else
            w = snprintf(out + used, outsz - used, "%s%s %lld (%s %lld)", sep, k,
                         (long long)json_integer_value(v), dis ? dis : "disabilitas",
                         (long long)num(json_object_get(dd, k), "yes"));
        if (w < 0 || (size_t)w >= outsz - used)
            break;
        used += (size_t)w;
        i++;
    }
}

static void text_indicators(const struct text *tx, json_t *f, const char *indent)
{
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(f, "indicators"), i, ind)
    {
        char yes[24], of[24], p[16], bs[24], by[24], bp[16];
        json_t *before = json_object_get(ind, "before");
        struct template_var v[] = {
            {"indent", indent},
            {"yes", int_text(num(ind, "yes"), yes)},
            {"of", int_text(num(ind, "of"), of)},
            {"percent", pct_text(tx, json_object_get(ind, "percent"), p)},
            {"text", json_string_value(json_object_get(ind, "text"))},
            {"indicator", json_string_value(json_object_get(ind, "indicator"))},
            {"before_session", before ? int_text(num(before, "session"), bs) : ""},
            {"before_yes", before ? int_text(num(before, "yes"), by) : ""},
            {"before_percent", before ? pct_text(tx, json_object_get(before, "percent"), bp) : ""},
        };
        const char *text = v[4].value;
        line(tx,
             before ? (text && text[0] ? "report_t_indicator_change"
                                       : "report_t_indicator_change_name")
                    : (text && text[0] ? "report_t_indicator" : "report_t_indicator_name"),
             v, sizeof v / sizeof v[0]);
    }
}

static void text_figure(const struct text *tx, json_t *f, const char *name)
{
    char n[24], l[24], pp[24], d[24], p[16], dist[1024];
    json_int_t total = num(f, "participants");
    json_t *sex = json_object_get(f, "by_sex");
    struct template_var head[] = {
        {"batch", name},
        {"participants", int_text(total, n)},
        {"male", int_text(num(sex, "L"), l)},
        {"female", int_text(num(sex, "P"), pp)},
        {"disability", int_text(num(f, "disability"), d)},
        {"percent", pct_text(tx, json_object_get(f, "disability_percent"), p)},
    };
    line(tx, "report_t_batch", head, sizeof head / sizeof head[0]);
    district_text(tx, json_object_get(f, "by_district"),
                  json_object_get(f, "by_district_disability"), WITH_DISABILITY, dist, sizeof dist);
    struct template_var dv[] = {{"districts", dist}};
    line(tx, "report_t_districts", dv, 1);
    size_t i;
    json_t *se;
    json_array_foreach(json_object_get(f, "sessions"), i, se)
    {
        char s[24], pr[24];
        struct template_var v[] = {
            {"session", int_text(num(se, "session"), s)},
            {"present", int_text(num(se, "present"), pr)},
            {"of", n},
            {"percent", pct_text(tx, json_object_get(se, "percent"), p)},
        };
        line(tx, "report_t_session", v, 4);
    }
    char c[24];
    struct template_var cv[] = {
        {"completed", int_text(num(f, "completed_all"), c)},
        {"of", n},
        {"percent", pct_text(tx, json_object_get(f, "completed_all_percent"), p)},
    };
    line(tx, "report_t_completed", cv, 3);
    char dn[24];
    struct template_var dv2[] = {
        {"discussion", int_text(num(f, "discussion"), dn)},
        {"of", n},
        {"percent", pct_text(tx, json_object_get(f, "discussion_percent"), p)},
    };
    line(tx, "report_t_discussion", dv2, 3);
    text_indicators(tx, f, "  ");
    const char *s;
    json_t *qs;
    json_object_foreach(json_object_get(f, "answers_by_session"), s, qs)
    {
        const char *q;
        json_t *counts;
        json_object_foreach(qs, q, counts)
        {
            char list[256] = "";
            size_t used = 0;
            const char *a;
            json_t *k;
            json_object_foreach(counts, a, k)
            {
                int w = snprintf(list + used, sizeof list - used, "%s%s %lld", used ? ", " : "", a,
                                 (long long)json_integer_value(k));
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            struct template_var v[] = {{"session", s}, {"question", q}, {"counts", list}};
            line(tx, "report_t_answers", v, 3);
        }
    }
}

static void print_text(const struct text *tx, json_t *report)
{
    json_t *total = json_object_get(report, "total");
    if (!json_array_size(json_object_get(report, "batches"))) {
        line(tx, "report_t_none", NULL, 0);
        return;
    }
    char n[24], b[24], k[24], dist[1024];
    district_text(tx, json_object_get(total, "by_district"), NULL, NAMES, dist, sizeof dist);
    json_t *prog = json_object_get(report, "programme");
    struct template_var v[] = {
        {"participants", int_text(num(total, "participants"), n)},
        {"batches", int_text(num(total, "batches"), b)},
        {"districts",
         int_text((json_int_t)json_object_size(json_object_get(total, "by_district")), k)},
        {"district_list", dist},
        {"programme", json_is_string(prog) ? json_string_value(prog) : ""},
    };
    line(tx, json_is_string(prog) ? "report_t_total_programme" : "report_t_total", v, 5);
    text_indicators(tx, total, "");
    json_t *years = json_object_get(report, "years");
    if (json_array_size(years)) {
        line(tx, "report_t_years", NULL, 0);
        size_t i;
        json_t *y;
        json_array_foreach(years, i, y)
        {
            char yb[24], yp[24], from[40], to[40], yd[1024];
            int year = (int)num(y, "year");
            snprintf(from, sizeof from, "%s %d", tx->months[9], year);
            snprintf(to, sizeof to, "%s %d", tx->months[8], year + 1);
            district_text(tx, json_object_get(y, "by_district"), NULL, NAMES, yd, sizeof yd);
            struct template_var yv[] = {
                {"batches", int_text(num(y, "batches"), yb)},
                {"participants", int_text(num(y, "participants"), yp)},
                {"from", from},
                {"to", to},
                {"district_list", yd},
            };
            line(tx, "report_t_year", yv, 5);
        }
    }
    json_t *programmes = json_object_get(report, "programmes");
    if (json_array_size(programmes)) {
        line(tx, "report_t_programmes", NULL, 0);
        size_t i;
        json_t *p;
        json_array_foreach(programmes, i, p)
        {
            char pb[24], pn[24], pd[24], pnd[24], from[40], to[40], pdist[1024];
            district_text(tx, json_object_get(p, "by_district"), NULL, COUNTS, pdist, sizeof pdist);
            struct template_var pv[] = {
                {"programme", json_string_value(json_object_get(p, "programme"))},
                {"batches", int_text(num(p, "batches"), pb)},
                {"participants", int_text(num(p, "participants"), pn)},
                {"disability", int_text(num(p, "disability"), pd)},
                {"no_disability", int_text(num(p, "no_disability"), pnd)},
                {"district_counts", pdist},
                {"from", date_words(tx, json_object_get(p, "from"), from)},
                {"to", date_words(tx, json_object_get(p, "to"), to)},
            };
            line(tx, "report_t_programme", pv, 8);
        }
    }
    line(tx, "report_t_by_batch", NULL, 0);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(report, "batches"), i, f)
        text_figure(tx, f, json_string_value(json_object_get(f, "batch")));
    const char *word = templates_get(tx->t, tx->lang, "report_t_total_word");
    text_figure(tx, total, word ? word : "Total");
}

/* ---- CSV ---- */

/* A CSV field: quoted when it holds a comma, a semicolon, a quote or a line break. */
static void csv_field(const char *s)
{
    if (!strpbrk(s, ",;\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* batch,measure,key,answer,count,percent (percent empty when the figure is not a share). */
static void csv_line(const char *batch, const char *measure, const char *key, const char *answer,
                     json_int_t count, json_t *percent)
{
    csv_field(batch);
    printf(",%s,", measure);
    csv_field(key);
    putchar(',');
    csv_field(answer);
    printf(",%lld,", (long long)count);
    if (percent) {
        long long tenths = (long long)(json_real_value(percent) * 10.0 + 0.5);
        printf("%lld.%lld", tenths / 10, tenths % 10);
    }
    putchar('\n');
}

static json_t *share(json_int_t n, json_int_t of)
{
    return json_real((double)training_percent_tenths(n, of) / 10.0);
}

static void print_csv(const char *name, json_t *f)
{
    json_int_t total = num(f, "participants");
    csv_line(name, "participants", "", "", total, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(f, "by_programme"), k, v)
    {
        json_t *p = share(json_integer_value(v), total);
        csv_line(name, "programme", k, "", json_integer_value(v), p);
        json_decref(p);
    }
    json_object_foreach(json_object_get(f, "by_district"), k, v)
    {
        json_t *p = share(json_integer_value(v), total);
        csv_line(name, "district", k, "", json_integer_value(v), p);
        json_decref(p);
    }
    json_object_foreach(json_object_get(f, "by_sex"), k, v)
    {
        json_t *p = share(json_integer_value(v), total);
        csv_line(name, "sex", k, "", json_integer_value(v), p);
        json_decref(p);
    }
    csv_line(name, "disability", "", "", num(f, "disability"),
             json_object_get(f, "disability_percent"));
    json_object_foreach(json_object_get(f, "by_district_disability"), k, v)
    {
        json_int_t in = num(json_object_get(f, "by_district"), k);
        json_t *y = share(num(v, "yes"), in), *no = share(num(v, "no"), in);
        csv_line(name, "district_disability", k, "yes", num(v, "yes"), y);
        csv_line(name, "district_disability", k, "no", num(v, "no"), no);
        json_decref(y);
        json_decref(no);
    }
    size_t i;
    json_array_foreach(json_object_get(f, "sessions"), i, v)
    {
        char n[24];
        csv_line(name, "session", int_text(num(v, "session"), n), "", num(v, "present"),
                 json_object_get(v, "percent"));
    }
    csv_line(name, "completed_all", "", "", num(f, "completed_all"),
             json_object_get(f, "completed_all_percent"));
    csv_line(name, "discussion", "", "", num(f, "discussion"),
             json_object_get(f, "discussion_percent"));
    json_t *pct = json_object_get(f, "answers_pct");
    json_object_foreach(json_object_get(f, "answers"), k, v)
    {
        const char *a;
        json_t *n;
        json_object_foreach(v, a, n) csv_line(name, "answer", k, a, json_integer_value(n),
                                              json_object_get(json_object_get(pct, k), a));
    }
    json_object_foreach(json_object_get(f, "answers_by_session"), k, v)
    {
        const char *q;
        json_t *counts;
        json_object_foreach(v, q, counts)
        {
            char key[48];
            snprintf(key, sizeof key, "%s:%s", k, q);
            const char *a;
            json_t *n;
            json_object_foreach(counts, a, n)
                csv_line(name, "session_answer", key, a, json_integer_value(n), NULL);
        }
    }
    json_array_foreach(json_object_get(f, "indicators"), i, v)
    {
        const char *ind = json_string_value(json_object_get(v, "indicator"));
        csv_line(name, "indicator", ind, "after", num(v, "yes"), json_object_get(v, "percent"));
        json_t *before = json_object_get(v, "before");
        if (before)
            csv_line(name, "indicator", ind, "before", num(before, "yes"),
                     json_object_get(before, "percent"));
    }
}

/* ---- the command ---- */

static int training(int argc, char **argv, const char *config_path)
{
    const char *batch = NULL, *programme = NULL, *format = "text";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return usage(true);
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = argv[++i];
        else if (strcmp(argv[i], "--programme") == 0 && i + 1 < argc)
            programme = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else
            return usage(false);
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage(false);
    char err[512];
    struct config *cfg = config_load(config_path, err, sizeof err);
    struct templates *tpl = NULL;
    if (cfg && strcmp(format, "text") == 0)
        tpl = templates_load(templates_find_dir(config_get(cfg, "server", "templates")), err,
                             sizeof err);
    struct store *s = cfg && (tpl || strcmp(format, "text") != 0)
                          ? store_open(config_database(cfg), err, sizeof err)
                          : NULL;
    int tz = 0;
    if (!s || format_parse_tz(config_get(cfg, "locale", "timezone"), &tz) != 0) {
        fprintf(stderr, "catat: %s\n", s ? "[locale] timezone must look like +07:00" : err);
        store_close(s);
        templates_free(tpl);
        config_free(cfg);
        return 1;
    }
    char code[32], prog[32];
    commands_upper_code(batch, code, sizeof code);
    commands_upper_code(programme, prog, sizeof prog);
    int why = 0, status = 0;
    json_t *report = training_report(s, code, prog, tz, &why);
    if (!report) {
        if (why == 1)
            fprintf(stderr, "catat report: no batch %s\n", code);
        else
            fprintf(stderr, "catat report: database error (see the log)\n");
        status = 1;
    } else if (strcmp(format, "json") == 0) {
        char *text = json_dumps(report, TRAINING_REPORT_JSON_FLAGS);
        if (text)
            printf("%s\n", text);
        status = text ? 0 : 1;
        free(text);
    } else if (strcmp(format, "csv") == 0) {
        printf("batch,measure,key,answer,count,percent\n");
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(report, "batches"), i, f)
            print_csv(json_string_value(json_object_get(f, "batch")), f);
        print_csv("TOTAL", json_object_get(report, "total"));
    } else {
        struct text tx = {.t = tpl, .lang = config_get(cfg, "locale", "language")};
        const char *months = templates_get(tpl, tx.lang, "report_t_months");
        for (int m = 0; m < 12; m++) {
            const char *comma = months ? strchr(months, ',') : NULL;
            size_t len = months ? (comma ? (size_t)(comma - months) : strlen(months)) : 0;
            snprintf(tx.months[m], sizeof tx.months[m], "%.*s", (int)len, months ? months : "");
            if (!tx.months[m][0])
                snprintf(tx.months[m], sizeof tx.months[m], "%02d", m + 1);
            months = comma ? comma + 1 : NULL;
        }
        print_text(&tx, report);
    }
    json_decref(report);
    store_close(s);
    templates_free(tpl);
    config_free(cfg);
    return status;
}

int cmd_report(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc >= 2 && strcmp(argv[1], "--help") == 0)
        return usage(true);
    if (argc >= 2 && strcmp(argv[1], "training") == 0)
        return training(argc, argv, config_path);
    if (argc >= 2 && strcmp(argv[1], "loans") == 0)
        return report_loans(argc, argv, config_path);
    return usage(false);
}
