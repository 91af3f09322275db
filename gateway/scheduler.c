/* scheduler.c - reminders and digests from inside `catat serve`, once a minute on the real clock.
 */
#include "scheduler.h"

#include "config.h"
#include "digest.h"
#include "log.h"
#include "outbox.h"
#include "reminders.h"
#include "runtime.h"
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct scheduler {
    struct runtime *rt; /* borrowed */
    struct outbox *ob;  /* borrowed */
    struct store *s;    /* this thread's own connection */
    int tick_seconds;
    pthread_t thread;
    pthread_mutex_t tick_mu; /* one pass at a time: the thread's and scheduler_tick's */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* One pass: each job in its own transaction, so a failing one does not hold back the other. */
int scheduler_tick(struct scheduler *sc, int64_t now)
{
    const struct config *cfg = sc->rt->cfg;
    int queued = 0, rc = 0;
    pthread_mutex_lock(&sc->tick_mu);
    if (config_get_bool(cfg, "reminders", "enabled")) {
        int n = store_begin(sc->s) == 0
                    ? reminders_run(&sc->rt->domain, &sc->rt->reach, sc->s, now, NULL)
                    : -1;
        if (n < 0 || store_commit(sc->s) != 0) {
            store_rollback(sc->s);
            log_event(LOG_ERROR, "reminders failed", NULL);
            rc = -1;
        } else {
            queued += n;
        }
    }
    if (config_get_bool(cfg, "digest", "enabled")) {
        struct digest_opts o = {.now = now, .send = true, .only_due = true};
        int n =
            store_begin(sc->s) == 0 ? digest_run(&sc->rt->domain, &sc->rt->reach, sc->s, &o) : -1;
        if (n < 0 || store_commit(sc->s) != 0) {
            store_rollback(sc->s);
            log_event(LOG_ERROR, "digests failed", NULL);
            rc = -1;
        } else {
            queued += n;
        }
    }
    pthread_mutex_unlock(&sc->tick_mu);
    if (queued && sc->ob)
        outbox_wake(sc->ob);
    return rc < 0 ? -1 : queued;
}

static void *run(void *arg)
{
    struct scheduler *sc = arg;
    /* The first pass comes a minute after start: a server restarted in a loop (or a short test
     * run) does not race the HTTP thread for the write lock while it starts. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    pthread_mutex_lock(&sc->lock);
    while (!sc->stopping) {
        until.tv_sec += sc->tick_seconds;
        while (!sc->stopping && pthread_cond_timedwait(&sc->wake, &sc->lock, &until) != ETIMEDOUT)
            ;
        if (sc->stopping)
            break;
        pthread_mutex_unlock(&sc->lock);
        scheduler_tick(sc, (int64_t)time(NULL));
        pthread_mutex_lock(&sc->lock);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (until.tv_sec < now.tv_sec) /* a long pass, or the clock jumped: start afresh */
            until = now;
    }
    pthread_mutex_unlock(&sc->lock);
    return NULL;
}

struct scheduler *scheduler_start(struct runtime *rt, struct outbox *ob, const char *db_path,
                                  int tick_seconds, char *err, size_t errsz)
{
    struct scheduler *sc = calloc(1, sizeof *sc);
    if (!sc) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    sc->rt = rt;
    sc->ob = ob;
    sc->tick_seconds = tick_seconds > 0 ? tick_seconds : SCHEDULER_TICK_SECONDS;
    sc->s = store_open(db_path, err, errsz);
    if (!sc->s) {
        free(sc);
        return NULL;
    }
    pthread_mutex_init(&sc->lock, NULL);
    pthread_mutex_init(&sc->tick_mu, NULL);
    pthread_cond_init(&sc->wake, NULL);
    if (pthread_create(&sc->thread, NULL, run, sc) != 0) {
        snprintf(err, errsz, "cannot start the scheduler thread");
        store_close(sc->s);
        pthread_mutex_destroy(&sc->lock);
        pthread_mutex_destroy(&sc->tick_mu);
        pthread_cond_destroy(&sc->wake);
        free(sc);
        return NULL;
    }
    return sc;
}

void scheduler_stop(struct scheduler *sc)
{
    if (!sc)
        return;
    pthread_mutex_lock(&sc->lock);
    sc->stopping = true;
    pthread_cond_signal(&sc->wake);
    pthread_mutex_unlock(&sc->lock);
    pthread_join(sc->thread, NULL);
    store_close(sc->s);
    pthread_mutex_destroy(&sc->lock);
    pthread_mutex_destroy(&sc->tick_mu);
    pthread_cond_destroy(&sc->wake);
    free(sc);
}
