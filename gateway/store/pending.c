/* pending.c - what catat asked a member and her YA answers (a likely duplicate, a very small
 * amount), and the search for the entry a new one may duplicate. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

int store_entry_recent_same(struct store *s, int64_t person_id, const char *kind, int64_t amount,
                            const char *item, int64_t since, int64_t message_id, char ref[8])
{
    sql_stmt *st = store_stmt(
        s, "SELECT ref FROM entries WHERE person_id = ?1 AND kind = ?2 AND amount = ?3"
           " AND coalesce(item, '') = ?4 AND created_at >= ?5 AND status <> 'cancelled'"
           " AND coalesce(message_id, 0) <> ?6 ORDER BY created_at DESC, id DESC LIMIT 1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, kind);
    sql_bind_int64(st, 3, amount);
    sql_bind_text(st, 4, item ? item : "");
    sql_bind_int64(st, 5, since);
    sql_bind_int64(st, 6, message_id);
    int rc = sql_step(st);
    if (rc == SQL_ROW)
        store_column_text(st, 0, ref, 8);
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "entry_recent_same");
    return rc == SQL_ROW;
}

int store_pending_set(struct store *s, const struct store_pending *q)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO pending_questions(person_id, kind, amount, qty, unit, item, ref, asked_at)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(person_id) DO UPDATE SET"
           " kind = ?2, amount = ?3, qty = ?4, unit = ?5, item = ?6, ref = ?7, asked_at = ?8");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, q->person_id);
    sql_bind_text(st, 2, q->kind);
    sql_bind_int64(st, 3, q->amount);
    sql_bind_int(st, 4, q->qty);
    store_bind_text(st, 5, q->unit);
    store_bind_text(st, 6, q->item);
    store_bind_text(st, 7, q->ref);
    sql_bind_int64(st, 8, q->asked_at);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "pending_set");
}

int store_pending_take(struct store *s, int64_t person_id, int64_t since, struct store_pending *q)
{
    sql_stmt *st =
        store_stmt(s, "DELETE FROM pending_questions WHERE person_id = ?1 RETURNING kind, amount, "
                      "coalesce(qty, 0),"
                      " coalesce(unit, ''), coalesce(item, ''), coalesce(ref, ''), asked_at");
    if (!st)
        return -1;
    memset(q, 0, sizeof *q);
    sql_bind_int64(st, 1, person_id);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        q->person_id = person_id;
        store_column_text(st, 0, q->kind, sizeof q->kind);
        q->amount = sql_column_int64(st, 1);
        q->qty = sql_column_int(st, 2);
        store_column_text(st, 3, q->unit, sizeof q->unit);
        store_column_text(st, 4, q->item, sizeof q->item);
        store_column_text(st, 5, q->ref, sizeof q->ref);
        q->asked_at = sql_column_int64(st, 6);
        while ((rc = sql_step(st)) == SQL_ROW) /* RETURNING: step to the end */
            ;
        rc = rc == SQL_DONE ? SQL_ROW : rc;
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "pending_take");
    return rc == SQL_ROW && q->asked_at >= since;
}
