/* cmd_templates.c - `catat templates check`: every template in every language renders, with its
 * length and SMS segments; a confirmation over one SMS segment is an error. */
#include "commands.h"

#include "config.h"
#include "sms.h"
#include "templates.h"

#include <stdio.h>
#include <string.h>

/* Sample values as long as real ones get, so the lengths checked are honest. */
static const struct template_var samples[] = {
    {"amount", "Rp1.250.000"},
    {"item", " abon ikan tongkol"},
    {"ref", "K7QX"},
    {"name", "Siti Aminah"},
    {"group", "KPUK07"},
    {"code", "A0123"},
    {"cmd", "Penjualan"},
    {"loan", "P12"},
    {"outstanding", "Rp1.250.000"},
    {"total", "Rp1.250.000"},
    {"savings", "Rp1.250.000"},
    {"next_amount", "Rp150.000"},
    {"next_due", "2026-11-30"},
    {"sales", "Rp1.250.000"},
    {"expenses", "Rp750.000"},
    {"net", "Rp500.000"},
    {"members", "25"},
    {"repaid", "Rp1.250.000"},
    {"waiting", "Rp150.000"},
    {"arrears_members", "3"},
    {"arrears", "Rp450.000"},
    {"count", "25"},
    {"staff", "Bu Rina"},
    {"status", "confirmed"},
    {"due", "2026-11-30"},
    {"days", "12"},
    {"batch", "GT07"},
    {"session", "2"},
    {"title", "Keadilan Gender pada Perempuan Pengusaha"},
    {"time", "2026-11-30 19:00"},
    {"material", "https://youtu.be/abcdefghijk"},
    {"answers", "1A 2C 3B 4Y 5N"},
    {"date", "2026-11-30"},
    {"reports", "48"},
    {"waiting_n", "3"},
    {"failed", "2"},
    {"present", "23"},
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

/* Keys that must fit one SMS: confirmations and error answers (product.md sections 1 and 7). */
static bool one_segment(const char *key)
{
    return strncmp(key, "error_", 6) == 0 || strstr(key, "_ok") || strstr(key, "_confirmed") ||
           strstr(key, "_reported") || strcmp(key, "not_registered") == 0;
}

int cmd_templates(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc != 2 || strcmp(argv[1], "check") != 0) {
        bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: catat templates check [-c FILE]\n\nRenders every reply template in "
                "every language with sample values and prints\nits length and SMS segments. "
                "Exits 1 when a confirmation or error reply needs\nmore than one SMS, or a "
                "language lacks a key the id language has.\n");
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
            templates_render(t, langs[l], keys[k], samples, sizeof samples / sizeof samples[0], out,
                             sizeof out);
            bool ucs2 = false;
            int segments = sms_segments(out, strlen(out), &ucs2);
            bool bad = !present || (one_segment(keys[k]) && segments > 1) || strchr(out, '{');
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
