/* ingest.h - the group-commit writer: webhooks' events are handed over from the HTTP threads,
 * prepared there (parsing is pure), and applied by one writer thread that commits a batch of
 * them in one transaction (a job that fails is tried again alone, under a savepoint, so it does
 * not take its neighbours with it). Only once the commit is on the disk is each submitter
 * told, so a 2xx always means durably stored.
 *
 * On SQLite the disk flush is a thread of its own (store_defer_sync): the writer commits batch
 * N and goes on with batch N+1 while the syncer fdatasyncs the log and then answers batch N;
 * a checkpointer copies the log into the database beside them. Other connections see batch N
 * before it is on the disk, which a crash of the process cannot undo (the data is in the
 * kernel's page cache) and a power cut only within the flush: the outbox sends nothing of it
 * before its own claim commits with synchronous=FULL, whose flush covers batch N too. On
 * PostgreSQL the writer's COMMIT is durable by itself and answers at once. */
#ifndef CATAT_INGEST_H
#define CATAT_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "channel.h"
#include "pipeline.h"

/* Log pages before the checkpointer copies the log (40 MiB of 4 KiB pages). Ten times SQLite's
 * default: a page written again and again (an index's inner pages, a table's last page) is
 * copied once per checkpoint, and the copies cost a fifth less CPU per message in the benchmark;
 * a longer log costs readers little at this length (the log's index is a hash per 4,096 pages). */
#define INGEST_CHECKPOINT_FRAMES 10000

struct ingest;
struct outbox;

/* One webhook's events on their way to the database; owned by the submitter, which must keep
 * it alive until done is called. */
struct ingest_job {
    int channel;               /* index in channel_drivers[] */
    struct channel_events *ev; /* borrowed: inbound messages (from already E.164), statuses */
    bool keep_replies;         /* fill replies[] (console answers with them) */
    /* Called on the writer's or the syncer's thread once the batch holding the job is durably
     * committed (or failed). */
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
