/* report_loans.c - `catat report loans [--period YYYY-MM|YYYYQn]`: the LKP's monthly or quarterly
 * figures per group, network and in total (computed by domain/books.c), as text, CSV or JSON. */
#include "commands.h"

#include "books.h"
#include "config.h"
#include "format.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat report loans [--period YYYY-MM|YYYYQn] [--format text|csv|json]\n"
            "                          [-c FILE]\n\n"
            "The LKP's figures of a month (2026-11) or a quarter (2026Q4; default: the current\n"
            "month) per group, per network and in total, from confirmed entries only:\n"
            "loans active and outstanding (principal and interest) at the period's end,\n"
            "principal disbursed, principal and interest repaid in the period, members in\n"
            "arrears, PAR30 (outstanding of loans with an instalment more than 30 days late),\n"
            "savings in, out and balance, sales and expenses. Text is in [locale] language.\n");
    return help ? 0 : 2;
}

/* The figures in the order of product.md section 4, with their labels. */
struct measure {
    const char *key, *id, *en;
    bool money;
};
static const struct measure measures[] = {
    {"loans_active", "Pinjaman aktif", "Loans active", false},
    {"disbursed", "Pinjaman dicairkan", "Disbursed", true},
    {"repaid_principal", "Angsuran pokok", "Principal repaid", true},
    {"repaid_interest", "Angsuran jasa/bunga", "Interest repaid", true},
    {"outstanding", "Sisa pinjaman", "Outstanding", true},
    {"in_arrears", "Anggota menunggak", "Members in arrears", false},
    {"par30", "PAR30 (telat >30 hari)", "PAR30 (over 30 days late)", true},
    {"savings_in", "Tabungan masuk", "Savings in", true},
    {"savings_out", "Tabungan ditarik", "Savings withdrawn", true},
    {"savings_balance", "Saldo tabungan", "Savings balance", true},
    {"sales", "Penjualan", "Sales", true},
    {"expenses", "Pengeluaran", "Expenses", true},
};
#define N_MEASURES (sizeof measures / sizeof measures[0])

static void values(const struct books_figures *f, int64_t out[N_MEASURES])
{
    const int64_t v[] = {f->loans_active,    f->disbursed,   f->repaid_principal,
                         f->repaid_interest, f->outstanding, f->in_arrears,
                         f->par30,           f->savings_in,  f->savings_out,
                         f->savings_balance, f->sales,       f->expenses};
    _Static_assert(sizeof v / sizeof v[0] == N_MEASURES, "a value per measure");
    memcpy(out, v, sizeof v);
}

static json_t *figures_json(const char *name_key, const char *name, const char *network,
                            const struct books_figures *f)
{
    json_t *o = json_object();
    if (name_key)
        json_object_set_new(o, name_key, json_string(name));
    if (network)
        json_object_set_new(o, "network", network[0] ? json_string(network) : json_null());
    int64_t v[N_MEASURES];
    values(f, v);
    for (size_t i = 0; i < N_MEASURES; i++)
        json_object_set_new(o, measures[i].key, json_integer((json_int_t)v[i]));
    return o;
}

static void print_json(const char *period, const struct books_report *r)
{
    json_t *groups = json_array(), *networks = json_array();
    for (size_t i = 0; i < r->n_groups; i++)
        json_array_append_new(groups, figures_json("group", r->groups[i].code, r->groups[i].network,
                                                   &r->groups[i].f));
    for (size_t i = 0; i < r->n_networks; i++)
        json_array_append_new(
            networks, figures_json("network", r->networks[i].code, NULL, &r->networks[i].f));
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "period", period, "from", r->from,
                            "to", r->to, "groups", groups, "networks", networks, "total",
                            figures_json(NULL, NULL, NULL, &r->total));
    char *text = out ? json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(out);
}

/* One table: each row carries the period, so rows of several reports can be stacked. */
static void csv_row(const struct books_report *r, const char *period, const char *scope,
                    const char *code, const char *network, const struct books_figures *f)
{
    int64_t v[N_MEASURES];
    values(f, v);
    printf("%s,%s,%s,%s,%s,%s", period, r->from, r->to, scope, code, network);
    for (size_t i = 0; i < N_MEASURES; i++)
        printf(",%lld", (long long)v[i]);
    printf("\r\n");
}

static void print_csv(const char *period, const struct books_report *r)
{
    printf("period,from,to,scope,code,network");
    for (size_t i = 0; i < N_MEASURES; i++)
        printf(",%s", measures[i].key);
    printf("\r\n");
    for (size_t i = 0; i < r->n_groups; i++)
        csv_row(r, period, "group", r->groups[i].code, r->groups[i].network, &r->groups[i].f);
    for (size_t i = 0; i < r->n_networks; i++)
        csv_row(r, period, "network", r->networks[i].code, "", &r->networks[i].f);
    csv_row(r, period, "total", "", "", &r->total);
}

static void text_block(bool id, const char *title, const struct books_figures *f)
{
    int64_t v[N_MEASURES];
    values(f, v);
    printf("\n%s\n", title);
    for (size_t i = 0; i < N_MEASURES; i++) {
        char amount[32];
        if (measures[i].money)
            format_rupiah(v[i], amount, sizeof amount);
        else
            snprintf(amount, sizeof amount, "%lld", (long long)v[i]);
        printf("  %-28s %18s\n", id ? measures[i].id : measures[i].en, amount);
    }
}

static void print_text(bool id, const char *period, const struct books_report *r)
{
    printf(id ? "Laporan pinjaman dan tabungan %s (%s s.d. %s)\n"
              : "Loans and savings report %s (%s to %s)\n",
           period, r->from, r->to);
    char title[96];
    for (size_t i = 0; i < r->n_groups; i++) {
        if (r->groups[i].network[0])
            snprintf(title, sizeof title, id ? "Grup %s (jaringan %s)" : "Group %s (network %s)",
                     r->groups[i].code, r->groups[i].network);
        else
            snprintf(title, sizeof title, id ? "Grup %s" : "Group %s", r->groups[i].code);
        text_block(id, title, &r->groups[i].f);
    }
    for (size_t i = 0; i < r->n_networks; i++) {
        snprintf(title, sizeof title, id ? "Jaringan %s" : "Network %s", r->networks[i].code);
        text_block(id, title, &r->networks[i].f);
    }
    text_block(id, id ? "Jumlah" : "Total", &r->total);
}

int report_loans(int argc, char **argv, const char *config_path)
{
    const char *period_arg = NULL, *format = "text";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return usage(true);
        if (strcmp(argv[i], "--period") == 0 && i + 1 < argc)
            period_arg = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else
            return usage(false);
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage(false);
    struct config *cfg = commands_load_config(config_path);
    if (!cfg)
        return 1;
    int tz = 0;
    if (format_parse_tz(config_get(cfg, "locale", "timezone"), &tz) != 0) {
        fprintf(stderr, "catat: [locale] timezone must look like +07:00\n");
        config_free(cfg);
        return 1;
    }
    char period[16], from[11], to[11];
    if (period_arg) {
        snprintf(period, sizeof period, "%s", period_arg);
        if (strlen(period) == 6 && period[4] == 'q')
            period[4] = 'Q';
    } else { /* this month, in [locale] timezone */
        char today[11];
        format_date((int64_t)time(NULL), tz, today, sizeof today);
        snprintf(period, sizeof period, "%.7s", today);
    }
    if (strlen(period_arg ? period_arg : period) > 7 || books_parse_period(period, from, to) != 0) {
        fprintf(stderr,
                "catat report loans: --period \"%s\" must be a month YYYY-MM (2026-11) or "
                "a quarter YYYYQn (2026Q4)\n",
                period_arg ? period_arg : period);
        config_free(cfg);
        return 2;
    }
    char err[512];
    struct store *s = store_open(config_database(cfg), err, sizeof err);
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        return 1;
    }
    struct books_report r;
    int status = 0;
    if (books_report(s, from, to, tz, &r) != 0) {
        fprintf(stderr, "catat report loans: database error (see the log)\n");
        status = 1;
    } else {
        if (strcmp(format, "json") == 0)
            print_json(period, &r);
        else if (strcmp(format, "csv") == 0)
            print_csv(period, &r);
        else
            print_text(strcmp(config_get(cfg, "locale", "language"), "en") != 0, period, &r);
        books_report_free(&r);
        if (fflush(stdout) != 0 || ferror(stdout))
            status = 1;
    }
    store_close(s);
    config_free(cfg);
    return status;
}
