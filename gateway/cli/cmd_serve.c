/* cmd_serve.c - `catat serve`: the gateway until SIGTERM or SIGINT. */
#include "commands.h"

#include "config.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "runtime.h"
#include "scheduler.h"
#include "store.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int cmd_serve(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc > 1) {
        bool help = strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: catat serve [-c FILE]\n\nRuns the gateway: webhooks on [server] listen "
                "and port, the outbox, /healthz and /metrics.\nStops cleanly on SIGTERM or "
                "SIGINT. Every key of FILE can be overridden by CATAT_<SECTION>_<KEY>.\n");
        return help ? 0 : 2;
    }
    /* Signals are taken by sigwait below; every thread started from here inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    struct runtime rt;
    if (runtime_open(&rt, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "catat: %s\n", err);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *db_path = config_database(rt.cfg);
    /* Migrate once, before any thread opens its own connection. */
    struct store *s = store_open(db_path, err, sizeof err);
    store_close(s);
    struct outbox *ob = s ? outbox_start(&rt, db_path, err, sizeof err) : NULL;
    struct scheduler *sched =
        ob ? scheduler_start(&rt, ob, db_path,
                             (int)config_get_long(rt.cfg, "scheduler", "tick_seconds"), err,
                             sizeof err)
           : NULL;
    struct ingest *ing = sched ? ingest_start(&rt.pipeline, ob, db_path, err, sizeof err) : NULL;
    struct http_server *srv = ing ? http_start(&rt, ing, ob, db_path, err, sizeof err) : NULL;
    if (!srv) {
        fprintf(stderr, "catat: %s\n", err);
        ingest_stop(ing);
        scheduler_stop(sched);
        outbox_stop(ob);
        runtime_close(&rt);
        curl_global_cleanup();
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    log_event(LOG_INFO, "stopping", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
    http_stop(srv);
    ingest_stop(ing);
    scheduler_stop(sched);
    outbox_stop(ob);
    runtime_close(&rt);
    curl_global_cleanup();
    log_event(LOG_INFO, "stopped", NULL);
    return 0;
}
