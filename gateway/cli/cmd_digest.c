/* cmd_digest.c - `catat digest [--now TIME] [--group CODE] [--print|--send]`: the daily digest. */
#include "commands.h"

#include "config.h"
#include "digest.h"
#include "runtime.h"
#include "store.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat digest [--now TIME] [--group CODE] [--print|--send] [-c FILE]\n\n"
            "Builds the daily digest of the 24 hours before TIME (ISO 8601 with offset; default\n"
            "now): per group, per network and per training batch. --print (the default) writes\n"
            "it to standard output; --send queues it to the staff (treasurers, facilitators and\n"
            "admins of the group, facilitators and admins of the network, the batch's trainers),\n"
            "once per person and day; on SMS it is cut to 3 segments.\n");
    return help ? 0 : 2;
}

int cmd_digest(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    struct digest_opts o = {.now = (int64_t)time(NULL)};
    char group[32] = "";
    bool print = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return usage(true);
        if (strcmp(argv[i], "--print") == 0)
            print = true;
        else if (strcmp(argv[i], "--send") == 0)
            o.send = true;
        else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc) {
            /* The last --group counts, written over whatever an earlier one left. */
            commands_upper_code(argv[++i], group, sizeof group);
            o.group = group;
        } else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
            if (commands_parse_now(argv[++i], &o.now) != 0)
                return 2;
        } else
            return usage(false);
    }
    if (print || !o.send)
        o.print = stdout;
    struct runtime rt;
    struct store *s = commands_open_runtime_store(&rt, config_path);
    if (!s)
        return 1;
    int n = -1;
    if (store_begin(s) == 0) {
        n = digest_run(&rt.domain, &rt.reach, s, &o);
        if (n >= 0 && store_commit(s) != 0)
            n = -1;
        if (n < 0)
            store_rollback(s);
    }
    if (n < 0)
        fprintf(stderr, "catat digest: database error\n");
    else if (o.group && n == 0 && o.print)
        fprintf(stderr, "catat digest: no group %s\n", group);
    else if (o.send)
        fprintf(stderr, "%d digest%s queued\n", n, n == 1 ? "" : "s");
    store_close(s);
    runtime_close(&rt);
    return n < 0 || (o.group && n == 0 && o.print) ? 1 : 0;
}
