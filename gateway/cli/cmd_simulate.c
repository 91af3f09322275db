/* cmd_simulate.c - `catat simulate --from PHONE`: type as a member, read the replies, on the real
 * pipeline and database (through the console channel). */
#include "commands.h"

#include "channel.h"
#include "config.h"
#include "outbox.h"
#include "phone.h"
#include "pipeline.h"
#include "runtime.h"
#include "store.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmd_simulate(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    const char *from = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: catat simulate --from PHONE [-c FILE]\n\nType a message per line as "
                   "PHONE; each reply is printed. The messages go through\nthe console channel "
                   "into the configured database, as if they came over HTTP.\n");
            return 0;
        } else {
            fprintf(stderr, "catat simulate: unexpected \"%s\" (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!from) {
        fprintf(stderr, "catat simulate: --from PHONE is required\n");
        return 2;
    }
    char err[512];
    struct runtime rt;
    if (runtime_open(&rt, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "catat: %s\n", err);
        return 1;
    }
    char phone[PHONE_E164_MAX];
    if (phone_normalize(from, strlen(from), config_get(rt.cfg, "locale", "country_code"), phone) !=
        0) {
        fprintf(stderr, "catat simulate: \"%s\" is not a phone number\n", from);
        runtime_close(&rt);
        return 2;
    }
    const char *db_path = config_database(rt.cfg);
    struct store *s = store_open(db_path, err, sizeof err);
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        runtime_close(&rt);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bool tty = isatty(STDIN_FILENO);
    if (tty)
        printf("Typing as %s. One message per line; Ctrl-D ends.\n> ", phone);
    fflush(stdout);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = 0;
    long n = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        struct channel_events ev = {0};
        struct channel_inbound *in = channel_events_add_inbound(&ev, line, (size_t)len);
        struct pipeline_result res = {0};
        if (!in) {
            channel_events_free(&ev);
            status = 1;
            break;
        }
        snprintf(in->from, sizeof in->from, "%s", phone);
        snprintf(in->provider_id, sizeof in->provider_id, "simulate-%lld-%d-%ld",
                 (long long)time(NULL), (int)getpid(), n++);
        int rc = store_begin(s);
        if (rc == 0)
            rc = pipeline_inbound(&rt.pipeline, s, "console", in, NULL, (int64_t)time(NULL), true,
                                  &res);
        rc = rc == 0 ? store_commit(s) : (store_rollback(s), -1);
        if (rc != 0) {
            fprintf(stderr, "catat simulate: the message could not be stored\n");
            status = 1;
        } else if (res.replied) {
            printf("%s\n", res.reply);
        }
        channel_events_free(&ev);
        free(res.reply);
        /* Deliver what the message queued (its reply, broadcasts) as the server would. */
        outbox_drain(&rt, db_path, false);
        if (tty)
            printf("> ");
        fflush(stdout);
    }
    free(line);
    store_close(s);
    runtime_close(&rt);
    curl_global_cleanup();
    return status;
}
