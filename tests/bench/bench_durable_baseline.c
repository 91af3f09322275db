/* bench_durable_baseline.c - the durable ceiling: the smallest webhook that is durable before it
 * answers. Each request's body becomes one row (UNIQUE on a request id taken from the body),
 * committed by one writer thread in groups with synchronous=FULL, the connection suspended until
 * its group is on disk. No parsing beyond finding the id, no replies, no ledger.
 * Usage: bench_durable_baseline PORT DBFILE   (runs until SIGINT or SIGTERM). */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct req {
    char *body;
    size_t len;
    int state; /* 0 reading, 1 waiting, 2 done */
    int status;
    struct MHD_Connection *conn;
    struct req *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct req *head, *tail;
static int stopping;
static atomic_int inflight, shutting;
static sqlite3 *db;
static sqlite3_stmt *insert;

static enum MHD_Result respond(struct MHD_Connection *c, int status)
{
    static const char ok[] = "{\"ok\":true}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof ok - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    struct req *r = *state;
    if (!r) {
        *state = r = calloc(1, sizeof *r);
        return r ? MHD_YES : MHD_NO;
    }
    if (r->state == 2)
        return respond(c, r->status);
    if (*upload_size) {
        char *p = realloc(r->body, r->len + *upload_size + 1);
        if (!p)
            return MHD_NO;
        memcpy(p + r->len, upload_data, *upload_size);
        r->body = p;
        r->len += *upload_size;
        p[r->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&inflight, 1);
    if (atomic_load(&shutting)) {
        atomic_fetch_sub(&inflight, 1);
        return respond(c, 503);
    }
    r->state = 1;
    r->conn = c;
    MHD_suspend_connection(c);
    pthread_mutex_lock(&mu);
    if (tail)
        tail->next = r;
    else
        head = r;
    tail = r;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *r = *state;
    if (!r)
        return;
    if (r->state == 2)
        atomic_fetch_sub(&inflight, 1);
    free(r->body);
    free(r);
}

/* The request id: the first "id" value in the body (WhatsApp wamid), or the whole body. */
static void bind_id(struct req *r)
{
    const char *p = r->body ? strstr(r->body, "\"id\":\"wamid") : NULL;
    if (p) {
        p += 6;
        const char *e = strchr(p, '"');
        sqlite3_bind_text(insert, 1, p, (int)(e ? e - p : 0), SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_text(insert, 1, r->body ? r->body : "", (int)r->len, SQLITE_TRANSIENT);
    }
    sqlite3_bind_text(insert, 2, r->body ? r->body : "", (int)r->len, SQLITE_TRANSIENT);
}

static void *writer(void *arg)
{
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head && !stopping)
            pthread_cond_wait(&cv, &mu);
        struct req *batch = head;
        head = tail = NULL;
        pthread_mutex_unlock(&mu);
        if (!batch)
            break;
        int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        for (struct req *r = batch; r && ok; r = r->next) {
            sqlite3_reset(insert);
            bind_id(r);
            ok = sqlite3_step(insert) == SQLITE_DONE;
        }
        ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
        if (!ok)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        for (struct req *r = batch, *n; r; r = n) {
            n = r->next;
            r->status = ok ? 200 : 500;
            r->state = 2;
            MHD_resume_connection(r->conn);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_durable_baseline PORT DBFILE\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (sqlite3_open(argv[2], &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS inbound(id INTEGER PRIMARY KEY,"
                     " provider_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO inbound(provider_id, body) VALUES(?1, ?2)"
                           " ON CONFLICT(provider_id) DO NOTHING",
                           -1, &insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_durable_baseline: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    pthread_t w;
    pthread_create(&w, NULL, writer, NULL);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
                         (uint16_t)strtol(argv[1], NULL, 10), NULL, NULL, on_request, NULL,
                         MHD_OPTION_THREAD_POOL_SIZE, 2U, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                         NULL, MHD_OPTION_CONNECTION_LIMIT, 512U, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_durable_baseline: cannot listen\n");
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    atomic_store(&shutting, 1);
    for (int i = 0; i < 5000 && atomic_load(&inflight) > 0; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(w, NULL);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return 0;
}
