/* ledger.c - groups, member registration, entries and loans: their SQL. */
#include "store_internal.h"
#include "refs.h"
#include "store_training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_read_group(sql_stmt *st, struct store_group *g)
{
    memset(g, 0, sizeof *g);
    g->id = sql_column_int64(st, 0);
    store_column_text(st, 1, g->code, sizeof g->code);
    store_column_text(st, 2, g->name, sizeof g->name);
    store_column_text(st, 3, g->timezone, sizeof g->timezone);
    g->network_id = sql_column_int64(st, 4);
}

static void read_group_cb(sql_stmt *st, void *out)
{
    store_read_group(st, out);
}

int store_group_by_code(struct store *s, const char *code, struct store_group *g)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code, name, timezone, coalesce(network_id, 0)"
                                 " FROM groups WHERE code = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, code);
    return store_one_row(s, st, read_group_cb, g, "group_by_code");
}

int store_group_by_id(struct store *s, int64_t id, struct store_group *g)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code, name, timezone, coalesce(network_id, 0)"
                                 " FROM groups WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    return store_one_row(s, st, read_group_cb, g, "group_by_id");
}

int store_group_has_treasurer(struct store *s, int64_t group_id)
{
    sql_stmt *st =
        store_stmt(s, "SELECT count(*) FROM people WHERE group_id = ?1 AND role = 'treasurer'");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    int n = store_count(s, st, "group_has_treasurer");
    return n < 0 ? -1 : n > 0;
}

int store_person_register(struct store *s, int64_t person_id, const char *name, int64_t group_id)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE people SET name = ?2, group_id = ?3, role = 'member',"
                      " code = coalesce(code, (SELECT 'A' || CASE WHEN m < 9999"
                      "  THEN substr(CAST(10001 + m AS TEXT), 2) ELSE CAST(m + 1 AS TEXT) END"
                      "  FROM (SELECT " MAX_MEMBER_CODE ") AS t))"
                      " WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, name);
    sql_bind_int64(st, 3, group_id);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "person_register");
}

int store_person_by_code(struct store *s, const char *code, struct store_person *p)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT "WHERE p.code = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, code);
    return store_one_row(s, st, store_read_person_cb, p, "person_by_code");
}

bool store_staff_covers(struct store *s, const struct store_person *staff, int64_t group_id)
{
    if (strcmp(staff->role, "admin") == 0)
        return true;
    if (strcmp(staff->role, "member") == 0 || !staff->role[0] || !group_id)
        return false;
    if (staff->group_id == group_id)
        return true;
    if (strcmp(staff->role, "facilitator") != 0)
        return false;
    struct store_group mine, theirs;
    return store_group_by_id(s, staff->group_id, &mine) == 1 &&
           store_group_by_id(s, group_id, &theirs) == 1 && mine.network_id &&
           mine.network_id == theirs.network_id;
}

/* Whether entries with a random reference (made before schema 14) exist: 1, 0, or -1 when the
 * database failed. Read once per connection: nothing makes more of them. */
static int has_random_refs(struct store *s)
{
    if (!s->random_refs) {
        sql_stmt *st =
            store_stmt(s, "SELECT count(*) FROM (SELECT 1 FROM entries WHERE random_ref = 1"
                          " LIMIT 1) AS q");
        int64_t n = st ? store_int64(s, st, "random_refs") : -1;
        if (n < 0)
            return -1;
        s->random_refs = n ? 2 : 1;
    }
    return s->random_refs == 2;
}

/* Whether ref is the random reference of an entry made before schema 14: 1, 0, or -1. */
static int random_ref_taken(struct store *s, const char *ref)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM entries WHERE ref = ?1 AND random_ref = 1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, ref);
    int64_t n = store_int64(s, st, "random_ref_taken");
    return n < 0 ? -1 : n > 0;
}

/* The id the next entry takes after `after` (0: the first one to try). On PostgreSQL the ids
 * come from the table's sequence, drawn 32 at a time (one round trip instead of one per entry;
 * an instance that stops leaves a gap, as a rolled-back insert does). */
static int64_t next_entry_id(struct store *s, int64_t after)
{
    if (s->backend != STORE_POSTGRES) {
        if (after)
            return after + 1;
        sql_stmt *st = store_stmt(s, "SELECT coalesce(max(id), 0) + 1 FROM entries");
        return st ? store_int64(s, st, "next_entry_id") : -1;
    }
    if (!s->n_entry_ids) {
        sql_stmt *st = store_stmt(s, "SELECT nextval(pg_get_serial_sequence('entries', 'id'))"
                                     " FROM generate_series(1, 32)");
        if (!st)
            return -1;
        int rc, n = 0;
        int64_t drawn[32];
        while ((rc = sql_step(st)) == SQL_ROW && n < 32)
            drawn[n++] = sql_column_int64(st, 0);
        sql_reset(st);
        if (rc != SQL_DONE || n == 0)
            return store_fail(s, "next_entry_id");
        for (int i = 0; i < n; i++) /* used from the end: the lowest first */
            s->entry_ids[i] = drawn[n - 1 - i];
        s->n_entry_ids = n;
    }
    return s->entry_ids[--s->n_entry_ids];
}

int64_t store_entry_add(struct store *s, struct store_entry *e)
{
    int random = has_random_refs(s);
    if (random < 0)
        return -1;
    /* The entry's id gives its reference; an id whose code an older entry holds is skipped. */
    int64_t id = 0;
    int taken;
    do {
        if ((id = next_entry_id(s, id)) <= 0)
            return -1;
        if (refs_encode(id, e->ref) != 0)
            return store_fail(s, "entry_add: no reference code left");
        if ((taken = random ? random_ref_taken(s, e->ref) : 0) < 0)
            return -1;
    } while (taken);
    sql_stmt *st = store_stmt(
        s,
        "INSERT INTO entries(id, ref, person_id, group_id, kind, amount, qty, unit, item, loan_id,"
        " status, message_id, recorded_by, created_at, confirmed_at, loan_named)"
        " VALUES(?15, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " CASE WHEN ?10 = 'confirmed' THEN ?13 END, ?14)");
    if (!st)
        return -1;
    sql_bind_text(st, 1, e->ref);
    sql_bind_int64(st, 2, e->person_id);
    if (e->group_id)
        sql_bind_int64(st, 3, e->group_id);
    sql_bind_text(st, 4, e->kind);
    sql_bind_int64(st, 5, e->amount);
    if (e->qty)
        sql_bind_int(st, 6, e->qty);
    store_bind_text(st, 7, e->unit);
    store_bind_text(st, 8, e->item);
    if (e->loan_id)
        sql_bind_int64(st, 9, e->loan_id);
    sql_bind_text(st, 10, e->status);
    if (e->message_id)
        sql_bind_int64(st, 11, e->message_id);
    if (e->recorded_by)
        sql_bind_int64(st, 12, e->recorded_by);
    sql_bind_int64(st, 13, e->created_at);
    sql_bind_int(st, 14, e->loan_named);
    sql_bind_int64(st, 15, id);
    int rc = sql_step(st);
    sql_reset(st);
    if (rc != SQL_DONE)
        return store_fail(s, "entry_add");
    return e->id = id;
}

static void read_entry_cb(sql_stmt *st, void *out)
{
    struct store_entry *e = out;
    memset(e, 0, sizeof *e);
    e->id = sql_column_int64(st, 0);
    store_column_text(st, 1, e->ref, sizeof e->ref);
    e->person_id = sql_column_int64(st, 2);
    e->group_id = sql_column_int64(st, 3);
    store_column_text(st, 4, e->kind, sizeof e->kind);
    e->amount = sql_column_int64(st, 5);
    e->loan_id = sql_column_int64(st, 6);
    store_column_text(st, 7, e->status, sizeof e->status);
    e->created_at = sql_column_int64(st, 8);
    e->recorded_by = sql_column_int64(st, 9);
    e->confirmed_by = sql_column_int64(st, 10);
    e->loan_named = sql_column_int(st, 11) != 0;
}

#define ENTRY_COLUMNS                                                                              \
    "SELECT id, ref, person_id, coalesce(group_id, 0), kind, amount, coalesce(loan_id, 0),"        \
    " status, created_at, coalesce(recorded_by, 0), coalesce(confirmed_by, 0), loan_named"         \
    " FROM entries"

int store_entry_by_ref(struct store *s, const char *ref, struct store_entry *e)
{
    int random = has_random_refs(s);
    if (random < 0)
        return -1;
    if (random) { /* a reference made before schema 14 */
        sql_stmt *st = store_stmt(s, ENTRY_COLUMNS " WHERE ref = ?1 AND random_ref = 1");
        if (!st)
            return -1;
        sql_bind_text(st, 1, ref);
        int n = store_one_row(s, st, read_entry_cb, e, "entry_by_ref");
        if (n != 0)
            return n;
    }
    /* The id it is the code of, if that entry has it (one made before may not). */
    int64_t id = refs_decode(ref);
    if (!id)
        return 0;
    sql_stmt *st = store_stmt(s, ENTRY_COLUMNS " WHERE id = ?1 AND ref = ?2");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_text(st, 2, ref);
    return store_one_row(s, st, read_entry_cb, e, "entry_by_ref");
}

int store_entry_set_status(struct store *s, int64_t id, const char *status, int64_t by, int64_t at)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE entries SET status = ?2,"
                      " confirmed_at = CASE WHEN ?2 = 'confirmed' THEN ?4 ELSE confirmed_at END,"
                      " confirmed_by = CASE WHEN ?2 = 'confirmed' THEN ?3 ELSE confirmed_by END,"
                      " cancelled_at = CASE WHEN ?2 = 'cancelled' THEN ?4 ELSE cancelled_at END,"
                      " cancelled_by = CASE WHEN ?2 = 'cancelled' THEN ?3 ELSE cancelled_by END"
                      " WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_text(st, 2, status);
    sql_bind_int64(st, 3, by);
    sql_bind_int64(st, 4, at);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "entry_set_status");
}

#define LOAN_SELECT                                                                                \
    "SELECT l.id, l.code, l.person_id, l.principal, l.instalment,"                                 \
    " (SELECT coalesce(sum(paid), 0) FROM instalments i WHERE i.loan_id = l.id),"                  \
    " (SELECT coalesce(sum(amount - paid), 0) FROM instalments i WHERE i.loan_id = l.id),"         \
    " (SELECT due_date FROM instalments i WHERE i.loan_id = l.id AND paid < amount"                \
    "  ORDER BY n LIMIT 1),"                                                                       \
    " (SELECT amount - paid FROM instalments i WHERE i.loan_id = l.id AND paid < amount"           \
    "  ORDER BY n LIMIT 1), l.interest FROM loans l "

static void read_loan_cb(sql_stmt *st, void *out)
{
    struct store_loan *l = out;
    memset(l, 0, sizeof *l);
    l->id = sql_column_int64(st, 0);
    store_column_text(st, 1, l->code, sizeof l->code);
    l->person_id = sql_column_int64(st, 2);
    l->principal = sql_column_int64(st, 3);
    l->instalment = sql_column_int64(st, 4);
    l->paid = sql_column_int64(st, 5);
    l->outstanding = sql_column_int64(st, 6);
    store_column_text(st, 7, l->next_due, sizeof l->next_due);
    l->next_due_amount = sql_column_int64(st, 8);
    l->interest = sql_column_int64(st, 9);
}

int store_loan_for_person(struct store *s, int64_t person_id, const char *code,
                          struct store_loan *l)
{
    static const char sql_code[] = LOAN_SELECT "WHERE l.person_id = ?1 AND l.code = ?2";
    static const char sql_any[] =
        LOAN_SELECT "WHERE l.person_id = ?1 AND EXISTS (SELECT 1 FROM instalments i"
                    " WHERE i.loan_id = l.id AND i.paid < i.amount) ORDER BY l.id LIMIT 1";
    bool named = code && code[0];
    sql_stmt *st = store_stmt(s, named ? sql_code : sql_any);
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    if (named)
        sql_bind_text(st, 2, code);
    return store_one_row(s, st, read_loan_cb, l, "loan_for_person");
}

int store_loan_by_code(struct store *s, const char *code, struct store_loan *l)
{
    static const char sql[] = LOAN_SELECT "WHERE l.code = ?1";
    sql_stmt *st = store_stmt(s, sql);
    if (!st)
        return -1;
    sql_bind_text(st, 1, code);
    return store_one_row(s, st, read_loan_cb, l, "loan_by_code");
}

int store_person_instalments(struct store *s, int64_t person_id, struct store_instalment **out,
                             size_t *n)
{
    *out = NULL;
    *n = 0;
    sql_stmt *st = store_stmt(
        s, "SELECT i.id, i.loan_id, i.n, i.due_date, coalesce(l.disbursed, ''), i.amount,"
           " i.interest, i.paid FROM instalments i JOIN loans l ON l.id = i.loan_id"
           " WHERE l.person_id = ?1 ORDER BY i.due_date, i.loan_id, i.n");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct store_instalment *grown = realloc(*out, ncap * sizeof *grown);
            if (!grown) {
                sql_reset(st);
                free(*out);
                *out = NULL;
                return -1;
            }
            *out = grown;
            cap = ncap;
        }
        struct store_instalment *k = &(*out)[(*n)++];
        memset(k, 0, sizeof *k);
        k->id = sql_column_int64(st, 0);
        k->loan_id = sql_column_int64(st, 1);
        k->n = sql_column_int(st, 2);
        store_column_text(st, 3, k->due, sizeof k->due);
        store_column_text(st, 4, k->disbursed, sizeof k->disbursed);
        k->amount = sql_column_int64(st, 5);
        k->interest = sql_column_int64(st, 6);
        k->paid = sql_column_int64(st, 7);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(s, "person_instalments");
    }
    return 0;
}

int store_person_repayments(struct store *s, int64_t person_id, int64_t before,
                            struct store_repayment **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sql_stmt *st = store_stmt(
        s, "SELECT id, amount, CASE WHEN loan_named != 0 THEN loan_id ELSE 0 END, created_at"
           " FROM entries WHERE"
           " person_id = ?1 AND kind = 'repayment' AND status = 'confirmed' AND created_at < ?2"
           " ORDER BY created_at, id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_int64(st, 2, before);
    size_t cap = 0;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct store_repayment *grown = realloc(*out, ncap * sizeof *grown);
            if (!grown) {
                sql_reset(st);
                free(*out);
                *out = NULL;
                return -1;
            }
            *out = grown;
            cap = ncap;
        }
        struct store_repayment *r = &(*out)[(*n)++];
        memset(r, 0, sizeof *r);
        r->entry_id = sql_column_int64(st, 0);
        r->amount = sql_column_int64(st, 1);
        r->loan_id = sql_column_int64(st, 2);
        r->created_at = sql_column_int64(st, 3);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(s, "person_repayments");
    }
    return 0;
}

int store_instalments_write_paid(struct store *s, const struct store_instalment *slots, size_t n)
{
    sql_stmt *st = store_stmt(s, "UPDATE instalments SET paid = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sql_reset(st);
        sql_bind_int64(st, 1, slots[i].id);
        sql_bind_int64(st, 2, slots[i].paid);
        if (sql_step(st) != SQL_DONE)
            return store_fail(s, "instalments_write_paid");
    }
    /* A reminder still waiting to go for an instalment now paid would only confuse her. */
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = slots[j].loan_id == slots[i].loan_id;
        if (!seen && store_reminders_drop_paid(s, slots[i].loan_id) < 0)
            return -1;
    }
    return 0;
}

int64_t store_repayments_waiting(struct store *s, int64_t person_id, int64_t loan_id)
{
    sql_stmt *st = store_stmt(s, "SELECT coalesce(sum(amount), 0) FROM entries WHERE person_id = ?1"
                                 " AND kind = 'repayment' AND status = 'reported'"
                                 " AND (?2 = 0 OR (loan_named != 0 AND loan_id = ?2))");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_int64(st, 2, loan_id);
    return store_int64(s, st, "repayments_waiting");
}

int store_savings_waiting(struct store *s, int64_t person_id, int64_t *savings,
                          int64_t *withdrawals)
{
    sql_stmt *st =
        store_stmt(s, "SELECT coalesce(sum(CASE WHEN kind = 'savings' THEN amount END), 0),"
                      " coalesce(sum(CASE WHEN kind = 'withdrawal' THEN amount END), 0)"
                      " FROM entries WHERE person_id = ?1 AND status = 'reported'"
                      " AND (kind = 'savings' OR kind = 'withdrawal')");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        *savings = sql_column_int64(st, 0);
        *withdrawals = sql_column_int64(st, 1);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "savings_waiting");
}

int64_t store_savings_total(struct store *s, int64_t person_id)
{
    sql_stmt *st =
        store_stmt(s, "SELECT coalesce(sum(CASE kind WHEN 'savings' THEN amount"
                      " ELSE -amount END), 0) FROM entries WHERE person_id = ?1"
                      " AND (kind = 'savings' OR kind = 'withdrawal') AND status = 'confirmed'");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    int64_t v = sql_step(st) == SQL_ROW ? sql_column_int64(st, 0) : -1;
    sql_reset(st);
    return v;
}

int store_person_week(struct store *s, int64_t person_id, int64_t from, int64_t to, int64_t *sales,
                      int64_t *expenses)
{
    sql_stmt *st =
        store_stmt(s, "SELECT coalesce(sum(CASE WHEN kind = 'sale' THEN amount END), 0),"
                      " coalesce(sum(CASE WHEN kind = 'expense' THEN amount END), 0) FROM entries"
                      " WHERE person_id = ?1 AND status != 'cancelled' AND created_at >= ?2"
                      " AND created_at < ?3");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_int64(st, 2, from);
    sql_bind_int64(st, 3, to);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        *sales = sql_column_int64(st, 0);
        *expenses = sql_column_int64(st, 1);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "person_week");
}

int store_group_summary(struct store *s, int64_t group_id, int64_t from, int64_t to,
                        const char *today, struct store_group_summary *g)
{
    sql_stmt *st = store_stmt(
        s, "SELECT (SELECT count(*) FROM people WHERE group_id = ?1 AND role IS NOT NULL),"
           " coalesce(sum(CASE WHEN kind = 'sale' AND created_at >= ?2 AND created_at < ?3"
           "  THEN amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'expense' AND created_at >= ?2 AND created_at < ?3"
           "  THEN amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'savings' AND status = 'confirmed' THEN amount"
           "  WHEN kind = 'withdrawal' AND status = 'confirmed' THEN -amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'repayment' AND status = 'confirmed'"
           "  AND created_at >= ?2 AND created_at < ?3 THEN amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'repayment' AND status = 'reported'"
           "  THEN amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'savings' AND status = 'reported' THEN amount END), 0),"
           " coalesce(sum(CASE WHEN kind = 'withdrawal' AND status = 'reported'"
           "  THEN amount END), 0),"
           " (SELECT count(DISTINCT l.person_id) FROM loans l JOIN instalments i ON i.loan_id ="
           "  l.id JOIN people p ON p.id = l.person_id WHERE p.group_id = ?1 AND i.paid < i.amount"
           "  AND i.due_date < ?4),"
           " (SELECT coalesce(sum(i.amount - i.paid), 0) FROM loans l JOIN instalments i"
           "  ON i.loan_id = l.id JOIN people p ON p.id = l.person_id WHERE p.group_id = ?1"
           "  AND i.paid < i.amount AND i.due_date < ?4)"
           " FROM entries WHERE group_id = ?1 AND status != 'cancelled'");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, from);
    sql_bind_int64(st, 3, to);
    sql_bind_text(st, 4, today);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        g->members = sql_column_int(st, 0);
        g->sales = sql_column_int64(st, 1);
        g->expenses = sql_column_int64(st, 2);
        g->savings = sql_column_int64(st, 3);
        g->repaid_confirmed = sql_column_int64(st, 4);
        g->repaid_waiting = sql_column_int64(st, 5);
        g->savings_waiting = sql_column_int64(st, 6);
        g->withdrawals_waiting = sql_column_int64(st, 7);
        g->in_arrears = sql_column_int(st, 8);
        g->arrears_amount = sql_column_int64(st, 9);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "group_summary");
}

int store_each_reachable_member(struct store *s, int64_t group_id,
                                void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT
                              "WHERE p.group_id = ?1 AND p.opted_out = 0 AND p.role IS NOT NULL"
                              " ORDER BY p.id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    return store_each_person_row(s, st, fn, arg, "each_reachable_member");
}

int store_group_borrowers(struct store *s, int64_t group_id, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    sql_stmt *st = store_stmt(s, "SELECT DISTINCT l.person_id FROM loans l JOIN people p"
                                 " ON p.id = l.person_id WHERE p.group_id = ?1 ORDER BY 1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        int64_t *grown = realloc(*ids, (*n + 1) * sizeof *grown);
        if (!grown) {
            sql_reset(st);
            free(*ids);
            *ids = NULL;
            *n = 0;
            return -1;
        }
        *ids = grown;
        (*ids)[(*n)++] = sql_column_int64(st, 0);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return store_fail(s, "group_borrowers");
    }
    return 0;
}

int store_group_period(struct store *s, int64_t group_id, int64_t from, int64_t to,
                       const char *from_date, const char *to_date, struct store_group_period *p)
{
    sql_stmt *st = store_stmt(
        s, "SELECT coalesce(sum(CASE WHEN kind = 'savings' AND created_at >= ?2 THEN amount END),"
           " 0), coalesce(sum(CASE WHEN kind = 'withdrawal' AND created_at >= ?2 THEN amount END),"
           " 0), coalesce(sum(CASE kind WHEN 'savings' THEN amount WHEN 'withdrawal' THEN -amount"
           " END), 0), coalesce(sum(CASE WHEN kind = 'sale' AND created_at >= ?2 THEN amount END),"
           " 0), coalesce(sum(CASE WHEN kind = 'expense' AND created_at >= ?2 THEN amount END),"
           " 0), (SELECT coalesce(sum(l.principal), 0) FROM loans l JOIN people pe"
           "  ON pe.id = l.person_id WHERE pe.group_id = ?1 AND l.disbursed >= ?4"
           "  AND l.disbursed <= ?5)"
           " FROM entries WHERE group_id = ?1 AND status = 'confirmed' AND created_at < ?3");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, from);
    sql_bind_int64(st, 3, to);
    sql_bind_text(st, 4, from_date);
    sql_bind_text(st, 5, to_date);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        p->savings_in = sql_column_int64(st, 0);
        p->savings_out = sql_column_int64(st, 1);
        p->savings_balance = sql_column_int64(st, 2);
        p->sales = sql_column_int64(st, 3);
        p->expenses = sql_column_int64(st, 4);
        p->disbursed = sql_column_int64(st, 5);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "group_period");
}
