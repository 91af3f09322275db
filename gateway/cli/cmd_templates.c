/* cmd_templates.c - `catat templates check`: every template in every language renders, with its
 * length and SMS segments with worst-case values filled in; a reply, notice or reminder over one
 * GSM-7 SMS (digests and reports three), a double space or an unfilled value is an error. */
#include "commands.h"

#include "config.h"
#include "domain.h"
#include "sms.h"
#include "templates.h"

#include <stdio.h>
#include <string.h>

/* Worst-case values: the longest names and items people write or import (they are shortened
 * by domain_render, as in real replies), the largest amount, long codes. */
#define BIG "Rp1.000.000.000"
static const struct template_var samples[] = {
    {"amount", BIG},
    {"item", " 999 bungkus abon ikan tongkol pedas manis khas Blitar ukuran besar"},
    {"ref", "K7QX"},
    {"earlier", "K7QX"},
    {"name", "Sri Rahayu Ningsih Kusumawardhani Putri Lestari Handayani"},
    {"group", "KPUK-MAWAR07"},
    {"code", "A0123"},
    {"cmd", "Pengeluaran"},
    {"loan", "P-2026-012"},
    {"outstanding", BIG},
    {"total", BIG},
    {"savings", BIG},
    {"next_amount", BIG},
    {"next_due", "2026-11-30"},
    {"due_day", "30/11"},
    {"sales", BIG},
    {"expenses", BIG},
    {"net", "-Rp999.999.999"},
    {"members", "100"},
    {"repaid", BIG},
    {"waiting", BIG},
    {"arrears_members", "100"},
    {"arrears", BIG},
    {"count", "100"},
    {"ok", "3"},
    {"failed", "3"},
    {"refs", "K7QX M4TP 6NJ7 MVLX FTMG"},
    {"list", "K7QX Kusumawardhani Rp1.000.000.000, M4TP Ani Rp150.000, 6NJ7 Rina Rp10.000"},
    {"more", "97"},
    {"staff", "Sri Rahayu Ningsih Kusumawardhani"},
    {"status", "sudah sah"},
    {"due", "2026-11-30"},
    {"days", "365"},
    {"oldest", "365"},
    {"late_count", "12"},
    {"batch", "GT07"},
    {"session", "2"},
    {"title", "Keadilan Gender pada Perempuan Pengusaha"},
    {"time", "2026-11-30 19:00"},
    {"material", "https://youtu.be/abcdefghijk"},
    {"answers", "1A 2C 3B 4Y 5N 6A 7B 8C 9D 10E"},
    {"date", "2026-11-30"},
    {"reports", "480"},
    {"waiting_n", "30"},
    {"present", "100"},
    {"example_qty", "JUAL 3 bks abon 45rb"},
    {"meant", "Rp499.000"},
    {"bare", "499"},
    {"kw", "TABUNG"},
    {"target", "KPUK-MAWAR07"},
    {"left", "Rp1.250.000"},
    {"suggestion", "A0123 Rp1.250.000 P12"},
    {"savings_waiting", " (+Rp150.000 menunggu)"},
    {"repayment_waiting", " (Rp150.000 menunggu)"},
    {"late", ", terlambat 12 hari"},
    {"saved_waiting", "Rp150.000"},
    {"withdrawn_waiting", "Rp50.000"},
    {"withdrawals", "Rp50.000"},
    {"sessions", "1-3"},
    {"first", "1"},
    {"survey",
     "\nSurvei: 1) Laki-laki dan perempuan berhak atas akses yang sama (YA/TIDAK)\nJawab: "
     "JAWAB 1YA"},
    {"questions", "1) Laki-laki dan perempuan berhak atas akses yang sama (YA/TIDAK)"},
    {"example", "1YA 2A 3A"},
    {"given", "4TIDAK"},
    {"valid", "1 YA/TIDAK, 2 A-E, 3 A-E"},
    /* the training report's lines (catat report training) */
    {"indent", "  "},
    {"yes", "1774"},
    {"of", "2029"},
    {"percent", "87,4"},
    {"text", "menyetujui akses yang sama terhadap sumber daya"},
    {"indicator", "akses_setara"},
    {"before_session", "1"},
    {"before_yes", "1027"},
    {"before_percent", "50,6"},
    {"participants", "2029"},
    {"male", "2029"},
    {"female", "0"},
    {"disability", "94"},
    {"no_disability", "39"},
    {"districts", "Blitar 32 (disabilitas 20), Kediri 24 (disabilitas 18)"},
    {"completed", "1800"},
    {"discussion", "1200"},
    {"question", "1"},
    {"counts", "Y 21, N 7"},
    {"batches", "77"},
    {"district_list", "Trenggalek, Gresik dan Surabaya"},
    {"programme", "WEE"},
    {"district_counts", "613 peserta Trenggalek, 285 peserta Gresik"},
    {"from", "1 Juni 2020"},
    {"to", "29 Agustus 2021"},
};

/* How many SMS a template may take: digests, reports staff ask for and session material
 * (whose text trainers write) three; every other reply, notice and reminder one (product.md
 * s. 7). Fragments put together by code (cmd_, example_, kw_, status_) are measured where used. */
static int segments_allowed(const char *key)
{
    if (strncmp(key, "report_t_", 9) == 0)
        return 1000; /* lines of `catat report training`, printed, never sent */
    if (strncmp(key, "digest_", 7) == 0 || strcmp(key, "report") == 0 ||
        strcmp(key, "session_material") == 0)
        return 3;
    return 1;
}

int cmd_templates(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc != 2 || strcmp(argv[1], "check") != 0) {
        bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(
            help ? stdout : stderr,
            "usage: catat templates check [-c FILE]\n\nRenders every reply template in "
            "every language with worst-case values (long names and items, Rp1.000.000.000)\nand "
            "prints its length and SMS segments. Exits 1 when a reply, notice or reminder\n"
            "needs more than one GSM-7 SMS (digests and reports: three), holds a double "
            "space,\nor a language lacks a key the id language has.\n");
        return help ? 0 : 2;
    }
    char err[512];
    struct config *cfg = config_load(config_path, err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "catat: %s\n", err);
        return 1;
    }
    const char *dir = templates_find_dir(config_get(cfg, "server", "templates"));
    struct templates *t = templates_load(dir, err, sizeof err);
    if (!t) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        return 1;
    }
    const char *langs[8], *keys[256], *other[256];
    size_t nl = templates_languages(t, langs, 8), nk = templates_keys(t, "id", keys, 256);
    int problems = 0;
    printf("%-4s %-28s %5s %4s %s\n", "lang", "template", "chars", "sms", "encoding");
    for (size_t l = 0; l < nl; l++) {
        size_t no = templates_keys(t, langs[l], other, 256);
        for (size_t k = 0; k < nk; k++) {
            bool present = false;
            for (size_t j = 0; j < no && !present; j++)
                present = strcmp(other[j], keys[k]) == 0;
            char out[2048];
            domain_render(t, langs[l], keys[k], samples, sizeof samples / sizeof samples[0], out,
                          sizeof out);
            bool ucs2 = false;
            int segments = sms_segments(out, strlen(out), &ucs2);
            bool printed = strncmp(keys[k], "report_t_", 9) == 0; /* indented on purpose */
            /* A reply with a shorter variant (balance, balance_short) is measured by its code
             * with the real values, which falls back to the shorter one and then drops what is
             * waiting (ledger.c do_balance): the longest samples need not fit here. */
            char shorter[96];
            snprintf(shorter, sizeof shorter, "%s_short", keys[k]);
            bool measured_by_code =
                templates_get(t, langs[l], shorter) ||
                (strlen(keys[k]) > 6 && strcmp(keys[k] + strlen(keys[k]) - 6, "_short") == 0);
            int counted = measured_by_code ? 1 : segments;
            bool bad = !present || counted > segments_allowed(keys[k]) || ucs2 ||
                       strchr(out, '{') || (!printed && strstr(out, "  "));
            printf("%-4s %-28s %5zu %4d %s%s%s\n", langs[l], keys[k], strlen(out), segments,
                   ucs2 ? "ucs2" : "gsm7", !present ? "  MISSING" : "",
                   bad && present ? "  TOO LONG OR UNFILLED" : "");
            problems += bad;
        }
    }
    printf("%d problem%s\n", problems, problems == 1 ? "" : "s");
    templates_free(t);
    config_free(cfg);
    return problems ? 1 : 0;
}
