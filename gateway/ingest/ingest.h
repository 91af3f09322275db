/* ingest.h - the group-commit writer: webhooks' events are handed over from the HTTP threads,
 * prepared there (parsing is pure), and applied by one writer thread that commits a batch of
 * them in one transaction with synchronous=FULL, each under its own savepoint so one failure
 * does not take its neighbours with it. Only after the commit is each submitter told, so a 2xx
 * always means durably stored. */
#ifndef CATAT_INGEST_H
#define CATAT_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "channel.h"
#include "pipeline.h"

struct ingest;
struct outbox;

/* One webhook's events on their way to the database; owned by the submitter, which must keep
 * it alive until done is called. */
struct ingest_job {
    int channel;               /* index in channel_drivers[] */
    struct channel_events *ev; /* borrowed: inbound messages (from already E.164), statuses */
    bool keep_replies;         /* fill replies[] (console answers with them) */
    /* Called on the writer thread once the batch holding the job is committed (or failed). */
    void (*done)(struct ingest_job *job, void *arg);
    void *arg;
    /* Filled in by ingest: */
    int status;     /* 200 when committed, 500 when not */
    bool duplicate; /* an inbound was a provider's retry of one stored before */
    char **replies; /* with keep_replies: the reply to each inbound, or NULL; ingest_job_free */
    size_t n_replies;
    struct pipeline_prepared *prepared; /* one per inbound */
    struct ingest_counts {              /* what it did, into the metrics once durable */
        int inbound, duplicates, statuses, parse_errors, limited;
    } counts;
    struct ingest_job *next;
};
/* Frees what ingest added to job (not job itself, nor ev). NULL is fine. */
void ingest_job_free(struct ingest_job *job);

/* Starts the writer thread on its own connection to db_path. p is borrowed; ob (may be NULL)
 * is woken after each commit. Returns new, or NULL with err. */
struct ingest *ingest_start(const struct pipeline *p, struct outbox *ob, const char *db_path,
                            char *err, size_t errsz);
/* Prepares job's messages on the calling thread and queues it for the writer. Returns 0, or -1
 * when out of memory (nothing was queued; done will not be called). */
int ingest_submit(struct ingest *ing, struct ingest_job *job);
/* Applies every job queued so far, then stops the thread and frees ing; NULL is fine. */
void ingest_stop(struct ingest *ing);

#endif
