/* cmd_remind.c - `catat remind [--now TIME] [--dry-run]`: queues the reminders due at TIME. */
#include "commands.h"

#include "config.h"
#include "format.h"
#include "reminders.h"
#include "runtime.h"
#include "store.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat remind [--now TIME] [--dry-run] [-c FILE]\n\n"
            "Queues the loan and training reminders due at TIME (ISO 8601 with offset, such as\n"
            "2026-11-23T08:00:00+07:00; default now). Running it twice for the same moment\n"
            "queues nothing twice. --dry-run prints one JSON object per reminder instead:\n"
            "{\"to\", \"kind\", \"send_at\", \"text\"}.\n");
    return help ? 0 : 2;
}

int cmd_remind(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    int64_t now = (int64_t)time(NULL);
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return usage(true);
        if (strcmp(argv[i], "--dry-run") == 0)
            dry_run = true;
        else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
            if (commands_parse_now(argv[++i], &now) != 0)
                return 2;
        } else
            return usage(false);
    }
    struct runtime rt;
    struct store *s = commands_open_runtime_store(&rt, config_path);
    if (!s)
        return 1;
    int n = -1;
    if (store_begin(s) == 0) {
        n = reminders_run(&rt.domain, &rt.reach, s, now, dry_run ? stdout : NULL);
        if (n >= 0 && !dry_run && store_commit(s) != 0)
            n = -1;
        if (n < 0 || dry_run)
            store_rollback(s);
    }
    if (n < 0)
        fprintf(stderr, "catat remind: database error, nothing queued\n");
    else if (!dry_run)
        printf("%d reminder%s queued\n", n, n == 1 ? "" : "s");
    store_close(s);
    runtime_close(&rt);
    return n < 0 ? 1 : 0;
}
