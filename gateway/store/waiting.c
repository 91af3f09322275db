/* waiting.c - members' reports waiting for a treasurer's confirmation: the lists the treasurer's
 * hourly notice and the daily digest show, and which of them she was told of. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

int store_waiting_list(struct store *s, int64_t group_id, int64_t network_id, bool only_untold,
                       struct store_waiting **out)
{
    *out = NULL;
    sql_stmt *st = store_stmt(
        s, "SELECT e.id, e.ref, e.kind, e.amount, p.name, coalesce(p.code, ''), e.created_at"
           " FROM entries e JOIN people p ON p.id = e.person_id WHERE e.status = 'reported'"
           " AND e.group_id IN (SELECT id FROM groups WHERE (?1 != 0 AND id = ?1)"
           " OR (?1 = 0 AND network_id = ?2)) AND (?3 = 0 OR e.told_at IS NULL)"
           " ORDER BY e.created_at, e.id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, network_id);
    sql_bind_int(st, 3, only_untold);
    struct store_waiting *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_waiting *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        struct store_waiting *w = &rows[n++];
        memset(w, 0, sizeof *w);
        w->entry_id = sql_column_int64(st, 0);
        store_column_text(st, 1, w->ref, sizeof w->ref);
        store_column_text(st, 2, w->kind, sizeof w->kind);
        w->amount = sql_column_int64(st, 3);
        store_column_text(st, 4, w->name, sizeof w->name);
        store_column_text(st, 5, w->code, sizeof w->code);
        w->created_at = sql_column_int64(st, 6);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(rows);
        return store_fail(s, "waiting_list");
    }
    *out = rows;
    return n;
}

int store_waiting_groups(struct store *s, int64_t **ids)
{
    *ids = NULL;
    sql_stmt *st = store_stmt(s, "SELECT DISTINCT group_id FROM entries"
                                 " WHERE status = 'reported' AND told_at IS NULL"
                                 " AND group_id IS NOT NULL ORDER BY group_id");
    if (!st)
        return -1;
    int64_t *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        int64_t *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        rows[n++] = sql_column_int64(st, 0);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(rows);
        return store_fail(s, "waiting_groups");
    }
    *ids = rows;
    return n;
}

int store_each_treasurer(struct store *s, int64_t group_id,
                         void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT "WHERE p.group_id = ?1 AND p.role = 'treasurer'"
                                               " AND p.opted_out = 0 ORDER BY p.id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    return store_each_person_row(s, st, fn, arg, "each_treasurer");
}

int store_entry_set_told(struct store *s, int64_t entry_id, int64_t at)
{
    sql_stmt *st = store_stmt(s, "UPDATE entries SET told_at = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, entry_id);
    sql_bind_int64(st, 2, at);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "entry_set_told");
}

int64_t store_last_reminder_at(struct store *s, int64_t person_id, const char *kind)
{
    sql_stmt *st = store_stmt(s, "SELECT coalesce(max(created_at), 0) FROM reminders"
                                 " WHERE person_id = ?1 AND kind = ?2");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, kind);
    int rc = sql_step(st);
    int64_t at = rc == SQL_ROW ? sql_column_int64(st, 0) : -1;
    sql_reset(st);
    return rc == SQL_ROW ? at : store_fail(s, "last_reminder_at");
}
