/* io.c - import upserts (groups, members, loans with their schedules) and export row iterators. */
#include "store_internal.h"
#include "store_io.h"

#include <string.h>

int store_io_group_upsert(struct store *s, const struct store_io_group *g, const char *default_tz,
                          int64_t now)
{
    sql_stmt *st = store_stmt(s, "SELECT 1 FROM groups WHERE code = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, g->code);
    int existed = store_one_row(s, st, NULL, NULL, "io_group_exists");
    if (existed < 0)
        return -1;
    if (g->network && g->network[0]) {
        st = store_stmt(s, "INSERT INTO networks(code, name) VALUES(?1, coalesce(?2, ''))"
                           " ON CONFLICT(code) DO UPDATE SET name = coalesce(?2, networks.name)");
        if (!st)
            return -1;
        sql_bind_text(st, 1, g->network);
        store_bind_text(st, 2, g->network_name);
        if (sql_step(st) != SQL_DONE)
            return store_fail(s, "io_network_insert");
    }
    /* An empty cell (bound as NULL) keeps the stored value: coalesce(?, column). */
    st = store_stmt(s, "INSERT INTO groups(code, name, network_id, district, timezone, created_at)"
                       " VALUES(?1, coalesce(?2, ''), (SELECT id FROM networks WHERE code = ?3),"
                       " coalesce(?4, ''), coalesce(?5, ?6), ?7)"
                       " ON CONFLICT(code) DO UPDATE SET name = coalesce(?2, groups.name),"
                       " network_id = coalesce((SELECT id FROM networks WHERE code = ?3),"
                       " groups.network_id), district = coalesce(?4, groups.district),"
                       " timezone = coalesce(?5, groups.timezone)");
    if (!st)
        return -1;
    sql_bind_text(st, 1, g->code);
    store_bind_text(st, 2, g->name);
    store_bind_text(st, 3, g->network);
    store_bind_text(st, 4, g->district);
    store_bind_text(st, 5, g->timezone);
    sql_bind_text(st, 6, default_tz);
    sql_bind_int64(st, 7, now);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "io_group_upsert");
    return !existed;
}

int store_io_member_upsert(struct store *s, const struct store_io_member *m, int64_t now)
{
    /* The row a line is: the member with its code; else someone on the phone who never
     * registered; else a new person, also when the phone is already another member's (a shared
     * handset: rows with one phone and different codes). */
    sql_stmt *st = store_stmt(s, "SELECT id, CASE WHEN role IS NULL THEN 0 ELSE 1 END FROM people"
                                 " WHERE code = ?1"
                                 " UNION ALL SELECT id, 0 FROM people WHERE phone = ?2"
                                 " AND role IS NULL LIMIT 1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, m->code);
    sql_bind_text(st, 2, m->phone);
    int64_t id = 0;
    int existed = 0, rc = sql_step(st);
    if (rc == SQL_ROW) {
        id = sql_column_int64(st, 0);
        existed = sql_column_int(st, 1);
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "io_member_find");
    if (id)
        st =
            store_stmt(s, "UPDATE people SET phone = ?1, name = ?2,"
                          " group_id = coalesce(?3, group_id), role = coalesce(?4, role, 'member'),"
                          " language = coalesce(?5, language), code = ?6,"
                          " channel = coalesce(?7, channel) WHERE id = ?9");
    else
        st = store_stmt(s,
                        "INSERT INTO people(phone, name, group_id, role, language, code, channel,"
                        " created_at) VALUES(?1, ?2, ?3, coalesce(?4, 'member'), ?5, ?6, ?7, ?8)");
    if (!st)
        return -1;
    sql_bind_text(st, 1, m->phone);
    sql_bind_text(st, 2, m->name);
    if (m->group_id)
        sql_bind_int64(st, 3, m->group_id);
    store_bind_text(st, 4, m->role);
    store_bind_text(st, 5, m->language);
    sql_bind_text(st, 6, m->code);
    store_bind_text(st, 7, m->channel);
    if (id)
        sql_bind_int64(st, 9, id);
    else
        sql_bind_int64(st, 8, now);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "io_member_upsert");
    return !existed;
}

int64_t store_io_max_member_code(struct store *s)
{
    /* Only codes that are exactly "A" and digits, so "A12B" does not count as 12. */
    sql_stmt *st = store_stmt(s, "SELECT " MAX_MEMBER_CODE);
    if (!st)
        return -1;
    return store_int64(s, st, "io_max_member_code");
}

int store_io_loan_upsert(struct store *s, const struct store_io_loan *l, int64_t now)
{
    sql_stmt *st = store_stmt(s, "SELECT 1 FROM loans WHERE code = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, l->code);
    int existed = store_one_row(s, st, NULL, NULL, "io_loan_exists");
    if (existed < 0)
        return -1;
    st = store_stmt(
        s, "INSERT INTO loans(code, person_id, principal, instalment, instalments, frequency,"
           " first_due, created_at, interest, disbursed)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
           " ON CONFLICT(code) DO UPDATE SET person_id = excluded.person_id,"
           " principal = excluded.principal, instalment = excluded.instalment,"
           " instalments = excluded.instalments, frequency = excluded.frequency,"
           " first_due = excluded.first_due, interest = excluded.interest,"
           " disbursed = excluded.disbursed RETURNING id");
    if (!st)
        return -1;
    sql_bind_text(st, 1, l->code);
    sql_bind_int64(st, 2, l->person_id);
    sql_bind_int64(st, 3, l->principal);
    sql_bind_int64(st, 4, l->instalment);
    sql_bind_int(st, 5, l->instalments);
    sql_bind_text(st, 6, l->frequency);
    sql_bind_text(st, 7, l->first_due);
    sql_bind_int64(st, 8, now);
    sql_bind_int64(st, 9, l->interest);
    sql_bind_text(st, 10, l->disbursed);
    int rc = sql_step(st);
    int64_t loan_id = rc == SQL_ROW ? sql_column_int64(st, 0) : 0;
    if (rc == SQL_ROW)
        rc = sql_step(st);
    sql_reset(st);
    if (rc != SQL_DONE || !loan_id)
        return store_fail(s, "io_loan_upsert");

    st = store_stmt(s, "DELETE FROM instalments WHERE loan_id = ?1 AND n > ?2");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, loan_id);
    sql_bind_int(st, 2, l->instalments);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "io_instalments_trim");
    st = store_stmt(s, "INSERT INTO instalments(loan_id, n, due_date, amount, interest)"
                       " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(loan_id, n) DO UPDATE SET"
                       " due_date = excluded.due_date, amount = excluded.amount,"
                       " interest = excluded.interest");
    if (!st)
        return -1;
    for (int i = 0; i < l->instalments; i++) {
        sql_reset(st);
        sql_bind_int64(st, 1, loan_id);
        sql_bind_int(st, 2, i + 1);
        sql_bind_text(st, 3, l->schedule[i].due);
        sql_bind_int64(st, 4, l->schedule[i].amount);
        sql_bind_int64(st, 5, l->schedule[i].interest);
        if (sql_step(st) != SQL_DONE)
            return store_fail(s, "io_instalment_upsert");
    }
    /* The caller spreads old repayments over the new schedule (books_reallocate). */
    return !existed;
}

int store_io_each_message(struct store *s, void (*fn)(const struct store_io_message_row *, void *),
                          void *arg)
{
    /* Outbound statuses as the export promises them: in flight is still queued, dropped failed. */
    sql_stmt *st = store_stmt(
        s, "SELECT 'in', m.channel, m.provider_id, m.phone, m.text, m.status, m.received_at,"
           " m.id, '', coalesce(g.timezone, '') FROM messages m"
           " LEFT JOIN people p ON p.id = (SELECT id FROM people WHERE phone = m.phone"
           "  ORDER BY role IS NULL, id LIMIT 1) LEFT JOIN groups g ON g.id = p.group_id"
           " UNION ALL SELECT 'out', o.channel, coalesce(o.provider_id, ''), o.phone, o.text,"
           " CASE o.status WHEN 'sending' THEN 'queued' WHEN 'dropped' THEN 'failed'"
           " ELSE o.status END, coalesce(o.sent_at, o.created_at), o.id, o.kind,"
           " coalesce(g.timezone, '') FROM outbox o"
           " LEFT JOIN people p ON p.id = (SELECT id FROM people WHERE phone = o.phone"
           "  ORDER BY role IS NULL, id LIMIT 1) LEFT JOIN groups g ON g.id = p.group_id"
           " ORDER BY 7, 1, 8");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_message_row r = {
            .direction = col(st, 0),
            .channel = col(st, 1),
            .provider_id = col(st, 2),
            .phone = col(st, 3),
            .text = col(st, 4),
            .status = col(st, 5),
            .at = sql_column_int64(st, 6),
            .kind = col(st, 8),
            .timezone = col(st, 9),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_message");
}

int store_io_each_member(struct store *s, void (*fn)(const struct store_io_member_row *, void *),
                         void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT p.phone, p.name, coalesce(g.code, ''), p.role, coalesce(p.language, ''),"
           " coalesce(p.code, ''), coalesce(p.channel, ''), coalesce(g.timezone, ''),"
           " p.opted_out, coalesce(p.last_inbound_at, 0),"
           " (SELECT coalesce(sum(CASE e.kind WHEN 'savings' THEN e.amount ELSE -e.amount END), 0)"
           "  FROM entries e WHERE e.person_id = p.id AND e.status = 'confirmed'"
           "  AND (e.kind = 'savings' OR e.kind = 'withdrawal'))"
           " FROM people p LEFT JOIN groups g ON g.id = p.group_id WHERE p.role IS NOT NULL"
           " ORDER BY g.code, p.code, p.id");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_member_row r = {
            .phone = col(st, 0),
            .name = col(st, 1),
            .group = col(st, 2),
            .role = col(st, 3),
            .language = col(st, 4),
            .code = col(st, 5),
            .channel = col(st, 6),
            .timezone = col(st, 7),
            .opted_out = sql_column_int(st, 8) != 0,
            .last_inbound_at = sql_column_int64(st, 9),
            .savings = sql_column_int64(st, 10),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_member");
}

int store_io_each_entry(struct store *s, void (*fn)(const struct store_io_entry_row *, void *),
                        void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT e.ref, p.phone, p.name, coalesce(p.code, ''), coalesce(g.code, ''),"
           " coalesce(g.timezone, ''), e.kind, e.status, coalesce(e.unit, ''),"
           " coalesce(e.item, ''), coalesce(l.code, ''), coalesce(r.phone, ''), e.amount,"
           " coalesce(e.qty, 0), e.created_at, coalesce(e.confirmed_at, 0),"
           " coalesce(e.cancelled_at, 0) FROM entries e JOIN people p ON p.id = e.person_id"
           " LEFT JOIN groups g ON g.id = e.group_id LEFT JOIN loans l ON l.id = e.loan_id"
           " LEFT JOIN people r ON r.id = e.recorded_by ORDER BY e.created_at, e.id");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_entry_row r = {
            .ref = col(st, 0),
            .phone = col(st, 1),
            .name = col(st, 2),
            .member_code = col(st, 3),
            .group = col(st, 4),
            .timezone = col(st, 5),
            .kind = col(st, 6),
            .status = col(st, 7),
            .unit = col(st, 8),
            .item = col(st, 9),
            .loan = col(st, 10),
            .recorded_by = col(st, 11),
            .amount = sql_column_int64(st, 12),
            .qty = sql_column_int(st, 13),
            .at = sql_column_int64(st, 14),
            .confirmed_at = sql_column_int64(st, 15),
            .cancelled_at = sql_column_int64(st, 16),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_entry");
}

int store_io_each_loan(struct store *s, void (*fn)(const struct store_io_loan_row *, void *),
                       void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT l.code, p.phone, p.name, coalesce(g.code, ''), coalesce(g.timezone, ''),"
           " l.frequency, l.first_due,"
           " coalesce((SELECT due_date FROM instalments i WHERE i.loan_id = l.id"
           "  AND i.paid < i.amount ORDER BY i.n LIMIT 1), ''),"
           " l.principal, l.instalment,"
           " (SELECT coalesce(sum(paid), 0) FROM instalments i WHERE i.loan_id = l.id),"
           " (SELECT coalesce(sum(amount - paid), 0) FROM instalments i WHERE i.loan_id = l.id),"
           " coalesce((SELECT amount - paid FROM instalments i WHERE i.loan_id = l.id"
           "  AND i.paid < i.amount ORDER BY i.n LIMIT 1), 0), l.instalments, l.interest,"
           " (SELECT coalesce(sum(CASE WHEN i.paid < i.interest THEN i.interest - i.paid ELSE 0 "
           "END), 0) FROM instalments i"
           "  WHERE i.loan_id = l.id), coalesce(l.disbursed, '')"
           " FROM loans l JOIN people p ON p.id = l.person_id"
           " LEFT JOIN groups g ON g.id = p.group_id ORDER BY l.code");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_loan_row r = {
            .code = col(st, 0),
            .phone = col(st, 1),
            .name = col(st, 2),
            .group = col(st, 3),
            .timezone = col(st, 4),
            .frequency = col(st, 5),
            .first_due = col(st, 6),
            .next_due = col(st, 7),
            .principal = sql_column_int64(st, 8),
            .instalment = sql_column_int64(st, 9),
            .paid = sql_column_int64(st, 10),
            .outstanding = sql_column_int64(st, 11),
            .next_amount = sql_column_int64(st, 12),
            .instalments = sql_column_int(st, 13),
            .interest = sql_column_int64(st, 14),
            .outstanding_interest = sql_column_int64(st, 15),
            .disbursed = col(st, 16),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_loan");
}

int store_io_each_attendance(struct store *s,
                             void (*fn)(const struct store_io_attendance_row *, void *), void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT b.code, se.n, p.phone, p.name, pa.district, coalesce(pa.sex, ''),"
           " pa.relation, pa.disability, a.at"
           " FROM attendance a JOIN sessions se ON se.id = a.session_id"
           " JOIN batches b ON b.id = se.batch_id JOIN participants pa ON pa.id = a.participant_id"
           " JOIN people p ON p.id = pa.person_id ORDER BY b.code, se.n, a.at, a.id");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_attendance_row r = {
            .batch = col(st, 0),
            .session = sql_column_int(st, 1),
            .phone = col(st, 2),
            .name = col(st, 3),
            .district = col(st, 4),
            .sex = col(st, 5),
            .relation = col(st, 6),
            .disability = sql_column_int(st, 7) != 0,
            .at = sql_column_int64(st, 8),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_attendance");
}

int store_io_each_participant(struct store *s,
                              void (*fn)(const struct store_io_participant_row *, void *),
                              void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT b.code, p.phone, p.name, coalesce(pa.sex, ''), coalesce(pa.age, 0),"
           " pa.district, pa.disability, pa.relation, coalesce(p.channel, ''), pa.programme,"
           " (SELECT count(*) FROM attendance a JOIN sessions se ON se.id = a.session_id"
           "  WHERE a.participant_id = pa.id AND se.batch_id = pa.batch_id),"
           " (SELECT count(*) FROM sessions se WHERE se.batch_id = pa.batch_id)"
           " FROM participants pa JOIN batches b ON b.id = pa.batch_id"
           " JOIN people p ON p.id = pa.person_id ORDER BY b.code, pa.id");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_participant_row r = {
            .batch = col(st, 0),
            .phone = col(st, 1),
            .name = col(st, 2),
            .sex = col(st, 3),
            .age = sql_column_int(st, 4),
            .district = col(st, 5),
            .disability = sql_column_int(st, 6) != 0,
            .relation = col(st, 7),
            .channel = col(st, 8),
            .programme = col(st, 9),
            .present = sql_column_int(st, 10),
            .sessions = sql_column_int(st, 11),
        };
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_participant");
}

int store_io_each_answer(struct store *s, void (*fn)(const struct store_io_answer_row *, void *),
                         void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT b.code, se.n, an.question, an.answer, p.phone, p.name, coalesce(pa.sex, ''),"
           " pa.district, pa.disability, pa.programme, coalesce(q.indicator, ''),"
           " CASE WHEN q.id IS NULL OR q.indicator = '' THEN -1"
           "  WHEN (q.kind = 'yesno' AND an.answer = 'Y')"
           "   OR (q.kind != 'yesno' AND instr(q.agree, an.answer) > 0) THEN 1 ELSE 0 END,"
           " an.at FROM answers an JOIN sessions se ON se.id = an.session_id"
           " JOIN batches b ON b.id = se.batch_id JOIN participants pa ON pa.id = an.participant_id"
           " JOIN people p ON p.id = pa.person_id LEFT JOIN survey_questions q"
           " ON q.batch_id = se.batch_id AND q.session = se.n AND q.question = an.question"
           " ORDER BY b.code, se.n, an.question, pa.id");
    if (!st)
        return -1;
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_io_answer_row r = {
            .batch = col(st, 0),
            .session = sql_column_int(st, 1),
            .question = sql_column_int(st, 2),
            .phone = col(st, 4),
            .name = col(st, 5),
            .sex = col(st, 6),
            .district = col(st, 7),
            .disability = sql_column_int(st, 8) != 0,
            .programme = col(st, 9),
            .indicator = col(st, 10),
            .agrees = sql_column_int(st, 11),
            .at = sql_column_int64(st, 12),
        };
        r.answer[0] = col(st, 3)[0];
        fn(&r, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "io_each_answer");
}
