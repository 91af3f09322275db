/* copy.c - copying a whole programme from one database into another (catat db copy): every
 * table, row by row in one transaction on each side, then every table counted on both. */
#include "store_internal.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table catat keeps, in an order where a row is copied after the rows it refers to. */
static const char *const tables[] = {
    "networks",
    "groups",
    "people",
    "messages",
    "outbox",
    "loans",
    "instalments",
    "entries",
    "batches",
    "sessions",
    "participants",
    "attendance",
    "answers",
    "reminders",
    "survey_questions",
    "discussion",
    "pending_questions",
    "web_codes",
    "web_sessions",
    "web_attempts",
    "web_actions",
    NULL,
};

static int64_t count_rows(struct store *s, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sql_stmt *st = store_stmt_uncached(s, sql);
    int64_t n = st ? store_int64(s, st, "copy_count") : -1;
    store_stmt_drop(st);
    return n;
}

/* The column names of table (from a query of no rows), comma-separated into cols. */
static int column_list(struct store *s, const char *table, char *cols, size_t colsz, int *n)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT * FROM %s LIMIT 0", table);
    sql_stmt *st = store_stmt_uncached(s, sql);
    if (!st)
        return -1;
    int rc = sql_step(st);
    *n = rc == SQL_DONE ? sql_column_count(st) : 0;
    size_t len = 0;
    cols[0] = 0;
    for (int i = 0; i < *n && len < colsz; i++)
        len += (size_t)snprintf(cols + len, colsz - len, "%s%s", i ? ", " : "",
                                sql_column_name(st, i));
    store_stmt_drop(st);
    return rc == SQL_DONE && *n > 0 && len < colsz ? 0 : -1;
}

/* Copies the rows of one table: how many, or -1. */
static int64_t copy_table(struct store *from, struct store *to, const char *table)
{
    char cols[2048];
    int n;
    if (column_list(from, table, cols, sizeof cols, &n) != 0)
        return -1;
    char select[2300], insert[4600];
    snprintf(select, sizeof select, "SELECT %s FROM %s ORDER BY 1", cols, table);
    size_t len = (size_t)snprintf(insert, sizeof insert, "INSERT INTO %s(%s) VALUES(", table, cols);
    for (int i = 1; i <= n && len < sizeof insert; i++)
        len += (size_t)snprintf(insert + len, sizeof insert - len, "%s?%d", i > 1 ? ", " : "", i);
    if (len + 2 >= sizeof insert)
        return -1;
    memcpy(insert + len, ")", 2);
    sql_stmt *src = store_stmt_uncached(from, select), *dst = store_stmt_uncached(to, insert);
    int64_t rows = 0;
    int rc = src && dst ? SQL_ROW : -1;
    while (src && dst && (rc = sql_step(src)) == SQL_ROW) {
        sql_reset(dst);
        for (int i = 0; i < n; i++) {
            if (sql_column_null(src, i))
                sql_bind_null(dst, i + 1);
            else if (sql_column_is_int(src, i))
                sql_bind_int64(dst, i + 1, sql_column_int64(src, i));
            else
                sql_bind_text(dst, i + 1, sql_column_text(src, i));
        }
        if (sql_step(dst) != SQL_DONE) {
            store_fail(to, table);
            rc = -1;
            break;
        }
        rows++;
    }
    if (rc != SQL_DONE && rc != -1)
        store_fail(from, table);
    store_stmt_drop(src);
    store_stmt_drop(dst);
    return rc == SQL_DONE ? rows : -1;
}

/* After rows were copied with their ids, PostgreSQL's identity sequence of table continues
 * after the highest. */
static int continue_ids(struct store *to, const char *table)
{
    if (to->backend != STORE_POSTGRES || strcmp(table, "pending_questions") == 0)
        return 0;
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false)"
             " FROM %s",
             table, table);
    return store_exec(to, sql);
}

int store_copy(struct store *from, struct store *to, FILE *report, char *err, size_t errsz)
{
    int v_from = store_schema_version(from), v_to = store_schema_version(to);
    if (v_from < 0 || v_from != v_to) {
        snprintf(err, errsz, "schema versions differ (%d and %d): run catat db migrate on both",
                 v_from, v_to);
        return -1;
    }
    for (int t = 0; tables[t]; t++) {
        int64_t n = count_rows(to, tables[t]);
        if (n != 0) {
            snprintf(err, errsz,
                     "the target is not empty (%s has %lld rows): copy into a new database",
                     tables[t], (long long)n);
            return -1;
        }
    }
    /* One read transaction on the source (a consistent snapshot while a server writes), one
     * write transaction on the target (all or nothing). */
    if (store_exec(from, from->backend == STORE_POSTGRES
                             ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                             : "BEGIN") != 0 ||
        store_begin(to) != 0) {
        snprintf(err, errsz, "cannot begin: %s", store_errmsg(to));
        return -1;
    }
    int64_t copied[64] = {0};
    for (int t = 0; tables[t]; t++) {
        copied[t] = copy_table(from, to, tables[t]);
        if (copied[t] < 0 || continue_ids(to, tables[t]) != 0) {
            snprintf(err, errsz, "copying %s failed: %s", tables[t], store_errmsg(to));
            store_rollback(to);
            store_rollback(from);
            return -1;
        }
    }
    if (store_commit(to) != 0) {
        snprintf(err, errsz, "commit failed: %s", store_errmsg(to));
        store_rollback(from);
        return -1;
    }
    /* Counted again on both sides, each table, from the snapshot copied. */
    int differ = 0;
    fprintf(report, "%-18s %12s %12s\n", "table", "source", "target");
    for (int t = 0; tables[t]; t++) {
        int64_t a = count_rows(from, tables[t]), b = count_rows(to, tables[t]);
        fprintf(report, "%-18s %12lld %12lld%s\n", tables[t], (long long)a, (long long)b,
                a == b && a == copied[t] ? "" : "  DIFFERENT");
        differ += a != b || a != copied[t];
    }
    store_rollback(from);
    if (differ) {
        snprintf(err, errsz, "%d tables differ after the copy", differ);
        return -1;
    }
    return 0;
}
