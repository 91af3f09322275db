/* store_internal.h - what the store's own files share: the handle and prepared statements. */
#ifndef CATAT_STORE_INTERNAL_H
#define CATAT_STORE_INTERNAL_H

#include "store.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <sqlite3.h>

/* Statements are cached per connection in an open-addressing table keyed by the address of
 * their static SQL text. */
#define STORE_STMT_SLOTS 512

enum store_backend { STORE_SQLITE, STORE_POSTGRES };

/* A prepared statement of either backend. Store code uses only the sql_* calls below, which
 * behave like SQLite's: bind (1-based), step to SQL_ROW or SQL_DONE, read columns (0-based),
 * reset. On PostgreSQL a statement is executed on its first step with the values bound and its
 * result is then read row by row. */
struct sql_stmt {
    struct store *s;
    sqlite3_stmt *lite;
    /* SQLite: an INSERT prepared without its RETURNING id, which sql_step answers as a row of
     * the id the insert set (none when it inserted nothing: ON CONFLICT DO NOTHING). */
    bool lite_returning_id;
    int lite_returned; /* 0 before the step, 1 on the id's row, 2 after it */
    int64_t lite_id;
    /* PostgreSQL */
    char *pg_sql;  /* the text with ?N written $N */
    char name[16]; /* its name on the connection, once prepared */
    int nparams;   /* the highest $N */
    char **values; /* nparams bound values (NULL for SQL NULL), owned */
    Oid *types;    /* the type of each first bound: int8, or left to the server */
    PGresult *res; /* the result being read, NULL before the first step */
    int row, nrows;
};

struct store {
    enum store_backend backend;
    sqlite3 *db;
    PGconn *pg;
    char pg_error[512]; /* the last PostgreSQL error message */
    char pg_state[6];   /* and its SQLSTATE */
    int64_t pg_changes; /* rows the last INSERT, UPDATE or DELETE changed */
    int n_prepared;
    struct {
        const char *sql; /* static SQL text: its address is the key */
        struct sql_stmt *stmt;
    } cache[STORE_STMT_SLOTS];
    int n_cached;
    char path[512];
    bool defer_sync;       /* store_defer_sync was called: */
    char wal_path[520];    /* the write-ahead log's file */
    int wal_fd;            /* and store_sync's descriptor of it, or -1 */
    int wal_frames;        /* its length after the last commit (atomic) */
    int random_refs;       /* entries with a random reference (before schema 14): 0 not read yet,
                            * 1 none, 2 some */
    int64_t entry_ids[32]; /* PostgreSQL: entry ids drawn from the sequence, not yet used */
    int n_entry_ids;
};

extern const char *const store_migrations[];
extern const char *const store_pg_migrations[];

/* The first words of a migration that rebuilds a table (drops one others refer to):
 * store_migrate runs it with foreign keys off and checks them all before committing. */
#define STORE_MIGRATION_REBUILDS "-- rebuilds tables\n"

#define SQL_ROW 100
#define SQL_DONE 101
typedef struct sql_stmt sql_stmt;

/* The prepared statement for sql (a static string), reset and with bindings cleared; borrowed.
 * Written once for both databases: placeholders ?N, and "FOR UPDATE SKIP LOCKED" (PostgreSQL's
 * row claim) is left out on SQLite, where the writer holds the whole database. NULL (and a log
 * line) when it cannot be prepared. */
sql_stmt *store_stmt(struct store *s, const char *sql);
/* Logs the database error for what with the backend's message; returns -1 for
 * `return store_fail(..)`. */
int store_fail(struct store *s, const char *what);
/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t store_changes(struct store *s);
/* Runs SQL without results (several statements may be separated by semicolons): 0 or -1. */
int store_exec(struct store *s, const char *sql);

/* Runs a statement that inserts at most one row and answers RETURNING id: the new id, 0 when
 * nothing was inserted (ON CONFLICT DO NOTHING), or -1 (logged as what). */
int64_t store_insert_id(struct store *s, sql_stmt *st, const char *what);
/* The backend's last error message. */
const char *store_errmsg(struct store *s);

/* The SQLite backend (sqlite.c). */
struct store *lite_open(const char *path, char *err, size_t errsz);
int lite_migrate(struct store *s);
int lite_schema_version(struct store *s);
int lite_backup(struct store *s, const char *path, char *err, size_t errsz);
int lite_defer_sync(struct store *s);
int lite_sync(struct store *s);
int lite_wal_frames(struct store *s);
int lite_checkpoint(struct store *s);
/* A connection with a deferred sync is closed: its checkpointer is gone. */
void lite_close_deferred(void);

/* The PostgreSQL backend (postgres.c). */
struct store *pg_open(const char *url, char *err, size_t errsz);
int pg_exec(struct store *s, const char *sql);
int pg_stmt_init(sql_stmt *st, const char *sql);
int pg_migrate(struct store *s);
int pg_schema_version(struct store *s);
int pg_backup(struct store *s, const char *path, char *err, size_t errsz);
/* The PostgreSQL half of the sql_* calls. */
int pg_step(sql_stmt *st);
void pg_reset(sql_stmt *st);
void pg_bind(sql_stmt *st, int i, const char *v, bool is_int);
const char *pg_column(sql_stmt *st, int i);

static inline void sql_bind_int64(sql_stmt *st, int i, int64_t v)
{
    if (st->lite) {
        sqlite3_bind_int64(st->lite, i, v);
    } else {
        char b[24];
        snprintf(b, sizeof b, "%lld", (long long)v);
        pg_bind(st, i, b, true);
    }
}
static inline void sql_bind_int(sql_stmt *st, int i, int v)
{
    sql_bind_int64(st, i, v);
}
/* Binds text that stays unchanged until the statement is stepped (no copy on SQLite). */
static inline void sql_bind_text(sql_stmt *st, int i, const char *v)
{
    if (st->lite)
        sqlite3_bind_text(st->lite, i, v, -1, SQLITE_STATIC);
    else
        pg_bind(st, i, v, false);
}
static inline void sql_bind_null(sql_stmt *st, int i)
{
    if (st->lite)
        sqlite3_bind_null(st->lite, i);
    else
        pg_bind(st, i, NULL, false);
}
static inline int sql_step(sql_stmt *st)
{
    if (!st->lite)
        return pg_step(st);
    if (st->lite_returning_id && st->lite_returned) {
        st->lite_returned = 2;
        return SQL_DONE;
    }
    int rc = sqlite3_step(st->lite);
    if (st->lite_returning_id && rc == SQLITE_DONE) {
        sqlite3 *db = sqlite3_db_handle(st->lite);
        st->lite_returned = sqlite3_changes(db) > 0 ? 1 : 2;
        st->lite_id = sqlite3_last_insert_rowid(db);
        return st->lite_returned == 1 ? SQL_ROW : SQL_DONE;
    }
    return rc == SQLITE_ROW ? SQL_ROW : rc == SQLITE_DONE ? SQL_DONE : rc;
}
static inline void sql_reset(sql_stmt *st)
{
    if (st->lite) {
        sqlite3_reset(st->lite);
        st->lite_returned = 0;
    } else {
        pg_reset(st);
    }
}
/* Column i of the current row as text; NULL for SQL NULL (valid until the next step or reset). */
static inline const char *sql_column_text(sql_stmt *st, int i)
{
    return st->lite ? (const char *)sqlite3_column_text(st->lite, i) : pg_column(st, i);
}
int64_t pg_column_int64(sql_stmt *st, int i);
static inline int64_t sql_column_int64(sql_stmt *st, int i)
{
    if (st->lite)
        return st->lite_returning_id ? st->lite_id : sqlite3_column_int64(st->lite, i);
    return pg_column_int64(st, i);
}
static inline int sql_column_int(sql_stmt *st, int i)
{
    return (int)sql_column_int64(st, i);
}
/* The number of columns of the result, and the name of column i. */
int sql_column_count(sql_stmt *st);
const char *sql_column_name(sql_stmt *st, int i);
/* Whether column i of the current row holds an integer (SQLite's storage class; on PostgreSQL,
 * where values come as text, false: the target parameter's type converts them). */
bool sql_column_is_int(sql_stmt *st, int i);
/* A statement for text made at run time (such as a table's name filled in), prepared on SQLite
 * or readied for its first step on PostgreSQL, not cached: store_stmt_drop frees it. NULL (and
 * a log line) when it cannot be prepared. */
sql_stmt *store_stmt_uncached(struct store *s, const char *sql);
/* Frees a statement that is not in the cache. */
void store_stmt_drop(sql_stmt *st);

static inline bool sql_column_null(sql_stmt *st, int i)
{
    return st->lite ? sqlite3_column_type(st->lite, i) == SQLITE_NULL : !pg_column(st, i);
}

/* Column i as text, "" for NULL; borrowed until the next step. */
static inline const char *col(sql_stmt *st, int i)
{
    const char *t = sql_column_text(st, i);
    return t ? t : "";
}

/* Binds text, or NULL when v is NULL or empty; copied. */
void store_bind_text(sql_stmt *st, int i, const char *v);
/* Copies column i as text into dst (empty when NULL). */
void store_column_text(sql_stmt *st, int i, char *dst, size_t dstsz);

/* Steps st (bound) to SQL_DONE and resets it: 0, or -1 (logged as what). */
int store_step_done(struct store *s, sql_stmt *st, const char *what);
/* Steps a one-row query and resets it: 1 with the row read by fn (when not NULL), 0 when none,
 * -1 on error (logged as what). */
int store_one_row(struct store *s, sql_stmt *st, void (*fn)(sql_stmt *, void *), void *out,
                  const char *what);
/* Steps a query answering one integer (a count) and resets it: the integer, or -1 (logged as
 * what) when there is no row or it is negative. */
int store_count(struct store *s, sql_stmt *st, const char *what);
/* store_count for a 64-bit integer (an id, a sum): the integer, or -1 (logged as what) when
 * there is no row or it is negative. */
int64_t store_int64(struct store *s, sql_stmt *st, const char *what);

/* The highest member code made up so far ("A" and digits only, so "A12B" does not count as 12),
 * or 0, as a column m: the next one is A and the next number, at least four digits. */
#define MAX_MEMBER_CODE                                                                            \
    "coalesce(max(CAST(substr(code, 2) AS BIGINT)), 0) AS m FROM people"                           \
    " WHERE glob('A[0-9]*', code) AND NOT glob('*[^0-9]*', substr(code, 2))"

/* Reads a row of the group columns (id, code, name, timezone, network_id) into g. */
void store_read_group(sql_stmt *st, struct store_group *g);

/* The columns store_read_person reads, with the person's group joined as g. */
#define PERSON_SELECT                                                                              \
    "SELECT p.id, p.phone, p.name, coalesce(p.role, ''), coalesce(p.language, ''),"                \
    " coalesce(p.code, ''), coalesce(p.channel, ''), coalesce(p.last_channel, ''),"                \
    " coalesce(p.last_inbound_at, 0), p.opted_out, coalesce(p.group_id, 0),"                       \
    " coalesce(g.code, ''), coalesce(g.timezone, ''), coalesce(p.last_to, ''),"                    \
    " coalesce(p.user_id, '')"                                                                     \
    " FROM people p LEFT JOIN groups g ON g.id = p.group_id "

/* Reads a row of the people columns (id, phone, name, role, language, code, channel,
 * last_channel, last_inbound_at, opted_out, group_id, group code, group timezone, last_to,
 * user_id) into p. */
void store_read_person(sql_stmt *st, struct store_person *p);
/* store_read_person as a store_one_row reader (out is a struct store_person). */
void store_read_person_cb(sql_stmt *st, void *out);
/* Steps st (a PERSON_SELECT query, bound) to the end, reading every person first and only then
 * calling fn on each, so fn may write through the same connection. Returns how many, or -1
 * (logged as what). */
int store_each_person_row(struct store *s, sql_stmt *st,
                          void (*fn)(const struct store_person *, void *), void *arg,
                          const char *what);

#endif
