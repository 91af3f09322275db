/* messages.c - inbound messages, the outbox and the people who write: their SQL. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

int64_t store_message_insert(struct store *s, const struct store_inbound *m)
{
    sql_stmt *st =
        store_stmt(s, "INSERT INTO messages(channel, provider_id, phone, text, media, received_at,"
                      " provider_at, to_addr, media_ref, media_mime, meta, status, parsed)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                      " coalesce(?12, 'received'), ?13)"
                      " ON CONFLICT(channel, provider_id) DO NOTHING RETURNING id");
    if (!st)
        return -1;
    sql_bind_text(st, 1, m->channel);
    sql_bind_text(st, 2, m->provider_id);
    sql_bind_text(st, 3, m->phone);
    sql_bind_text(st, 4, m->text);
    sql_bind_text(st, 5, m->media ? m->media : "");
    sql_bind_int64(st, 6, m->received_at);
    if (m->provider_at)
        sql_bind_int64(st, 7, m->provider_at);
    store_bind_text(st, 8, m->to_addr && m->to_addr[0] ? m->to_addr : NULL);
    store_bind_text(st, 9, m->media_ref && m->media_ref[0] ? m->media_ref : NULL);
    store_bind_text(st, 10, m->media_mime && m->media_mime[0] ? m->media_mime : NULL);
    store_bind_text(st, 11, m->meta && m->meta[0] ? m->meta : NULL);
    store_bind_text(st, 12, m->status);
    store_bind_text(st, 13, m->parsed);
    return store_insert_id(s, st, "message_insert");
}

int store_message_set_status(struct store *s, int64_t id, const char *status, const char *parsed)
{
    sql_stmt *st = store_stmt(s, "UPDATE messages SET status = ?2, parsed = ?3 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_text(st, 2, status);
    store_bind_text(st, 3, parsed);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "message_set_status");
}

int64_t store_outbox_queue(struct store *s, const struct store_outgoing *o)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO outbox(message_id, channel, phone, text, kind, next_at, created_at,"
           " segments, encoding, dedupe_key, buttons, sender, fallback_of)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
           " ON CONFLICT(dedupe_key) DO NOTHING RETURNING id");
    if (!st)
        return -1;
    if (o->message_id)
        sql_bind_int64(st, 1, o->message_id);
    sql_bind_text(st, 2, o->channel);
    sql_bind_text(st, 3, o->phone);
    sql_bind_text(st, 4, o->text);
    sql_bind_text(st, 5, o->kind ? o->kind : "reply");
    sql_bind_int64(st, 6, o->send_at ? o->send_at : o->at);
    sql_bind_int64(st, 7, o->at);
    sql_bind_int(st, 8, o->segments > 0 ? o->segments : 1);
    sql_bind_text(st, 9, o->encoding ? o->encoding : "gsm7");
    store_bind_text(st, 10, o->dedupe_key);
    sql_bind_text(st, 11, o->buttons ? o->buttons : "");
    store_bind_text(st, 12, o->sender && o->sender[0] ? o->sender : NULL);
    if (o->fallback_of)
        sql_bind_int64(st, 13, o->fallback_of);
    return store_insert_id(s, st, "outbox_queue");
}

int store_outbox_key_queued(struct store *s, const char *dedupe_key)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM outbox WHERE dedupe_key = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, dedupe_key);
    int n = store_count(s, st, "outbox_key_queued");
    return n < 0 ? -1 : n > 0;
}

/* Reads the outbox columns (id, channel, phone, kind, text, attempts, sender, message_id,
 * fallback_of, buttons) into r; r->text is strdup'd, NULL when out of memory. */
static void read_outbox_row(sql_stmt *st, struct store_outbox_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sql_column_int64(st, 0);
    store_column_text(st, 1, r->channel, sizeof r->channel);
    store_column_text(st, 2, r->phone, sizeof r->phone);
    store_column_text(st, 3, r->kind, sizeof r->kind);
    const char *t = sql_column_text(st, 4);
    r->text = strdup(t ? t : "");
    r->attempts = sql_column_int(st, 5);
    store_column_text(st, 6, r->sender, sizeof r->sender);
    r->message_id = sql_column_int64(st, 7);
    r->fallback_of = sql_column_int64(st, 8);
    store_column_text(st, 9, r->buttons, sizeof r->buttons);
}

int store_outbox_claim(struct store *s, int64_t now, const char *claimer, int64_t lease_until,
                       const char *channel, struct store_outbox_row *rows, int max)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
           " claimed_until = ?4, claimed_by = ?5"
           " WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_at <= ?1"
           " AND channel = ?3 ORDER BY next_at, id LIMIT ?2 FOR UPDATE SKIP LOCKED)"
           " RETURNING id, channel, phone, kind, text, attempts, coalesce(sender, ''),"
           " coalesce(message_id, 0), coalesce(fallback_of, 0), buttons");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, now);
    sql_bind_int(st, 2, max);
    sql_bind_text(st, 3, channel);
    sql_bind_int64(st, 4, lease_until);
    sql_bind_text(st, 5, claimer);
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW && n < max) {
        struct store_outbox_row *r = &rows[n];
        read_outbox_row(st, r);
        if (!r->text)
            break;
        n++;
    }
    if (rc != SQL_DONE && rc != SQL_ROW) {
        store_outbox_rows_free(rows, n);
        return store_fail(s, "outbox_claim");
    }
    sql_reset(st);
    /* Looked up apart: inside RETURNING, SQLite 3.40 scans people instead of using its index. */
    sql_stmt *last = store_stmt(s, "SELECT last_inbound_at FROM people WHERE phone = ?1");
    for (int i = 0; last && i < n; i++) {
        sql_reset(last);
        sql_bind_text(last, 1, rows[i].phone);
        if (sql_step(last) == SQL_ROW)
            rows[i].last_inbound_at = sql_column_int64(last, 0);
    }
    if (last)
        sql_reset(last);
    return n;
}

/* Reads one outbox row selected by st (bound) into row. 1, 0 or -1. */
static int outbox_row(struct store *s, sql_stmt *st, struct store_outbox_row *row, const char *what)
{
    memset(row, 0, sizeof *row);
    int rc = sql_step(st);
    if (rc == SQL_ROW)
        read_outbox_row(st, row);
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, what);
    if (rc == SQL_ROW && !row->text)
        return -1;
    return rc == SQL_ROW;
}

#define OUTBOX_ROW_SELECT                                                                          \
    "SELECT id, channel, phone, kind, text, attempts, coalesce(sender, ''),"                       \
    " coalesce(message_id, 0), coalesce(fallback_of, 0), buttons FROM outbox "

int store_outbox_get(struct store *s, int64_t id, struct store_outbox_row *row)
{
    sql_stmt *st = store_stmt(s, OUTBOX_ROW_SELECT "WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    return outbox_row(s, st, row, "outbox_get");
}

int store_outbox_by_provider(struct store *s, const char *channel, const char *provider_id,
                             struct store_outbox_row *row)
{
    sql_stmt *st = store_stmt(s, OUTBOX_ROW_SELECT
                              "WHERE channel = ?1 AND provider_id = ?2 ORDER BY id DESC LIMIT 1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, channel);
    sql_bind_text(st, 2, provider_id);
    return outbox_row(s, st, row, "outbox_by_provider");
}

int store_outbox_claimed_since(struct store *s, const char *channel, int64_t since)
{
    sql_stmt *st = store_stmt(
        s,
        "SELECT count(*) FROM outbox WHERE channel = ?1 AND (sent_at >= ?2"
        " OR (status = 'sending') OR (status = 'failed' AND attempts > 0 AND created_at >= ?2))");
    if (!st)
        return -1;
    sql_bind_text(st, 1, channel);
    sql_bind_int64(st, 2, since);
    return store_count(s, st, "outbox_claimed_since");
}

int store_outbox_has_fallback(struct store *s, int64_t id)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM outbox WHERE fallback_of = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    int n = store_count(s, st, "outbox_has_fallback");
    return n < 0 ? -1 : n > 0;
}

int store_outbox_note(struct store *s, int64_t id, const char *words)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE outbox SET error = CASE WHEN error IS NULL OR error = '' THEN ?2"
                      " ELSE error || '; ' || ?2 END WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_text(st, 2, words);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "outbox_note");
}

void store_outbox_rows_free(struct store_outbox_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].text);
        rows[i].text = NULL;
    }
}

int store_outbox_set_provider(struct store *s, int64_t id, const char *provider_id)
{
    sql_stmt *st = store_stmt(s, "UPDATE outbox SET provider_id = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_text(st, 2, provider_id);
    return store_step_done(s, st, "outbox_set_provider");
}

int store_outbox_mark_sent(struct store *s, int64_t id, const char *provider_id, int64_t at)
{
    /* A delivery status may arrive before the send's answer is recorded; keep the later one. */
    sql_stmt *st =
        store_stmt(s, "UPDATE outbox SET status = CASE WHEN status IN ('delivered', 'read')"
                      " THEN status ELSE 'sent' END, provider_id = ?2, sent_at = ?3, error = NULL"
                      " WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    store_bind_text(st, 2, provider_id);
    sql_bind_int64(st, 3, at);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "outbox_mark_sent");
}

int store_outbox_retry(struct store *s, int64_t id, int64_t next_at, const char *error)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE outbox SET status = 'queued', next_at = ?2, error = ?3 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    sql_bind_int64(st, 2, next_at);
    store_bind_text(st, 3, error);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "outbox_retry");
}

int store_outbox_fail(struct store *s, int64_t id, const char *error)
{
    sql_stmt *st = store_stmt(s, "UPDATE outbox SET status = 'failed', error = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    store_bind_text(st, 2, error);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "outbox_fail");
}

int store_outbox_apply_status(struct store *s, const char *channel, const char *provider_id,
                              const char *status, const char *error)
{
    /* Statuses arrive out of order: never move backwards (read > delivered > sent), but a
     * failure always counts. */
    sql_stmt *st =
        store_stmt(s, "UPDATE outbox SET status = ?3, error = coalesce(?4, error)"
                      " WHERE channel = ?1 AND provider_id = ?2 AND (?3 = 'failed'"
                      "  OR (?3 = 'read') OR (?3 = 'delivered' AND status NOT IN ('read'))"
                      "  OR (?3 = 'sent' AND status IN ('queued', 'sending', 'sent')))");
    if (!st)
        return -1;
    sql_bind_text(st, 1, channel);
    sql_bind_text(st, 2, provider_id);
    sql_bind_text(st, 3, status);
    store_bind_text(st, 4, error);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "outbox_apply_status");
    return store_changes(s);
}

int store_outbox_recover(struct store *s, const char *mine, int64_t expired, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE outbox SET status = 'queued', resent = resent + 1,"
           " error = 'in flight when the server stopped; sent again', next_at = ?2"
           " WHERE status = 'sending' AND (coalesce(claimed_until, 0) < ?1 OR claimed_by = ?3)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, expired);
    sql_bind_int64(st, 2, now);
    sql_bind_text(st, 3, mine ? mine : "");
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "outbox_recover");
    return store_changes(s);
}

int store_replies_since(struct store *s, const char *phone, int64_t since)
{
    sql_stmt *st = store_stmt(s, "SELECT count(*) FROM outbox WHERE phone = ?1"
                                 " AND kind = 'reply' AND created_at >= ?2");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    sql_bind_int64(st, 2, since);
    int n = sql_step(st) == SQL_ROW ? sql_column_int(st, 0) : -1;
    sql_reset(st);
    return n;
}

int store_outbox_depth(struct store *s, struct store_count *out, int n)
{
    sql_stmt *st = store_stmt(s, "SELECT status, count(*) FROM outbox GROUP BY status");
    if (!st)
        return -1;
    int i = 0;
    while (i < n && sql_step(st) == SQL_ROW) {
        store_column_text(st, 0, out[i].name, sizeof out[i].name);
        out[i].count = sql_column_int64(st, 1);
        i++;
    }
    sql_reset(st);
    return i;
}

int store_each_message(struct store *s, void (*fn)(const struct store_message_row *, void *),
                       void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT 'in', channel, provider_id, phone, text, status, received_at, id FROM messages"
           " UNION ALL SELECT 'out', channel, coalesce(provider_id, ''), phone, text, status,"
           " coalesce(sent_at, created_at), id FROM outbox ORDER BY 7, 1, 8");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_message_row r = {
            .direction = sql_column_text(st, 0),
            .channel = sql_column_text(st, 1),
            .provider_id = sql_column_text(st, 2),
            .phone = sql_column_text(st, 3),
            .text = sql_column_text(st, 4),
            .status = sql_column_text(st, 5),
            .at = sql_column_int64(st, 6),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "each_message");
}

void store_read_person(sql_stmt *st, struct store_person *p)
{
    memset(p, 0, sizeof *p);
    p->id = sql_column_int64(st, 0);
    store_column_text(st, 1, p->phone, sizeof p->phone);
    store_column_text(st, 2, p->name, sizeof p->name);
    store_column_text(st, 3, p->role, sizeof p->role);
    store_column_text(st, 4, p->language, sizeof p->language);
    store_column_text(st, 5, p->code, sizeof p->code);
    store_column_text(st, 6, p->channel, sizeof p->channel);
    store_column_text(st, 7, p->last_channel, sizeof p->last_channel);
    p->last_inbound_at = sql_column_int64(st, 8);
    p->opted_out = sql_column_int(st, 9) != 0;
    p->group_id = sql_column_int64(st, 10);
    store_column_text(st, 11, p->group_code, sizeof p->group_code);
    store_column_text(st, 12, p->group_tz, sizeof p->group_tz);
    store_column_text(st, 13, p->last_to, sizeof p->last_to);
    store_column_text(st, 14, p->user_id, sizeof p->user_id);
}

void store_read_person_cb(sql_stmt *st, void *out)
{
    store_read_person(st, out);
}

static int person_row(struct store *s, sql_stmt *st, struct store_person *p)
{
    return store_one_row(s, st, store_read_person_cb, p, "person");
}

int store_person_by_phone(struct store *s, const char *phone, struct store_person *p)
{
    /* On a shared handset: the first registered (the first of the unregistered when none). */
    sql_stmt *st =
        store_stmt(s, PERSON_SELECT "WHERE p.phone = ?1 ORDER BY p.role IS NULL, p.id LIMIT 1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    return person_row(s, st, p);
}

int store_people_by_phone(struct store *s, const char *phone, struct store_person *out, int max)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT "WHERE p.phone = ?1 AND p.role IS NOT NULL"
                                               " ORDER BY p.id");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        if (n < max)
            store_read_person(st, &out[n]);
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "people_by_phone");
}

int64_t store_person_add(struct store *s, const char *phone, const char *channel, int64_t at)
{
    sql_stmt *st = store_stmt(s, "INSERT INTO people(phone, last_channel, last_inbound_at,"
                                 " created_at) VALUES(?1, ?2, ?3, ?3) RETURNING id");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    store_bind_text(st, 2, channel);
    sql_bind_int64(st, 3, at);
    return store_insert_id(s, st, "person_add");
}

int store_person_by_id(struct store *s, int64_t id, struct store_person *p)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT "WHERE p.id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    return person_row(s, st, p);
}

int store_person_touch(struct store *s, const char *phone, const char *channel, int64_t at)
{
    return store_person_touch_via(s, phone, channel, NULL, NULL, at);
}

int store_person_touch_via(struct store *s, const char *phone, const char *channel,
                           const char *to_addr, const char *user_id, int64_t at)
{
    /* Every member on the phone (a shared handset) wrote from it just now. */
    sql_stmt *st = store_stmt(
        s, "UPDATE people SET last_channel = ?2, last_inbound_at = ?3,"
           " last_to = coalesce(?4, last_to), user_id = coalesce(?5, user_id) WHERE phone = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    sql_bind_text(st, 2, channel);
    sql_bind_int64(st, 3, at);
    store_bind_text(st, 4, to_addr && to_addr[0] ? to_addr : NULL);
    store_bind_text(st, 5, user_id && user_id[0] ? user_id : NULL);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "person_touch");
    if (store_changes(s) > 0)
        return 0;
    int64_t id = store_person_add(s, phone, channel, at);
    if (id < 0)
        return -1;
    if (!(to_addr && to_addr[0]) && !(user_id && user_id[0]))
        return 0;
    st = store_stmt(s, "UPDATE people SET last_to = ?2, user_id = ?3 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    store_bind_text(st, 2, to_addr && to_addr[0] ? to_addr : NULL);
    store_bind_text(st, 3, user_id && user_id[0] ? user_id : NULL);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "person_touch_new");
}

int store_person_opt_out_phone(struct store *s, const char *phone, const char *reason, int64_t at)
{
    sql_stmt *st = store_stmt(s, "UPDATE people SET opted_out = 1, opted_out_reason = ?2,"
                                 " opted_out_at = ?3 WHERE phone = ?1 OR user_id = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, phone);
    sql_bind_text(st, 2, reason);
    sql_bind_int64(st, 3, at);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "person_opt_out_phone");
    return store_changes(s);
}

int store_person_set_language(struct store *s, int64_t person_id, const char *lang)
{
    sql_stmt *st = store_stmt(s, "UPDATE people SET language = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_text(st, 2, lang);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "person_set_language");
}

int store_person_set_opted_out(struct store *s, int64_t person_id, bool opted_out)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE people SET opted_out = ?2,"
           " opted_out_reason = CASE WHEN ?2 != 0 THEN 'stop' ELSE NULL END WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    sql_bind_int(st, 2, opted_out);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "person_set_opted_out");
}

int store_each_person_row(struct store *s, sql_stmt *st,
                          void (*fn)(const struct store_person *, void *), void *arg,
                          const char *what)
{
    struct store_person *people = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_person *grown = realloc(people, (size_t)(n + 1) * sizeof *people);
        if (!grown)
            break;
        people = grown;
        store_read_person(st, &people[n++]);
    }
    sql_reset(st);
    for (int i = 0; i < n; i++)
        fn(&people[i], arg);
    free(people);
    return rc == SQL_DONE ? n : store_fail(s, what);
}
