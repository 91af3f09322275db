/* cmd_parse.c - `catat parse [TEXT...]`: what the parser makes of messages, one JSON per line.
 *
 * Declared in commands.h as: int cmd_parse(int argc, char **argv); */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parse_json.h"

static void cmd_parse_usage(FILE *f)
{
    fputs("usage: catat parse [-c FILE] [--] [TEXT...]\n"
          "\n"
          "Prints what the parser makes of each message as one JSON object per line:\n"
          "  {\"text\": ..., \"commands\": [{\"cmd\": ..., \"amount\": ..., \"error\": ...}]}\n"
          "Each TEXT argument is one message; with none, each line of standard input is one.\n"
          "\n"
          "  -c, --config FILE   configuration file (accepted; parsing needs none)\n"
          "  --help              this text\n",
          f);
}

/* Parses one message and prints its JSON line; returns 0, or -1 when out of memory. */
static int cmd_parse_one(const char *text, size_t len, struct parse_result *r)
{
    parse_message(text, len, r);
    json_t *j = parse_result_to_json(text, len, r);
    if (!j)
        return -1;
    int rc = json_dumpf(j, stdout, JSON_COMPACT);
    json_decref(j);
    if (rc != 0 || fputc('\n', stdout) == EOF)
        return -1;
    return 0;
}

int cmd_parse(int argc, char **argv)
{
    int first = 1;
    while (first < argc) {
        const char *a = argv[first];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_parse_usage(stdout);
            return 0;
        }
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && first + 1 < argc) {
            first += 2;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            first++;
        }
        break;
    }
    struct parse_result *r = malloc(sizeof(*r));
    if (!r) {
        fputs("catat parse: out of memory\n", stderr);
        return 1;
    }
    int rc = 0;
    if (first < argc) {
        for (int i = first; i < argc && rc == 0; i++)
            rc = cmd_parse_one(argv[i], strlen(argv[i]), r);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
            size_t len = (size_t)n;
            if (len > 0 && line[len - 1] == '\n')
                len--;
            if (len > 0 && line[len - 1] == '\r')
                len--;
            rc = cmd_parse_one(line, len, r);
        }
        free(line);
    }
    free(r);
    if (fflush(stdout) != 0)
        rc = -1;
    if (rc != 0) {
        fputs("catat parse: cannot write output\n", stderr);
        return 1;
    }
    return 0;
}
