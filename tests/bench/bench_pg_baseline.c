/* bench_pg_baseline.c - the durable ceiling on PostgreSQL: the smallest webhook that answers only
 * after its request is committed in PostgreSQL. Each request's body becomes one row (UNIQUE on a
 * request id taken from the body, as bench_durable_baseline.c); one writer thread takes every
 * request waiting, sends BEGIN, one INSERT per request and COMMIT in one libpq pipeline (one round
 * trip), and resumes the suspended connections once the COMMIT has returned (synchronous_commit
 * as the server has it, on by default: the WAL is flushed). No parsing beyond finding the id, no
 * replies, no ledger.
 * Usage: bench_pg_baseline PORT CONNINFO   (runs until SIGINT or SIGTERM; CONNINFO a libpq URI
 * or key=value string). */
#include <libpq-fe.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct req {
    char *body;
    size_t len;
    char *id;  /* the provider id, NUL-terminated (text parameters are) */
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
static PGconn *db;

static enum MHD_Result respond(struct MHD_Connection *c, int status)
{
    static const char ok[] = "{\"ok\":true}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof ok - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* The request id: the first "id" value in the body (WhatsApp wamid), or the whole body. */
static char *find_id(const char *body, size_t len)
{
    const char *p = strstr(body, "\"id\":\"wamid");
    size_t n = len;
    if (p) {
        p += 6;
        const char *e = strchr(p, '"');
        n = e ? (size_t)(e - p) : 0;
    } else {
        p = body;
    }
    char *id = malloc(n + 1);
    if (id) {
        memcpy(id, p, n);
        id[n] = '\0';
    }
    return id;
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
    if (!r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return MHD_NO;
    }
    r->id = find_id(r->body, r->len);
    if (!r->id)
        return MHD_NO;
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
    free(r->id);
    free(r->body);
    free(r);
}

/* Reads the results of one query of the pipeline; 1 when it succeeded. */
static int query_ok(void)
{
    int ok = 0;
    PGresult *res = PQgetResult(db);
    if (res) {
        ExecStatusType st = PQresultStatus(res);
        ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
        if (!ok && st != PGRES_PIPELINE_ABORTED)
            fprintf(stderr, "bench_pg_baseline: %s", PQresultErrorMessage(res));
        PQclear(res);
        while ((res = PQgetResult(db)) != NULL) /* the NULL that ends each query's results */
            PQclear(res);
    }
    return ok;
}

/* One transaction for the batch: BEGIN, an INSERT per request, COMMIT, one round trip. */
static int commit_batch(struct req *batch)
{
    if (!PQenterPipelineMode(db))
        return 0;
    int sent = PQsendQueryParams(db, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    int queries = 1;
    for (struct req *r = batch; r && sent; r = r->next, queries++) {
        const char *values[2] = {r->id, r->body};
        sent = PQsendQueryPrepared(db, "insert", 2, values, NULL, NULL, 0);
    }
    sent = sent && PQsendQueryParams(db, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    queries++;
    sent = sent && PQpipelineSync(db);
    int ok = sent;
    if (sent) {
        for (int i = 0; i < queries; i++)
            ok = query_ok() && ok;
        PGresult *res = PQgetResult(db); /* the sync */
        ok = ok && res && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
    } else {
        fprintf(stderr, "bench_pg_baseline: %s", PQerrorMessage(db));
    }
    if (!PQexitPipelineMode(db))
        ok = 0;
    if (!ok && PQtransactionStatus(db) != PQTRANS_IDLE)
        PQclear(PQexec(db, "ROLLBACK"));
    return ok;
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
        int ok = commit_batch(batch);
        for (struct req *r = batch, *n; r; r = n) {
            n = r->next;
            r->status = ok ? 200 : 500;
            r->state = 2;
            MHD_resume_connection(r->conn);
        }
    }
    return NULL;
}

static int exec_ok(PGresult *res)
{
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_pg_baseline PORT CONNINFO\n");
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end || port < 1 || port > 65535) {
        fprintf(stderr, "bench_pg_baseline: bad port %s\n", argv[1]);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    db = PQconnectdb(argv[2]);
    if (PQstatus(db) != CONNECTION_OK ||
        !exec_ok(PQexec(db, "SET client_min_messages = warning")) ||
        !exec_ok(PQexec(db, "CREATE TABLE IF NOT EXISTS inbound(id bigserial PRIMARY KEY,"
                            " provider_id text NOT NULL UNIQUE, body text NOT NULL)")) ||
        !exec_ok(PQprepare(db, "insert",
                           "INSERT INTO inbound(provider_id, body) VALUES($1, $2)"
                           " ON CONFLICT(provider_id) DO NOTHING",
                           2, NULL))) {
        fprintf(stderr, "bench_pg_baseline: %s", PQerrorMessage(db));
        PQfinish(db);
        return 1;
    }
    pthread_t w;
    pthread_create(&w, NULL, writer, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port,
        NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2U, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_CONNECTION_LIMIT, 512U, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_pg_baseline: cannot listen\n");
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
    PQfinish(db);
    return 0;
}
