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

/* Applies one job's events inside the open transaction, under a savepoint. */
static void apply_job(struct ingest *ing, struct ingest_job *job, int64_t now)
{
    const char *channel = channel_drivers[job->channel]->name;
    if (store_savepoint(ing->s) != 0) {
        job->status = 500;
        return;
    }
    int rc = 0;
    for (size_t i = 0; i < job->ev->n_in && rc == 0; i++) {
        struct pipeline_result res;
        rc = pipeline_inbound(ing->p, ing->s, channel, &job->ev->in[i], &job->prepared[i], now,
                              job->keep_replies, &res);
        if (rc == 0 && res.duplicate) {
            job->duplicate = true;
            metrics_count(METRIC_DUPLICATES, (size_t)job->channel);
        } else if (rc == 0) {
            metrics_count(METRIC_INBOUND, (size_t)job->channel);
            metrics_add_global(METRIC_PARSE_ERRORS, res.parse_errors);
            metrics_add_global(METRIC_REPLIES_LIMITED, res.limited);
        }
        if (job->replies)
            job->replies[i] = res.reply;
        else
            free(res.reply);
    }
    for (size_t i = 0; i < job->ev->n_statuses && rc == 0; i++) {
        rc = pipeline_status(ing->p, ing->s, channel, &job->ev->statuses[i], now);
        metrics_count(METRIC_STATUSES, (size_t)job->channel);
    }
    if (rc == 0 && store_release(ing->s) == 0) {
        job->status = 200;
    } else {
        store_rollback_savepoint(ing->s);
        job->status = 500;
    }
}

/* Takes up to BATCH_MAX jobs off the queue, waiting for one; NULL when stopping and empty. */
static struct ingest_job *take_batch(struct ingest *ing)
{
    pthread_mutex_lock(&ing->mu);
    while (!ing->head && !ing->stop)
        pthread_cond_wait(&ing->cv, &ing->mu);
    struct ingest_job *batch = ing->head;
    if (batch) {
        struct ingest_job *last = batch;
        for (int n = 1; last->next && n < BATCH_MAX; n++)
            last = last->next;
        ing->head = last->next;
        if (!ing->head)
            ing->tail = NULL;
        last->next = NULL;
    }
    pthread_mutex_unlock(&ing->mu);
    return batch;
}

static void *writer_main(void *arg)
{
    struct ingest *ing = arg;
    pthread_setname_np(pthread_self(), "catat-writer");
    struct ingest_job *batch;
    while ((batch = take_batch(ing))) {
        int64_t now = (int64_t)time(NULL);
        bool ok = store_begin(ing->s) == 0;
        for (struct ingest_job *j = batch; j; j = j->next) {
            if (ok)
                apply_job(ing, j, now);
            else
                j->status = 500;
        }
        /* One fsync for the whole batch: only now may anyone hear 2xx. */
        if (ok && store_commit(ing->s) != 0) {
            store_rollback(ing->s);
            ok = false;
        }
        if (ok) {
            metrics_add_global(METRIC_COMMITS, 1);
            if (ing->ob)
                outbox_wake(ing->ob);
        }
        for (struct ingest_job *j = batch, *next; j; j = next) {
            next = j->next; /* j may be freed as soon as done returns */
            if (!ok) {
                j->status = 500;
                for (size_t i = 0; j->replies && i < j->n_replies; i++) {
                    free(j->replies[i]);
                    j->replies[i] = NULL;
                }
            }
            j->done(j, j->arg);
        }
    }
    return NULL;
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
    if (pthread_create(&ing->thread, NULL, writer_main, ing) != 0) {
        snprintf(err, errsz, "cannot start the writer thread");
        store_close(ing->s);
        pthread_mutex_destroy(&ing->mu);
        pthread_cond_destroy(&ing->cv);
        free(ing);
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
    if (ing->tail)
        ing->tail->next = job;
    else
        ing->head = job;
    ing->tail = job;
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
    pthread_mutex_unlock(&ing->mu);
    pthread_join(ing->thread, NULL);
    store_close(ing->s);
    pthread_mutex_destroy(&ing->mu);
    pthread_cond_destroy(&ing->cv);
    free(ing);
}
