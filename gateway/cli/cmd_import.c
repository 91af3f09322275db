/* cmd_import.c - `catat import groups|members|loans|batches|participants|surveys FILE.csv`:
 * reads the file and hands it to import.c, which loads all of it or none, reporting
 * FILE:LINE: reason. */
#include "commands.h"

#include "config.h"
#include "import.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kinds[] = {"groups",  "members",      "loans",
                                    "batches", "participants", "surveys"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: catat import groups|members|loans|batches|participants|surveys FILE.csv"
            " [-c FILE]\n\n"
            "Loads a CSV file (RFC 4180: a header line, commas, \"quoted, fields\", UTF-8 with or\n"
            "without a BOM, LF or CRLF). Columns may come in any order; optional ones may be\n"
            "left out; an unknown column is an error. Fields are separated by commas or, when the\n"
            "header has more of them, semicolons. FILE - reads standard input.\n\n"
            "  groups.csv   code,name,network,district,timezone\n"
            "               (code required; timezone +07:00, +08:00 or +09:00, default [locale]\n"
            "               timezone; a network is created from its code, or from its name\n"
            "               when it holds spaces: \"JARPUK Ngudi Lestari\" makes the code\n"
            "               JARPUK-NGUDI-LESTARI)\n"
            "  members.csv  phone,name,group,role,language,code,channel (a phone on several\n"
            "               lines with different codes is a handset shared by those members)\n"
            "               (phone and name required; group required except for trainers and\n"
            "               admins; role member (default), treasurer, facilitator, trainer,\n"
            "               admin; language id or en; a member code like A0007 is made up\n"
            "               when code is left out)\n"
            "  loans.csv    code,phone,principal,instalment,instalments,frequency,first_due,\n"
            "               disbursed,member (the member must exist; member: her code, needed\n"
            "               when the phone is shared; frequency weekly or monthly;\n"
            "               dates YYYY-MM-DD; instalment defaults to principal / instalments;\n"
            "               instalment x instalments - principal is the interest, spread\n"
            "               evenly; disbursed defaults to the day before the first instalment\n"
            "               period)\n"
            "  batches.csv  batch,session,starts_at,title,material,trainer (one row per\n"
            "               session; starts_at ISO 8601 with offset; trainer optional, her\n"
            "               member code or phone: a batch without one is every trainer's)\n"
            "  participants.csv  phone,name,batch,sex,age,district,disability,relation,channel,\n"
            "               programme (batch imported first; sex L or P; disability yes or no;\n"
            "               programme such as WEE or PWD)\n"
            "  surveys.csv  batch,session,question,kind,text,indicator,agree (one question a\n"
            "               row, of a session imported first; kind yesno or choice; indicator a\n"
            "               short name such as akses_setara shared by the question asked before\n"
            "               and after; agree the letters of a choice question that count toward\n"
            "               it, such as A or AB; a yesno question counts YA)\n\n"
            "Loan schedules: instalments fall due every 7 days (weekly) or on the same day of\n"
            "each month, the month's last day when it is shorter (monthly). They add up to the\n"
            "principal: every instalment is `instalment` and the last takes what is left, so\n"
            "instalment x instalments may differ from principal by up to half an instalment\n"
            "(rounding); a larger difference is an error (catat adds no interest: put the\n"
            "whole amount to repay in principal).\n\n"
            "Every bad row is reported as FILE:LINE: reason and nothing of such a file is\n"
            "loaded (exit status 1). Importing a file again updates the rows with the same\n"
            "key (group code, member phone, loan code) instead of failing; an empty cell\n"
            "keeps what is stored. Repayments already recorded are spread over an updated\n"
            "loan schedule again.\n");
}

/* Reads the whole file (or standard input for "-") into a new buffer. */
static char *read_file(const char *path, size_t *len, char *err, size_t errsz)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if ((long)cap >= IMPORT_MAX_BYTES) {
                snprintf(err, errsz, "%s: larger than %ld bytes", path, IMPORT_MAX_BYTES);
                free(buf);
                buf = NULL;
                break;
            }
            char *grown = realloc(buf, cap * 2);
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
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errsz, "%s: %s", path, strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (!buf && !err[0])
        snprintf(err, errsz, "out of memory");
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int cmd_import(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    const char *kind = NULL;
    for (size_t i = 0; argc == 3 && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(argv[1], kinds[i]) == 0)
            kind = kinds[i];
    if (!kind) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[2];
    char err[512] = "";
    size_t len = 0;
    char *text = read_file(path, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "catat import: %s\n", err);
        return 1;
    }
    struct config *cfg = config_load(config_path, err, sizeof err);
    struct store *s = cfg ? store_open(config_database(cfg), err, sizeof err) : NULL;
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        config_free(cfg);
        free(text);
        return 1;
    }
    char summary[160];
    int rc = import_csv(s, cfg, kind, path, text, len, (int64_t)time(NULL), stderr, summary,
                        sizeof summary);
    if (rc == 0)
        printf("%s\n", summary);
    store_close(s);
    config_free(cfg);
    free(text);
    return rc == 0 ? 0 : 1;
}
