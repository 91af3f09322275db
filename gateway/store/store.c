/* store.c - the connection of either backend, the statement cache, transactions, and the step
 * helpers every store file shares. The SQLite half lives here and in sqlite.c, PostgreSQL's in
 * postgres.c. */
#include "store_internal.h"

#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool store_is_url(const char *target)
{
    return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
}

bool store_is_shared(const struct store *s)
{
    return s->backend == STORE_POSTGRES;
}

struct store *store_open(const char *target, char *err, size_t errsz)
{
    return store_is_url(target) ? pg_open(target, err, errsz) : lite_open(target, err, errsz);
}

void store_stmt_drop(sql_stmt *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    pg_reset(st);
    for (int i = 0; st->values && i < st->nparams; i++)
        free(st->values[i]);
    free(st->values);
    free(st->types);
    free(st->pg_sql);
    free(st);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < STORE_STMT_SLOTS; i++)
        store_stmt_drop(s->cache[i].stmt);
    if (s->db)
        sqlite3_close(s->db);
    if (s->pg)
        PQfinish(s->pg);
    if (s->defer_sync && s->wal_fd >= 0)
        close(s->wal_fd);
    if (s->defer_sync)
        lite_close_deferred();
    free(s);
}

const char *store_errmsg(struct store *s)
{
    return s->backend == STORE_SQLITE ? sqlite3_errmsg(s->db) : s->pg_error;
}

int store_fail(struct store *s, const char *what)
{
    char q[256];
    log_event(LOG_ERROR, "database error", "op=%s error=\"%s\"", what,
              log_quote(store_errmsg(s), q, sizeof q));
    return -1;
}

int store_exec(struct store *s, const char *sql)
{
    if (s->backend == STORE_POSTGRES)
        return pg_exec(s, sql);
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char q[256];
        log_event(LOG_ERROR, "database statement failed", "error=\"%s\"",
                  log_quote(msg ? msg : sqlite3_errmsg(s->db), q, sizeof q));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int64_t store_changes(struct store *s)
{
    return s->backend == STORE_SQLITE ? sqlite3_changes(s->db) : s->pg_changes;
}

sql_stmt *store_stmt_uncached(struct store *s, const char *sql)
{
    sql_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->s = s;
    if (s->backend == STORE_POSTGRES) {
        if (pg_stmt_init(st, sql) != 0) {
            store_stmt_drop(st);
            return NULL;
        }
        return st;
    }
    /* FOR UPDATE SKIP LOCKED claims rows among several PostgreSQL writers; on SQLite the one
     * writer holds the whole database, so it is left out. */
    static const char lock[] = " FOR UPDATE SKIP LOCKED";
    /* An INSERT's RETURNING id is the row id SQLite knows anyway: without the clause, SQLite
     * neither buffers the row in a temporary table nor allocates one per execution, and
     * sql_step answers the one row itself. Not for an upsert's update, which sets no row id. */
    static const char returning[] = " RETURNING id";
    size_t n = strlen(sql), cut = n;
    const char *at = strstr(sql, lock);
    if (at)
        cut = (size_t)(at - sql);
    else if (n > sizeof returning && strcmp(sql + n - (sizeof returning - 1), returning) == 0 &&
             strncmp(sql, "INSERT", 6) == 0 && !strstr(sql, "DO UPDATE"))
        cut = n - (sizeof returning - 1);
    char *text = NULL;
    if (cut < n) {
        if (!(text = malloc(n + 1))) {
            free(st);
            return NULL;
        }
        memcpy(text, sql, cut);
        if (at) /* what follows the lock clause stays */
            memcpy(text + cut, at + sizeof lock - 1, n - cut - (sizeof lock - 1) + 1);
        else
            text[cut] = 0;
        st->lite_returning_id = !at;
    }
    int rc = sqlite3_prepare_v3(s->db, text ? text : sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite,
                                NULL);
    free(text);
    if (rc != SQLITE_OK) {
        store_fail(s, "prepare");
        free(st);
        return NULL;
    }
    return st;
}

sql_stmt *store_stmt(struct store *s, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= UINT64_C(0xed5ad4bb);
    h ^= h >> 11;
    for (unsigned i = 0; i < STORE_STMT_SLOTS; i++) {
        unsigned slot = (unsigned)((h + i) % STORE_STMT_SLOTS);
        if (s->cache[slot].sql == sql) {
            sql_stmt *st = s->cache[slot].stmt;
            if (st->lite) {
                sql_reset(st);
                sqlite3_clear_bindings(st->lite);
            } else {
                pg_reset(st);
                for (int p = 0; p < st->nparams; p++) {
                    free(st->values[p]);
                    st->values[p] = NULL;
                }
            }
            return st;
        }
        if (!s->cache[slot].sql) {
            /* The cache holds every static statement of the store (about 150): half full at
             * most, so a probe ends after a slot or two. */
            if (s->n_cached >= STORE_STMT_SLOTS / 2) {
                log_event(LOG_ERROR, "statement cache full", "size=%d", STORE_STMT_SLOTS);
                return NULL;
            }
            sql_stmt *st = store_stmt_uncached(s, sql);
            if (!st)
                return NULL;
            s->cache[slot].sql = sql;
            s->cache[slot].stmt = st;
            s->n_cached++;
            return st;
        }
    }
    return NULL;
}

int sql_column_count(sql_stmt *st)
{
    if (st->lite)
        return sqlite3_column_count(st->lite);
    return st->res ? PQnfields(st->res) : 0;
}

const char *sql_column_name(sql_stmt *st, int i)
{
    if (st->lite)
        return sqlite3_column_name(st->lite, i);
    return st->res ? PQfname(st->res, i) : "";
}

bool sql_column_is_int(sql_stmt *st, int i)
{
    return st->lite && sqlite3_column_type(st->lite, i) == SQLITE_INTEGER;
}

void store_bind_text(sql_stmt *st, int i, const char *v)
{
    if (!v || !v[0])
        sql_bind_null(st, i);
    else if (st->lite)
        sqlite3_bind_text(st->lite, i, v, -1, SQLITE_TRANSIENT);
    else
        pg_bind(st, i, v, false);
}

void store_column_text(sql_stmt *st, int i, char *dst, size_t dstsz)
{
    const char *t = sql_column_text(st, i);
    size_t n = !t ? 0 : st->lite ? (size_t)sqlite3_column_bytes(st->lite, i) : strlen(t);
    if (!dstsz)
        return;
    if (n >= dstsz)
        n = dstsz - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = 0;
}

int store_step_done(struct store *s, sql_stmt *st, const char *what)
{
    int rc = sql_step(st);
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, what);
}

int store_one_row(struct store *s, sql_stmt *st, void (*fn)(sql_stmt *, void *), void *out,
                  const char *what)
{
    int rc = sql_step(st);
    if (rc == SQL_ROW && fn)
        fn(st, out);
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, what);
    return rc == SQL_ROW;
}

int store_count(struct store *s, sql_stmt *st, const char *what)
{
    int rc = sql_step(st);
    int n = rc == SQL_ROW ? sql_column_int(st, 0) : -1;
    sql_reset(st);
    if (n < 0)
        store_fail(s, what);
    return n;
}

int64_t store_int64(struct store *s, sql_stmt *st, const char *what)
{
    int rc = sql_step(st);
    int64_t v = rc == SQL_ROW ? sql_column_int64(st, 0) : -1;
    sql_reset(st);
    if (v < 0)
        store_fail(s, what);
    return v;
}

int64_t store_insert_id(struct store *s, sql_stmt *st, const char *what)
{
    int rc = sql_step(st);
    int64_t id = rc == SQL_ROW ? sql_column_int64(st, 0) : 0;
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, what);
    return id;
}

int store_migrate(struct store *s)
{
    return s->backend == STORE_SQLITE ? lite_migrate(s) : pg_migrate(s);
}

int store_schema_version(struct store *s)
{
    return s->backend == STORE_SQLITE ? lite_schema_version(s) : pg_schema_version(s);
}

int store_ping(struct store *s)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM networks");
    if (!st)
        return -1;
    int rc = sql_step(st) == SQL_ROW ? 0 : -1;
    sql_reset(st);
    return rc;
}

int store_backup(struct store *s, const char *path, char *err, size_t errsz)
{
    return s->backend == STORE_SQLITE ? lite_backup(s, path, err, errsz)
                                      : pg_backup(s, path, err, errsz);
}

bool store_retryable(const struct store *s)
{
    /* A deadlock or a serialization failure between two instances' transactions: trying the
     * same work again is expected to succeed. */
    return s->backend == STORE_POSTGRES &&
           (strcmp(s->pg_state, "40P01") == 0 || strcmp(s->pg_state, "40001") == 0);
}

int store_defer_sync(struct store *s)
{
    return s->backend == STORE_SQLITE ? lite_defer_sync(s) : -1;
}

int store_sync(struct store *s)
{
    return s->defer_sync ? lite_sync(s) : 0;
}

int store_wal_frames(struct store *s)
{
    return s->defer_sync ? lite_wal_frames(s) : 0;
}

int store_checkpoint(struct store *s)
{
    return s->backend == STORE_SQLITE ? lite_checkpoint(s) : 0;
}

int store_begin(struct store *s)
{
    s->pg_state[0] = 0; /* store_retryable speaks of this transaction only */
    return store_exec(s, s->backend == STORE_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
}

int store_commit(struct store *s)
{
    return store_exec(s, "COMMIT");
}

int store_rollback(struct store *s)
{
    return store_exec(s, "ROLLBACK");
}

int store_savepoint(struct store *s)
{
    return store_exec(s, "SAVEPOINT msg");
}

int store_release(struct store *s)
{
    return store_exec(s, "RELEASE msg");
}

int store_rollback_savepoint(struct store *s)
{
    return store_exec(s, "ROLLBACK TO msg; RELEASE msg");
}
