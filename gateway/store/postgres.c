/* postgres.c - the PostgreSQL backend (libpq): the connection, statements prepared on first use
 * from the SQL the store writes once for both databases, migrations, backups with pg_dump.
 * Values go as text and results come back as text; the first binding of a parameter tells the
 * server its type (bigint or text; one first bound NULL is left for the server to infer). */
#include "store_internal.h"

#include "log.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INT8OID 20
#define TEXTOID 25

/* Keeps the error of res (or of the connection) for store_fail and store_retryable. */
static void keep_error(struct store *s, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(s->pg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(s->pg_error, sizeof s->pg_error, "%s", msg && msg[0] ? msg : "no answer");
    size_t n = strlen(s->pg_error);
    while (n && (s->pg_error[n - 1] == '\n' || s->pg_error[n - 1] == ' '))
        s->pg_error[--n] = 0;
    snprintf(s->pg_state, sizeof s->pg_state, "%s", state ? state : "");
}

/* After the server went away: connect again, and forget what was prepared on the old
 * connection. What was under way has failed; the next call works again. */
static void reconnect_if_lost(struct store *s)
{
    if (PQstatus(s->pg) != CONNECTION_BAD)
        return;
    PQreset(s->pg);
    for (int i = 0; i < STORE_STMT_SLOTS; i++)
        if (s->cache[i].stmt)
            s->cache[i].stmt->name[0] = 0;
    log_event(PQstatus(s->pg) == CONNECTION_OK ? LOG_WARN : LOG_ERROR, "database connection lost",
              "reconnected=%s", PQstatus(s->pg) == CONNECTION_OK ? "yes" : "no");
}

int pg_exec(struct store *s, const char *sql)
{
    PGresult *res = PQexec(s->pg, sql);
    ExecStatusType rc = PQresultStatus(res);
    int ok = rc == PGRES_COMMAND_OK || rc == PGRES_TUPLES_OK;
    if (!ok) {
        keep_error(s, res);
        char q[256];
        log_event(LOG_ERROR, "database statement failed", "error=\"%s\"",
                  log_quote(s->pg_error, q, sizeof q));
    }
    PQclear(res);
    if (!ok)
        reconnect_if_lost(s);
    return ok ? 0 : -1;
}

int pg_stmt_init(sql_stmt *st, const char *sql)
{
    /* ?N becomes $N, a bare ? the next number (as SQLite counts them); quoted text is copied
     * as it is. */
    size_t n = strlen(sql);
    char *out = malloc(n * 2 + 1);
    if (!out)
        return -1;
    size_t o = 0;
    int highest = 0;
    unsigned char used[1001] = {0};
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            out[o++] = c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out[o++] = c;
        } else if (c == '?') {
            int num = 0;
            size_t j = i + 1;
            while (j < n && sql[j] >= '0' && sql[j] <= '9' && num < 100)
                num = num * 10 + (sql[j++] - '0');
            if (j == i + 1)
                num = highest + 1;
            i = j - 1;
            if (num > highest)
                highest = num;
            used[num] = 1;
            o += (size_t)snprintf(out + o, n * 2 + 1 - o, "$%d", num);
        } else {
            out[o++] = c;
        }
    }
    out[o] = 0;
    st->pg_sql = out;
    st->nparams = highest;
    if (highest) {
        st->values = calloc((size_t)highest, sizeof *st->values);
        st->types = calloc((size_t)highest, sizeof *st->types);
        if (!st->values || !st->types)
            return -1;
        /* SQLite lets a statement skip a number (?9 without ?8); PostgreSQL must be told the
         * type of every parameter it cannot infer, so an unused one is text. */
        for (int k = 1; k <= highest; k++)
            if (!used[k])
                st->types[k - 1] = TEXTOID;
    }
    return 0;
}

void pg_bind(sql_stmt *st, int i, const char *v, bool is_int)
{
    if (i < 1 || i > st->nparams)
        return;
    free(st->values[i - 1]);
    st->values[i - 1] = v ? strdup(v) : NULL;
    if (v && !st->name[0] && !st->types[i - 1])
        st->types[i - 1] = is_int ? INT8OID : TEXTOID;
}

void pg_reset(sql_stmt *st)
{
    if (st->res) {
        PQclear(st->res);
        st->res = NULL;
    }
    st->row = st->nrows = 0;
}

/* The statement's result, executing it (prepared on first use): 0, or -1 with the error kept. */
static int execute(sql_stmt *st)
{
    struct store *s = st->s;
    if (!st->name[0]) {
        char name[16];
        snprintf(name, sizeof name, "s%d", ++s->n_prepared);
        /* A parameter first bound NULL whose type the server cannot infer (such as "?1 IS NULL
         * OR code = ?1" before any code) fails the prepare, and with it the transaction: the
         * first prepare inside one is tried under a savepoint, then again with such
         * parameters as text, as they would be bound. Once per statement and connection. */
        bool in_tx = PQtransactionStatus(s->pg) == PQTRANS_INTRANS;
        if (in_tx)
            PQclear(PQexec(s->pg, "SAVEPOINT catat_prepare"));
        PGresult *p = PQprepare(s->pg, name, st->pg_sql, st->nparams, st->types);
        const char *state = PQresultErrorField(p, PG_DIAG_SQLSTATE);
        if (state && (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0)) {
            PQclear(p);
            if (in_tx)
                PQclear(PQexec(s->pg, "ROLLBACK TO SAVEPOINT catat_prepare"));
            for (int k = 0; k < st->nparams; k++)
                if (!st->types[k])
                    st->types[k] = TEXTOID;
            p = PQprepare(s->pg, name, st->pg_sql, st->nparams, st->types);
        }
        if (in_tx && PQresultStatus(p) == PGRES_COMMAND_OK)
            PQclear(PQexec(s->pg, "RELEASE SAVEPOINT catat_prepare"));
        if (PQresultStatus(p) != PGRES_COMMAND_OK) {
            keep_error(s, p);
            PQclear(p);
            reconnect_if_lost(s);
            return -1;
        }
        PQclear(p);
        memcpy(st->name, name, sizeof name);
    }
    PGresult *res = PQexecPrepared(s->pg, st->name, st->nparams, (const char *const *)st->values,
                                   NULL, NULL, 0);
    ExecStatusType rc = PQresultStatus(res);
    if (rc != PGRES_TUPLES_OK && rc != PGRES_COMMAND_OK) {
        keep_error(s, res);
        PQclear(res);
        reconnect_if_lost(s);
        return -1;
    }
    const char *cmd = PQcmdStatus(res);
    if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
        strncmp(cmd, "DELETE", 6) == 0)
        s->pg_changes = strtoll(PQcmdTuples(res), NULL, 10);
    st->res = res;
    st->nrows = PQntuples(res);
    st->row = -1;
    return 0;
}

int pg_step(sql_stmt *st)
{
    if (!st->res && execute(st) != 0)
        return 1; /* an error, like SQLITE_ERROR */
    if (st->row < st->nrows)
        st->row++;
    return st->row < st->nrows ? SQL_ROW : SQL_DONE;
}

const char *pg_column(sql_stmt *st, int i)
{
    if (!st->res || st->row < 0 || st->row >= st->nrows || i >= PQnfields(st->res) ||
        PQgetisnull(st->res, st->row, i))
        return NULL;
    return PQgetvalue(st->res, st->row, i);
}

int64_t pg_column_int64(sql_stmt *st, int i)
{
    const char *v = pg_column(st, i);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1]) /* a boolean */
        return 1;
    return strtoll(v, NULL, 10); /* "f" and anything not a number read as 0, as on SQLite */
}

struct store *pg_open(const char *url, char *err, size_t errsz)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->backend = STORE_POSTGRES;
    snprintf(s->path, sizeof s->path, "%s", url);
    s->pg = PQconnectdb(url);
    if (PQstatus(s->pg) != CONNECTION_OK) {
        keep_error(s, NULL);
        snprintf(err, errsz, "PostgreSQL: %s", s->pg_error);
        store_close(s);
        return NULL;
    }
    /* Notices (such as "relation already exists, skipping") are not errors: not logged. */
    PQsetNoticeProcessor(s->pg, NULL, NULL);
    if (pg_exec(s, "SET client_min_messages = warning") != 0 || store_migrate(s) < 0) {
        snprintf(err, errsz, "PostgreSQL: %s", s->pg_error);
        store_close(s);
        return NULL;
    }
    return s;
}

/* The version in catat_schema, 0 for a database catat has not written, or -1. */
static int read_version(struct store *s)
{
    PGresult *res = PQexec(s->pg, "SELECT coalesce(max(version), 0) FROM catat_schema");
    int v = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    else
        keep_error(s, res);
    PQclear(res);
    return v;
}

int pg_schema_version(struct store *s)
{
    return read_version(s);
}

int pg_migrate(struct store *s)
{
    int latest = 0;
    while (store_pg_migrations[latest])
        latest++;
    /* One transaction, and one instance at a time: another catat starting beside this one
     * waits on the lock, then finds the schema current. */
    if (pg_exec(s, "BEGIN") != 0)
        return -1;
    int version = -1;
    if (pg_exec(s, "SELECT pg_advisory_xact_lock(7432001)") == 0 &&
        pg_exec(s, "CREATE TABLE IF NOT EXISTS catat_schema(version INTEGER NOT NULL)") == 0)
        version = read_version(s);
    if (version > latest) {
        log_event(LOG_ERROR, "database is newer than this catat", "schema=%d known=%d", version,
                  latest);
        snprintf(s->pg_error, sizeof s->pg_error, "schema %d is newer than this catat (%d)",
                 version, latest);
        version = -1;
    }
    for (int v = version; v >= 0 && v < latest; v++) {
        char bump[96];
        snprintf(bump, sizeof bump, "DELETE FROM catat_schema; INSERT INTO catat_schema VALUES(%d)",
                 v + 1);
        if ((store_pg_migrations[v][0] && pg_exec(s, store_pg_migrations[v]) != 0) ||
            pg_exec(s, bump) != 0) {
            version = -1;
            break;
        }
        log_event(LOG_INFO, "database migrated", "schema=%d backend=postgresql", v + 1);
    }
    if (version < 0) {
        pg_exec(s, "ROLLBACK");
        return -1;
    }
    return pg_exec(s, "COMMIT") == 0 ? latest : -1;
}

extern char **environ;

int pg_backup(struct store *s, const char *path, char *err, size_t errsz)
{
    /* The server's own tool: a consistent snapshot while catat keeps writing, restored with
     * pg_restore. Debian keeps it on PATH (pg_wrapper) and under /usr/lib/postgresql. */
    char file[1024], dbname[1024];
    snprintf(file, sizeof file, "--file=%s", path);
    snprintf(dbname, sizeof dbname, "--dbname=%s", s->path);
    char *argv[] = {"pg_dump", "--format=custom", "--no-owner", file, dbname, NULL};
    const char *tools[] = {"pg_dump", "/usr/lib/postgresql/15/bin/pg_dump"};
    int status = -1;
    for (size_t t = 0; t < sizeof tools / sizeof *tools && status < 0; t++) {
        pid_t pid;
        if ((tools[t][0] == '/' ? posix_spawn : posix_spawnp)(&pid, tools[t], NULL, NULL, argv,
                                                              environ) != 0)
            continue;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (status < 0) {
        snprintf(err, errsz, "pg_dump not found (Debian's postgresql-client)");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errsz, "pg_dump failed (exit %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}
