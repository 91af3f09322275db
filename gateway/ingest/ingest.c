/* ingest.c - the group-commit writer thread: batches, savepoints, one commit, then answers. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "ingest.h"

#include "metrics.h"
#include "outbox.h"
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 128 /* jobs per commit: bounds the commit's tail latency */

struct ingest {
    const struct pipeline *p;
    struct outbox *ob;
    struct store *s; /* the writer thread's own connection */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ingest_job *head, *tail;
    bool stop;
    pthread_t thread;
    /* The checkpointer's last pass wants the writer between two batches (parked): */
    bool restart_wanted, parked;
    pthread_cond_t park_cv;
    /* With a deferred sync (SQLite), committed batches wait here for the syncer thread, which
     * makes them durable with one store_sync while the writer applies the next batch. */
    bool deferred;
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    struct ingest_job *sync_head, *sync_tail;
    int sync_commits; /* how many of them committed anything */
    /* and the checkpointer, woken by the syncer when the log is long, on its own connection */
    struct store *checker;
    bool checkpoint_wanted;
    pthread_cond_t checkpoint_cv;
    pthread_t checkpointer;
    bool sync_stop;
    bool syncing; /* the syncer is flushing (atomic): a commit now would wait for it */
    pthread_t syncer;
    bool syncer_started, checkpointer_started;
};

void ingest_job_free(struct ingest_job *job)
{
    if (!job)
        return;
    for (size_t i = 0; job->replies && i < job->n_replies; i++)
        free(job->replies[i]);
    free(job->replies);
    job->replies = NULL;
    for (size_t i = 0; job->prepared && i < job->ev->n_in; i++)
        pipeline_prepared_free(&job->prepared[i]);
    free(job->prepared);
    job->prepared = NULL;
}

/* Forgets what an attempt at the job left in it (a batch that is tried again). */
static void job_reset(struct ingest_job *job)
{
    for (size_t i = 0; job->replies && i < job->n_replies; i++) {
        free(job->replies[i]);
        job->replies[i] = NULL;
    }
    job->duplicate = false;
    job->counts = (struct ingest_counts){0};
}

/* Applies one job's events inside the open transaction: 0, or -1 when the database failed. */
static int apply_job(struct ingest *ing, struct ingest_job *job, int64_t now)
{
    struct ingest_counts *counts = &job->counts;
    const char *channel = channel_drivers[job->channel]->name;
    int rc = 0;
    for (size_t i = 0; i < job->ev->n_in && rc == 0; i++) {
        struct pipeline_result res;
        rc = pipeline_inbound(ing->p, ing->s, channel, &job->ev->in[i], &job->prepared[i], now,
                              job->keep_replies, &res);
        if (rc == 0 && res.duplicate) {
            job->duplicate = true;
            counts->duplicates++;
        } else if (rc == 0) {
            counts->inbound++;
            counts->parse_errors += res.parse_errors;
            counts->limited += res.limited;
        }
        if (job->replies)
            job->replies[i] = res.reply;
        else
            free(res.reply);
    }
    for (size_t i = 0; i < job->ev->n_statuses && rc == 0; i++) {
        rc = pipeline_status(ing->p, ing->s, channel, &job->ev->statuses[i], now);
        counts->statuses++;
    }
    return rc;
}

/* Appends the chain of jobs starting at first to the queue head..tail (under its lock). */
static void append(struct ingest_job **head, struct ingest_job **tail, struct ingest_job *first)
{
    if (*tail)
        (*tail)->next = first;
    else
        *head = first;
    for (*tail = first; (*tail)->next; *tail = (*tail)->next)
        ;
}

/* Takes up to room jobs off the queue (under its lock): the first of them, or NULL. */
static struct ingest_job *detach(struct ingest *ing, int room)
{
    struct ingest_job *first = ing->head;
    if (first) {
        struct ingest_job *last = first;
        for (int n = 1; last->next && n < room; n++)
            last = last->next;
        ing->head = last->next;
        if (!ing->head)
            ing->tail = NULL;
        last->next = NULL;
    }
    return first;
}

/* Takes up to BATCH_MAX jobs off the queue, waiting for one; NULL when stopping and empty. While
 * the checkpointer's last pass runs, the writer waits here, outside any transaction. */
static struct ingest_job *take_batch(struct ingest *ing)
{
    pthread_mutex_lock(&ing->mu);
    ing->parked = true;
    pthread_cond_broadcast(&ing->park_cv);
    while ((!ing->head || ing->restart_wanted) && !ing->stop)
        pthread_cond_wait(&ing->cv, &ing->mu);
    struct ingest_job *batch = detach(ing, BATCH_MAX);
    ing->parked = !batch; /* stopping: the writer is gone */
    pthread_mutex_unlock(&ing->mu);
    return batch;
}

/* Up to room more jobs off the queue, without waiting: NULL when none (or the checkpointer
 * waits for the writer to park). */
static struct ingest_job *take_more(struct ingest *ing, int room)
{
    pthread_mutex_lock(&ing->mu);
    struct ingest_job *more = ing->restart_wanted ? NULL : detach(ing, room);
    pthread_mutex_unlock(&ing->mu);
    return more;
}

/* Applies the batch in one transaction and commits it; statuses 200 or 500 per job. The first
 * try has no savepoints: a savepoint per job copies every page it touches into a statement
 * journal, which was a fifth of the writer's time, and jobs practically never fail. Should one
 * fail, the batch is rolled back and tried again with a savepoint per job, so the failing job
 * fails alone. The first try also takes in the jobs queued while the syncer is still busy (up
 * to BATCH_MAX in all). Returns whether anything was committed. */
static bool commit_batch(struct ingest *ing, struct ingest_job *batch, int64_t now)
{
    /* On PostgreSQL another instance's transaction may deadlock with this one: the batch is
     * tried again as it was, a few times, before any job is failed for it. */
    int conflicts = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool isolate = attempt == 1, failed = false;
        if (store_begin(ing->s) != 0)
            break;
        int n = 0;
        for (struct ingest_job *j = batch; j; j = j->next) {
            /* While the syncer still flushes the batch before, committing would only wait for
             * it: the jobs queued meanwhile join this batch instead of waiting for the next. */
            if (++n < BATCH_MAX && !j->next && !isolate && ing->deferred &&
                __atomic_load_n(&ing->syncing, __ATOMIC_RELAXED))
                j->next = take_more(ing, BATCH_MAX - n);
            job_reset(j);
            if (isolate && store_savepoint(ing->s) != 0) {
                j->status = 500;
                continue;
            }
            int rc = apply_job(ing, j, now);
            if (!isolate && rc != 0) {
                failed = true;
                break;
            }
            if (isolate && (rc != 0 || store_release(ing->s) != 0)) {
                store_rollback_savepoint(ing->s);
                job_reset(j);
                j->status = 500;
                continue;
            }
            j->status = 200;
        }
        /* One commit for the whole batch; its fsync here, or in the syncer (deferred). */
        if (!failed && store_commit(ing->s) == 0)
            return true;
        bool conflict = store_retryable(ing->s) && conflicts < 5;
        store_rollback(ing->s);
        if (conflict) { /* the same attempt again */
            conflicts++;
            attempt--;
        } else if (!failed) {
            break; /* the commit failed: nothing to isolate */
        }
    }
    for (struct ingest_job *j = batch; j; j = j->next)
        j->status = 500;
    return false;
}

/* Tells every job of jobs (durably committed, or failed: status) how it went. */
static void finish_jobs(struct ingest *ing, struct ingest_job *jobs, int commits)
{
    if (commits) {
        metrics_add_global(METRIC_COMMITS, commits);
        if (ing->ob)
            outbox_wake(ing->ob);
    }
    for (struct ingest_job *j = jobs, *next; j; j = next) {
        next = j->next; /* j may be freed as soon as done returns */
        if (j->status != 200) {
            job_reset(j);
        } else {
            size_t ch = (size_t)j->channel;
            metrics_add(METRIC_INBOUND, ch, j->counts.inbound);
            metrics_add(METRIC_DUPLICATES, ch, j->counts.duplicates);
            metrics_add(METRIC_STATUSES, ch, j->counts.statuses);
            metrics_add_global(METRIC_PARSE_ERRORS, j->counts.parse_errors);
            metrics_add_global(METRIC_REPLIES_LIMITED, j->counts.limited);
        }
        j->done(j, j->arg);
    }
}

static void *writer_main(void *arg)
{
    struct ingest *ing = arg;
    pthread_setname_np(pthread_self(), "catat-writer");
    struct ingest_job *batch;
    while ((batch = take_batch(ing))) {
        bool ok = commit_batch(ing, batch, (int64_t)time(NULL));
        if (!ing->deferred) {
            finish_jobs(ing, batch, ok);
            continue;
        }
        /* Committed, not yet on the disk: the syncer answers once it is. */
        pthread_mutex_lock(&ing->sync_mu);
        append(&ing->sync_head, &ing->sync_tail, batch);
        ing->sync_commits += ok;
        pthread_cond_signal(&ing->sync_cv);
        pthread_mutex_unlock(&ing->sync_mu);
    }
    return NULL;
}

/* Sets *flag under the syncer's lock and wakes the thread waiting on cv. */
static void raise_flag(struct ingest *ing, bool *flag, pthread_cond_t *cv)
{
    pthread_mutex_lock(&ing->sync_mu);
    *flag = true;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&ing->sync_mu);
}

/* The syncer: takes every batch committed since its last turn, makes them durable with one
 * store_sync, and only then answers them. A failed sync answers 500: the provider sends the
 * messages again, and what did reach the disk is recognised as stored. */
static void *syncer_main(void *arg)
{
    struct ingest *ing = arg;
    pthread_setname_np(pthread_self(), "catat-syncer");
    for (;;) {
        pthread_mutex_lock(&ing->sync_mu);
        while (!ing->sync_head && !ing->sync_stop)
            pthread_cond_wait(&ing->sync_cv, &ing->sync_mu);
        struct ingest_job *jobs = ing->sync_head;
        int commits = ing->sync_commits;
        ing->sync_head = ing->sync_tail = NULL;
        ing->sync_commits = 0;
        pthread_mutex_unlock(&ing->sync_mu);
        if (!jobs)
            return NULL;
        __atomic_store_n(&ing->syncing, true, __ATOMIC_RELAXED);
        int synced = commits ? store_sync(ing->s) : 0;
        __atomic_store_n(&ing->syncing, false, __ATOMIC_RELAXED);
        if (synced != 0) {
            commits = 0;
            for (struct ingest_job *j = jobs; j; j = j->next)
                j->status = 500;
        }
        finish_jobs(ing, jobs, commits);
        if (store_wal_frames(ing->s) >= INGEST_CHECKPOINT_FRAMES)
            raise_flag(ing, &ing->checkpoint_wanted, &ing->checkpoint_cv);
    }
}

/* The last pass of a checkpoint: with the writer parked between two batches, copies what the
 * first pass left (the batches committed meanwhile), so that the next commit writes the log from
 * its start again (unless a reader still holds an older snapshot: it is not waited for). Without
 * it a busy writer stays ahead of every pass, and the log grows, and every pass syncs it, until
 * the writer happens to pause. */
static void restart_log(struct ingest *ing)
{
    pthread_mutex_lock(&ing->mu);
    ing->restart_wanted = true;
    while (!ing->parked && !ing->stop)
        pthread_cond_wait(&ing->park_cv, &ing->mu);
    pthread_mutex_unlock(&ing->mu);
    store_checkpoint(ing->checker);
    pthread_mutex_lock(&ing->mu);
    ing->restart_wanted = false;
    pthread_cond_signal(&ing->cv);
    pthread_mutex_unlock(&ing->mu);
}

/* Copies the log into the database while the writer goes on (a passive checkpoint), so that
 * the log stays short and neither the writer nor the syncer waits for the bulk of the copy. */
static void *checkpointer_main(void *arg)
{
    struct ingest *ing = arg;
    pthread_setname_np(pthread_self(), "catat-ckpt");
    pthread_mutex_lock(&ing->sync_mu);
    for (;;) {
        while (!ing->checkpoint_wanted && !ing->sync_stop)
            pthread_cond_wait(&ing->checkpoint_cv, &ing->sync_mu);
        if (!ing->checkpoint_wanted)
            break;
        pthread_mutex_unlock(&ing->sync_mu);
        if (store_checkpoint(ing->checker) == 0)
            restart_log(ing);
        pthread_mutex_lock(&ing->sync_mu);
        ing->checkpoint_wanted = false; /* what the syncer asked meanwhile is done */
    }
    pthread_mutex_unlock(&ing->sync_mu);
    return NULL;
}

/* Stops the syncer once it has answered everything handed to it, then the checkpointer. */
static void stop_syncer(struct ingest *ing)
{
    raise_flag(ing, &ing->sync_stop, &ing->sync_cv);
    if (ing->syncer_started)
        pthread_join(ing->syncer, NULL);
    raise_flag(ing, &ing->sync_stop, &ing->checkpoint_cv);
    if (ing->checkpointer_started)
        pthread_join(ing->checkpointer, NULL);
}

static void ingest_free(struct ingest *ing)
{
    store_close(ing->checker);
    store_close(ing->s);
    pthread_mutex_destroy(&ing->mu);
    pthread_cond_destroy(&ing->cv);
    pthread_cond_destroy(&ing->park_cv);
    pthread_mutex_destroy(&ing->sync_mu);
    pthread_cond_destroy(&ing->sync_cv);
    pthread_cond_destroy(&ing->checkpoint_cv);
    free(ing);
}

struct ingest *ingest_start(const struct pipeline *p, struct outbox *ob, const char *db_path,
                            char *err, size_t errsz)
{
    struct ingest *ing = calloc(1, sizeof *ing);
    if (!ing) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    ing->p = p;
    ing->ob = ob;
    ing->s = store_open(db_path, err, errsz);
    if (!ing->s) {
        free(ing);
        return NULL;
    }
    pthread_mutex_init(&ing->mu, NULL);
    pthread_cond_init(&ing->cv, NULL);
    pthread_cond_init(&ing->park_cv, NULL);
    pthread_mutex_init(&ing->sync_mu, NULL);
    pthread_cond_init(&ing->sync_cv, NULL);
    pthread_cond_init(&ing->checkpoint_cv, NULL);
    /* Where the backend can, the disk flush of one batch overlaps the next batch's work. */
    ing->deferred = store_defer_sync(ing->s) == 0;
    if (ing->deferred && !(ing->checker = store_open(db_path, err, errsz))) {
        ingest_free(ing);
        return NULL;
    }
    if (ing->deferred &&
        (!(ing->syncer_started = pthread_create(&ing->syncer, NULL, syncer_main, ing) == 0) ||
         !(ing->checkpointer_started =
               pthread_create(&ing->checkpointer, NULL, checkpointer_main, ing) == 0))) {
        snprintf(err, errsz, "cannot start the syncer threads");
        stop_syncer(ing);
        ingest_free(ing);
        return NULL;
    }
    if (pthread_create(&ing->thread, NULL, writer_main, ing) != 0) {
        snprintf(err, errsz, "cannot start the writer thread");
        stop_syncer(ing);
        ingest_free(ing);
        return NULL;
    }
    return ing;
}

int ingest_submit(struct ingest *ing, struct ingest_job *job)
{
    size_t n = job->ev->n_in;
    job->status = 0;
    job->duplicate = false;
    job->n_replies = 0;
    job->replies = job->keep_replies && n ? calloc(n, sizeof *job->replies) : NULL;
    job->prepared = n ? calloc(n, sizeof *job->prepared) : NULL;
    bool ok = !n || (job->prepared && (!job->keep_replies || job->replies));
    if (ok)
        job->n_replies = job->replies ? n : 0;
    /* Parsing is pure: it runs here, on the submitter's thread, not in the serialised writer. */
    for (size_t i = 0; ok && i < n; i++)
        ok = pipeline_prepare(&job->ev->in[i], &job->prepared[i]) == 0;
    if (!ok) {
        ingest_job_free(job);
        return -1;
    }
    pthread_mutex_lock(&ing->mu);
    job->next = NULL;
    append(&ing->head, &ing->tail, job);
    pthread_cond_signal(&ing->cv);
    pthread_mutex_unlock(&ing->mu);
    return 0;
}

void ingest_stop(struct ingest *ing)
{
    if (!ing)
        return;
    pthread_mutex_lock(&ing->mu);
    ing->stop = true;
    pthread_cond_signal(&ing->cv);
    pthread_cond_broadcast(&ing->park_cv);
    pthread_mutex_unlock(&ing->mu);
    pthread_join(ing->thread, NULL);
    stop_syncer(ing);
    ingest_free(ing);
}
