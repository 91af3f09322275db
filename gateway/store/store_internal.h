/* store_internal.h - what the store's own files share: the handle and prepared statements. */
#ifndef CATAT_STORE_INTERNAL_H
#define CATAT_STORE_INTERNAL_H

#include "store.h"

#include <sqlite3.h>

#define STORE_STMT_CACHE 128

struct store {
    sqlite3 *db;
    struct {
        const char *sql; /* static SQL text: its address is the cache key */
        sqlite3_stmt *stmt;
    } cache[STORE_STMT_CACHE];
    int n_cached;
    char path[512];
};

extern const char *const store_migrations[];

/* The first words of a migration that rebuilds a table (drops one others refer to):
 * store_migrate runs it with foreign keys off and checks them all before committing. */
#define STORE_MIGRATION_REBUILDS "-- rebuilds tables\n"

/* The prepared statement for sql (a static string), reset and with bindings cleared; borrowed.
 * NULL (and a log line) when it cannot be prepared. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Logs the database error for what with sqlite's message; returns -1 for `return store_fail(..)`.
 */
int store_fail(struct store *s, const char *what);
/* Binds text, or NULL when v is NULL or empty. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Copies column i as text into dst (empty when NULL). */
void store_column_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz);

/* Steps st (bound) to SQLITE_DONE and resets it: 0, or -1 (logged as what). */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);
/* Steps a one-row query and resets it: 1 with the row read by fn (when not NULL), 0 when none,
 * -1 on error (logged as what). */
int store_one_row(struct store *s, sqlite3_stmt *st, void (*fn)(sqlite3_stmt *, void *), void *out,
                  const char *what);
/* Steps a query answering one integer (a count) and resets it: the integer, or -1 (logged as
 * what) when there is no row or it is negative. */
int store_count(struct store *s, sqlite3_stmt *st, const char *what);
/* store_count for a 64-bit integer (an id, a sum): the integer, or -1 (logged as what) when
 * there is no row or it is negative. */
int64_t store_int64(struct store *s, sqlite3_stmt *st, const char *what);

/* Reads a row of the group columns (id, code, name, timezone, network_id) into g. */
void store_read_group(sqlite3_stmt *st, struct store_group *g);

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
void store_read_person(sqlite3_stmt *st, struct store_person *p);
/* store_read_person as a store_one_row reader (out is a struct store_person). */
void store_read_person_cb(sqlite3_stmt *st, void *out);
/* Steps st (a PERSON_SELECT query, bound) to the end, reading every person first and only then
 * calling fn on each, so fn may write through the same connection. Returns how many, or -1
 * (logged as what). */
int store_each_person_row(struct store *s, sqlite3_stmt *st,
                          void (*fn)(const struct store_person *, void *), void *arg,
                          const char *what);

#endif
