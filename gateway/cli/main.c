/* main.c - the catat command line: subcommand dispatch only. */
#include "commands.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", cmd_serve, "run the gateway: HTTP webhooks, outbox, scheduler"},
    {"parse", cmd_parse, "print what the parser makes of messages (JSON)"},
    {"simulate", cmd_simulate, "type messages as a phone and read the replies"},
    {"import", cmd_import, "load groups, members or loans from CSV"},
    {"export", cmd_export,
     "write messages, members, the ledger, loans or attendance as CSV or JSON"},
    {"remind", cmd_remind, "queue the loan and training reminders due now (or --now TIME)"},
    {"digest", cmd_digest, "the daily digest for staff: --print or --send"},
    {"report", cmd_report, "report training: e-training results (text, csv, json)"},
    {"db", cmd_db, "database: migrate, backup FILE, copy --to URL"},
    {"config", cmd_config, "print the configuration in effect, or --keys: every key known"},
    {"templates", cmd_templates, "templates check: render every reply template"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: catat COMMAND [-c FILE] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEach command has --help. -c FILE picks the configuration (default catat.ini "
               "if present).\n");
}

int main(int argc, char **argv)
{
    log_init_from_env();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("catat %s\n", CATAT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "catat: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
