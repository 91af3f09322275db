/* reminders.c - what reminders are due, which were queued, and the daily digests' figures: SQL. */
#include "store_internal.h"
#include "store_training.h"

#include <stdlib.h>
#include <string.h>

int store_unpaid_instalments(struct store *s, const char *from, const char *to,
                             struct store_due_instalment **out)
{
    sql_stmt *st = store_stmt(
        s, "SELECT i.id, l.id, l.person_id, l.code, i.n, i.due_date, i.amount - i.paid,"
           " coalesce(g.timezone, '') FROM instalments i JOIN loans l ON l.id = i.loan_id"
           " JOIN people p ON p.id = l.person_id LEFT JOIN groups g ON g.id = p.group_id"
           " WHERE i.paid < i.amount AND i.due_date >= ?1 AND i.due_date <= ?2"
           " AND p.opted_out = 0 ORDER BY i.due_date, l.code, i.n");
    if (!st)
        return -1;
    sql_bind_text(st, 1, from);
    sql_bind_text(st, 2, to);
    struct store_due_instalment *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_due_instalment *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        struct store_due_instalment *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->instalment_id = sql_column_int64(st, 0);
        r->loan_id = sql_column_int64(st, 1);
        r->person_id = sql_column_int64(st, 2);
        store_column_text(st, 3, r->loan_code, sizeof r->loan_code);
        r->n = sql_column_int(st, 4);
        store_column_text(st, 5, r->due_date, sizeof r->due_date);
        r->amount_left = sql_column_int64(st, 6);
        store_column_text(st, 7, r->timezone, sizeof r->timezone);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(rows);
        return store_fail(s, "unpaid_instalments");
    }
    *out = rows;
    return n;
}

int store_reminder_exists(struct store *s, const char *dedupe_key)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM reminders WHERE dedupe_key = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, dedupe_key);
    int n = store_count(s, st, "reminder_exists");
    return n < 0 ? -1 : n > 0;
}

int store_reminder_record(struct store *s, const struct store_reminder *r, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO reminders(dedupe_key, kind, person_id, instalment_id, session_id,"
           " outbox_id, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
           " ON CONFLICT(dedupe_key) DO NOTHING");
    if (!st)
        return -1;
    sql_bind_text(st, 1, r->dedupe_key);
    sql_bind_text(st, 2, r->kind);
    sql_bind_int64(st, 3, r->person_id);
    if (r->instalment_id)
        sql_bind_int64(st, 4, r->instalment_id);
    if (r->session_id)
        sql_bind_int64(st, 5, r->session_id);
    if (r->outbox_id)
        sql_bind_int64(st, 6, r->outbox_id);
    sql_bind_int64(st, 7, now);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "reminder_record");
}

int store_reminders_drop_paid(struct store *s, int64_t loan_id)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE outbox SET status = 'dropped', error = 'instalment paid'"
                      " WHERE status = 'queued' AND id IN (SELECT r.outbox_id FROM reminders r"
                      " JOIN instalments i ON i.id = r.instalment_id WHERE i.loan_id = ?1"
                      " AND i.paid >= i.amount)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, loan_id);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "reminders_drop_paid");
    return store_changes(s);
}

int store_each_group(struct store *s, int64_t network_id,
                     void (*fn)(const struct store_group *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code, name, timezone, coalesce(network_id, 0)"
                                 " FROM groups WHERE ?1 = 0 OR network_id = ?1 ORDER BY code");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, network_id);
    struct store_group *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_group *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        store_read_group(st, &rows[n++]);
    }
    sql_reset(st);
    for (int i = 0; i < n; i++)
        fn(&rows[i], arg);
    free(rows);
    return rc == SQL_DONE ? n : store_fail(s, "each_group");
}

int store_each_staff(struct store *s, int64_t group_id, int64_t network_id, const char *roles,
                     void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st =
        store_stmt(s, PERSON_SELECT
                   "WHERE p.opted_out = 0 AND instr(',' || ?3 || ',', ',' || p.role || ',') > 0"
                   " AND ((?1 != 0 AND p.group_id = ?1)"
                   "  OR (?1 = 0 AND g.network_id = ?2)) ORDER BY p.id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, network_id);
    sql_bind_text(st, 3, roles);
    return store_each_person_row(s, st, fn, arg, "each_staff");
}

int store_each_network(struct store *s, void (*fn)(int64_t id, const char *code, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code FROM networks ORDER BY code");
    if (!st)
        return -1;
    struct net {
        int64_t id;
        char code[24];
    } *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct net *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        rows[n].id = sql_column_int64(st, 0);
        store_column_text(st, 1, rows[n].code, sizeof rows[n].code);
        n++;
    }
    sql_reset(st);
    for (int i = 0; i < n; i++)
        fn(rows[i].id, rows[i].code, arg);
    free(rows);
    return rc == SQL_DONE ? n : store_fail(s, "each_network");
}

/* The groups in scope: one group (?1), or every group of a network (?1 = 0, ?2). */
#define SCOPE_GROUPS                                                                               \
    "(SELECT id FROM groups WHERE (?1 != 0 AND id = ?1) OR (?1 = 0 AND network_id = ?2))"
#define SCOPE_PEOPLE "(SELECT id FROM people WHERE group_id IN " SCOPE_GROUPS ")"
#define SCOPE_PHONES "(SELECT phone FROM people WHERE group_id IN " SCOPE_GROUPS ")"

int store_digest_figures(struct store *s, int64_t group_id, int64_t network_id, int64_t from,
                         int64_t to, struct store_digest *d)
{
    sql_stmt *st = store_stmt(
        s,
        "SELECT (SELECT count(*) FROM people WHERE group_id IN " SCOPE_GROUPS
        "  AND role IS NOT NULL AND created_at >= ?3 AND created_at < ?4),"
        " (SELECT count(*) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND created_at >= ?3 AND created_at < ?4),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'sale' AND status != 'cancelled' AND created_at >= ?3 AND created_at < ?4),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'expense' AND status != 'cancelled' AND created_at >= ?3"
        "  AND created_at < ?4),"
        " (SELECT count(*) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'repayment' AND status = 'confirmed' AND confirmed_at >= ?3"
        "  AND confirmed_at < ?4),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'repayment' AND status = 'confirmed' AND confirmed_at >= ?3"
        "  AND confirmed_at < ?4),"
        " (SELECT count(*) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'repayment' AND status = 'reported'),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'repayment' AND status = 'reported'),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'savings' AND status = 'reported'),"
        " (SELECT coalesce(sum(amount), 0) FROM entries WHERE group_id IN " SCOPE_GROUPS
        "  AND kind = 'withdrawal' AND status = 'reported'),"
        " (SELECT count(*) FROM attendance a JOIN participants pa ON pa.id = a.participant_id"
        "  WHERE pa.person_id IN " SCOPE_PEOPLE " AND a.at >= ?3 AND a.at < ?4),"
        " (SELECT count(*) FROM messages WHERE received_at >= ?3 AND received_at < ?4 AND"
        "  status = 'not_understood' AND phone IN " SCOPE_PHONES "),"
        " (SELECT count(*) FROM outbox WHERE status = 'failed' AND created_at >= ?3"
        "  AND created_at < ?4 AND phone IN " SCOPE_PHONES ")");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, network_id);
    sql_bind_int64(st, 3, from);
    sql_bind_int64(st, 4, to);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        memset(d, 0, sizeof *d);
        d->registrations = sql_column_int(st, 0);
        d->reports = sql_column_int(st, 1);
        d->sales = sql_column_int64(st, 2);
        d->expenses = sql_column_int64(st, 3);
        d->repayments_confirmed_n = sql_column_int(st, 4);
        d->repaid_confirmed = sql_column_int64(st, 5);
        d->repayments_waiting_n = sql_column_int(st, 6);
        d->repaid_waiting = sql_column_int64(st, 7);
        d->savings_waiting = sql_column_int64(st, 8);
        d->withdrawals_waiting = sql_column_int64(st, 9);
        d->attendance = sql_column_int(st, 10);
        d->not_understood = sql_column_int(st, 11);
        d->failed = sql_column_int(st, 12);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "digest_figures");
}

int store_each_arrears(struct store *s, int64_t group_id, int64_t network_id, const char *today,
                       void (*fn)(const char *name, const char *code, int64_t amount,
                                  const char *oldest_due, void *),
                       void *arg)
{
    sql_stmt *st =
        store_stmt(s, "SELECT p.name, coalesce(p.code, ''), sum(i.amount - i.paid), min(i.due_date)"
                      " FROM instalments i JOIN loans l ON l.id = i.loan_id JOIN people p"
                      " ON p.id = l.person_id WHERE p.group_id IN " SCOPE_GROUPS
                      " AND i.paid < i.amount AND i.due_date < ?3 GROUP BY p.id"
                      " ORDER BY min(i.due_date), p.name");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, network_id);
    sql_bind_text(st, 3, today);
    int rc, n = 0;
    /* fn only formats text, so it may be called while the rows are read. */
    while ((rc = sql_step(st)) == SQL_ROW) {
        const char *name = sql_column_text(st, 0), *code = sql_column_text(st, 1),
                   *due = sql_column_text(st, 3);
        fn(name ? name : "", code ? code : "", sql_column_int64(st, 2), due ? due : "", arg);
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "each_arrears");
}
