/* web.c - the SQL of the staff web app: sign-in codes, sessions, attempts, the action log and
 * the lists of its pages. */
#include "store_internal.h"
#include "store_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_web_code_new(struct store *s, int64_t person_id, const char *code_hash, int64_t now,
                       int64_t expires_at)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE web_codes SET used_at = ?2 WHERE person_id = ?1 AND used_at IS NULL");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_int64(st, 2, now);
    if (store_step_done(s, st, "web_code_end") != 0)
        return -1;
    st = store_stmt(s, "INSERT INTO web_codes(person_id, code_hash, created_at, expires_at)"
                       " VALUES(?1, ?2, ?3, ?4)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, code_hash);
    sql_bind_int64(st, 3, now);
    sql_bind_int64(st, 4, expires_at);
    return store_step_done(s, st, "web_code_new");
}

int store_web_code_open(struct store *s, int64_t person_id, struct store_web_code *c)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code_hash, expires_at, tries FROM web_codes"
                                 " WHERE person_id = ?1 AND used_at IS NULL"
                                 " ORDER BY id DESC LIMIT 1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        c->id = sql_column_int64(st, 0);
        store_column_text(st, 1, c->code_hash, sizeof c->code_hash);
        c->expires_at = sql_column_int64(st, 2);
        c->tries = sql_column_int(st, 3);
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "web_code_open");
    return rc == SQL_ROW;
}

int store_web_code_wrong(struct store *s, int64_t code_id)
{
    sql_stmt *st = store_stmt(s, "UPDATE web_codes SET tries = tries + 1 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, code_id);
    return store_step_done(s, st, "web_code_wrong");
}

int store_web_code_use(struct store *s, int64_t code_id, int64_t now)
{
    sql_stmt *st = store_stmt(s, "UPDATE web_codes SET used_at = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, code_id);
    sql_bind_int64(st, 2, now);
    return store_step_done(s, st, "web_code_use");
}

int store_web_signin_scrub(struct store *s, const char *phone, const char *placeholder)
{
    /* A code not sent yet is dropped: once used or replaced it opens nothing. */
    sql_stmt *st = store_stmt(
        s, "UPDATE outbox SET text = ?2, status = CASE WHEN status = 'queued' THEN 'dropped'"
           " ELSE status END WHERE kind = 'signin' AND phone = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    sql_bind_text(st, 2, placeholder);
    return store_step_done(s, st, "web_signin_scrub");
}

int store_web_attempt_add(struct store *s, const char *scope, const char *key, int64_t now)
{
    /* Attempts older than a day count toward no limit: forget them. */
    sql_stmt *st = store_stmt(s, "DELETE FROM web_attempts WHERE at < ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, now - 86400);
    if (store_step_done(s, st, "web_attempts_prune") != 0)
        return -1;
    st = store_stmt(s, "INSERT INTO web_attempts(scope, key, at) VALUES(?1, ?2, ?3)");
    if (!st)
        return -1;
    sql_bind_text(st, 1, scope);
    sql_bind_text(st, 2, key);
    sql_bind_int64(st, 3, now);
    return store_step_done(s, st, "web_attempt_add");
}

int store_web_attempts_since(struct store *s, const char *scope, const char *key, int64_t since)
{
    sql_stmt *st = store_stmt(
        s, "SELECT count(*) FROM web_attempts WHERE scope = ?1 AND key = ?2 AND at >= ?3");
    if (!st)
        return -1;
    sql_bind_text(st, 1, scope);
    sql_bind_text(st, 2, key);
    sql_bind_int64(st, 3, since);
    return store_count(s, st, "web_attempts_since");
}

int store_web_session_new(struct store *s, const char *token_hash, int64_t person_id, int64_t now)
{
    sql_stmt *st = store_stmt(s, "INSERT INTO web_sessions(token_hash, person_id, created_at,"
                                 " last_seen) VALUES(?1, ?2, ?3, ?3)");
    if (!st)
        return -1;
    sql_bind_text(st, 1, token_hash);
    sql_bind_int64(st, 2, person_id);
    sql_bind_int64(st, 3, now);
    return store_step_done(s, st, "web_session_new");
}

int store_web_session_get(struct store *s, const char *token_hash, int64_t *person_id,
                          int64_t *last_seen)
{
    sql_stmt *st = store_stmt(s, "SELECT person_id, last_seen FROM web_sessions"
                                 " WHERE token_hash = ?1 AND ended_at IS NULL");
    if (!st)
        return -1;
    sql_bind_text(st, 1, token_hash);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        *person_id = sql_column_int64(st, 0);
        *last_seen = sql_column_int64(st, 1);
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "web_session_get");
    return rc == SQL_ROW;
}

int store_web_session_touch(struct store *s, const char *token_hash, int64_t now)
{
    sql_stmt *st = store_stmt(s, "UPDATE web_sessions SET last_seen = ?2 WHERE token_hash = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, token_hash);
    sql_bind_int64(st, 2, now);
    return store_step_done(s, st, "web_session_touch");
}

int store_web_session_end(struct store *s, const char *token_hash, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE web_sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL");
    if (!st)
        return -1;
    sql_bind_text(st, 1, token_hash);
    sql_bind_int64(st, 2, now);
    return store_step_done(s, st, "web_session_end");
}

int store_web_action(struct store *s, int64_t person_id, const char *action, const char *target,
                     const char *detail, int64_t now)
{
    sql_stmt *st = store_stmt(s, "INSERT INTO web_actions(person_id, action, target, detail,"
                                 " at) VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, action);
    sql_bind_text(st, 3, target ? target : "");
    sql_bind_text(st, 4, detail ? detail : "");
    sql_bind_int64(st, 5, now);
    return store_step_done(s, st, "web_action");
}

int store_web_each_member(struct store *s, int64_t group_id,
                          void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st = store_stmt(
        s, PERSON_SELECT "WHERE p.group_id = ?1 AND p.role IS NOT NULL ORDER BY p.code, p.name");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    return store_each_person_row(s, st, fn, arg, "web_each_member");
}

int store_web_each_entry(struct store *s, int64_t group_id, int64_t person_id, bool only_waiting,
                         int limit, void (*fn)(const struct store_web_entry *, void *), void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT e.ref, e.kind, e.status, coalesce(e.item, ''), p.name, coalesce(p.code, ''),"
           " coalesce(g.code, ''), e.amount, e.created_at FROM entries e"
           " JOIN people p ON p.id = e.person_id LEFT JOIN groups g ON g.id = e.group_id"
           " WHERE (?1 = 0 OR e.group_id = ?1) AND (?2 = 0 OR e.person_id = ?2)"
           " AND (?3 = 0 OR (e.status = 'reported' AND e.kind <> 'sale' AND e.kind <> 'expense'))"
           " ORDER BY e.created_at DESC, e.id DESC LIMIT ?4");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    sql_bind_int64(st, 2, person_id);
    sql_bind_int(st, 3, only_waiting);
    sql_bind_int(st, 4, limit);
    int rc, n = 0;
    /* fn only formats, so rows are handed out while they are read. */
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_web_entry e = {col(st, 0),
                                    col(st, 1),
                                    col(st, 2),
                                    col(st, 3),
                                    col(st, 4),
                                    col(st, 5),
                                    col(st, 6),
                                    sql_column_int64(st, 7),
                                    sql_column_int64(st, 8)};
        fn(&e, arg);
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "web_each_entry");
}

int store_web_each_instalment(struct store *s, int64_t person_id,
                              void (*fn)(const struct store_web_instalment *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, "SELECT l.code, i.due_date, i.n, i.amount, i.paid"
                                 " FROM instalments i JOIN loans l ON l.id = i.loan_id"
                                 " WHERE l.person_id = ?1 ORDER BY l.code, i.n");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    int rc, n = 0;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_web_instalment i = {col(st, 0), col(st, 1), sql_column_int(st, 2),
                                         sql_column_int64(st, 3), sql_column_int64(st, 4)};
        fn(&i, arg);
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "web_each_instalment");
}

/* The people a staff member covers, as store_staff_covers decides it, in SQL over people p
 * and groups g: ?5 role, ?6 her group, ?7 her group's network. */
#define WEB_COVERS                                                                                 \
    "(?5 = 'admin' OR (?6 <> 0 AND p.group_id = ?6) OR"                                            \
    " (?5 = 'facilitator' AND ?7 <> 0 AND g.network_id = ?7))"

int store_web_each_message(struct store *s, const struct store_web_message_filter *f,
                           void (*fn)(const struct store_web_message *, void *), void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT * FROM ("
           "SELECT 'in', m.channel, m.phone, m.text, m.status, '', '', coalesce(p.name, ''),"
           " m.id, m.received_at FROM messages m LEFT JOIN people p ON p.phone = m.phone"
           " LEFT JOIN groups g ON g.id = p.group_id"
           " WHERE (?1 = '' OR m.phone = ?1) AND (?2 = '' OR instr(lower(m.text), lower(?2)) > 0)"
           " AND (?3 = '' OR m.status = ?3) AND " WEB_COVERS " UNION ALL "
           "SELECT 'out', o.channel, o.phone, o.text, o.status, coalesce(o.error, ''), o.kind,"
           " coalesce(p.name, ''), o.id, o.created_at FROM outbox o"
           " LEFT JOIN people p ON p.phone = o.phone LEFT JOIN groups g ON g.id = p.group_id"
           " WHERE (?1 = '' OR o.phone = ?1) AND (?2 = '' OR instr(lower(o.text), lower(?2)) > 0)"
           " AND (?3 = '' OR o.status = ?3) AND o.kind <> 'signin' AND " WEB_COVERS
           ") AS t ORDER BY 10 DESC, 9 DESC LIMIT ?4");
    if (!st)
        return -1;
    sql_bind_text(st, 1, f->phone ? f->phone : "");
    sql_bind_text(st, 2, f->text ? f->text : "");
    sql_bind_text(st, 3, f->status ? f->status : "");
    sql_bind_int(st, 4, f->limit);
    sql_bind_text(st, 5, f->staff->role);
    sql_bind_int64(st, 6, f->staff->group_id);
    sql_bind_int64(st, 7, f->staff_network_id);
    int rc, n = 0;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_web_message m = {col(st, 0),
                                      col(st, 1),
                                      col(st, 2),
                                      col(st, 3),
                                      col(st, 4),
                                      col(st, 5),
                                      col(st, 6),
                                      col(st, 7),
                                      sql_column_int64(st, 8),
                                      sql_column_int64(st, 9)};
        fn(&m, arg);
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "web_each_message");
}

int store_web_outbox_get(struct store *s, int64_t id, char *phone, size_t phonesz, bool *failed)
{
    sql_stmt *st = store_stmt(s, "SELECT phone, status = 'failed' FROM outbox WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        store_column_text(st, 0, phone, phonesz);
        *failed = sql_column_int(st, 1) != 0;
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "web_outbox_get");
    return rc == SQL_ROW;
}

int store_web_outbox_retry(struct store *s, int64_t id, int64_t now)
{
    sql_stmt *st = store_stmt(s, "UPDATE outbox SET status = 'queued', next_at = ?2, attempts = 0,"
                                 " error = NULL WHERE id = ?1 AND status = 'failed'");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_int64(st, 2, now);
    if (store_step_done(s, st, "web_outbox_retry") != 0)
        return -1;
    return store_changes(s) > 0;
}

int store_web_group_counts(struct store *s, int64_t group_id, int *members, int *opted_out)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*), coalesce(sum(opted_out), 0) FROM people"
                                 " WHERE group_id = ?1 AND role IS NOT NULL");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, group_id);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        *members = sql_column_int(st, 0);
        *opted_out = sql_column_int(st, 1);
    }
    sql_reset(st);
    return rc == SQL_ROW ? 0 : store_fail(s, "web_group_counts");
}
