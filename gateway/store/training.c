/* training.c - batches, sessions, participants, attendance and survey answers: their SQL. */
#include "store_internal.h"
#include "store_training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t store_batch_ensure(struct store *s, const char *code, int64_t now)
{
    sql_stmt *st =
        store_stmt(s, "INSERT INTO batches(code, created_at) VALUES(?1, ?2)"
                      " ON CONFLICT(code) DO UPDATE SET code = excluded.code RETURNING id");
    if (!st)
        return -1;
    sql_bind_text(st, 1, code);
    sql_bind_int64(st, 2, now);
    return store_int64(s, st, "batch_ensure");
}

int store_batch_set_trainer(struct store *s, int64_t batch_id, int64_t trainer_id)
{
    sql_stmt *st = store_stmt(s, "UPDATE batches SET trainer_id = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    sql_bind_int64(st, 2, trainer_id);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "batch_set_trainer");
}

int store_batch_by_code(struct store *s, const char *code, struct store_batch *b)
{
    sql_stmt *st =
        store_stmt(s, "SELECT id, code, coalesce(trainer_id, 0) FROM batches WHERE code = ?1");
    if (!st)
        return -1;
    sql_bind_text(st, 1, code);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        b->id = sql_column_int64(st, 0);
        store_column_text(st, 1, b->code, sizeof b->code);
        b->trainer_id = sql_column_int64(st, 2);
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "batch_by_code");
    return rc == SQL_ROW;
}

/* Steps st (id, code of batches) to the end, reading every batch before calling fn on each, so
 * fn may write through the same connection. Returns how many, or -1. */
static int each_batch_row(struct store *s, sql_stmt *st,
                          void (*fn)(const struct store_batch *, void *), void *arg,
                          const char *what)
{
    struct store_batch *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_batch *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        rows[n].id = sql_column_int64(st, 0);
        store_column_text(st, 1, rows[n].code, sizeof rows[n].code);
        rows[n].trainer_id = sql_column_int64(st, 2);
        n++;
    }
    sql_reset(st);
    for (int i = 0; i < n; i++)
        fn(&rows[i], arg);
    free(rows);
    return rc == SQL_DONE ? n : store_fail(s, what);
}

int store_each_batch(struct store *s, const char *code,
                     void (*fn)(const struct store_batch *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, "SELECT id, code, coalesce(trainer_id, 0) FROM batches"
                                 " WHERE ?1 IS NULL OR code = ?1 ORDER BY code");
    if (!st)
        return -1;
    store_bind_text(st, 1, code);
    return each_batch_row(s, st, fn, arg, "each_batch");
}

int store_session_upsert(struct store *s, int64_t batch_id, int n, int64_t starts_at,
                         const char *title, const char *material)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO sessions(batch_id, n, starts_at, title, material)"
           " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(batch_id, n) DO UPDATE SET"
           " starts_at = excluded.starts_at, title = excluded.title, material = excluded.material");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    sql_bind_int(st, 2, n);
    if (starts_at)
        sql_bind_int64(st, 3, starts_at);
    sql_bind_text(st, 4, title ? title : "");
    sql_bind_text(st, 5, material ? material : "");
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "session_upsert");
}

#define SESSION_SELECT                                                                             \
    "SELECT se.id, se.batch_id, b.code, se.n, coalesce(se.starts_at, 0),"                          \
    " coalesce(se.opened_at, 0), se.title, se.material FROM sessions se"                           \
    " JOIN batches b ON b.id = se.batch_id "

static void read_session(sql_stmt *st, struct store_session *se)
{
    memset(se, 0, sizeof *se);
    se->id = sql_column_int64(st, 0);
    se->batch_id = sql_column_int64(st, 1);
    store_column_text(st, 2, se->batch_code, sizeof se->batch_code);
    se->n = sql_column_int(st, 3);
    se->starts_at = sql_column_int64(st, 4);
    se->opened_at = sql_column_int64(st, 5);
    store_column_text(st, 6, se->title, sizeof se->title);
    store_column_text(st, 7, se->material, sizeof se->material);
}

static void read_session_cb(sql_stmt *st, void *out)
{
    read_session(st, out);
}

int store_session_get(struct store *s, int64_t batch_id, int n, struct store_session *se)
{
    sql_stmt *st = store_stmt(s, SESSION_SELECT "WHERE se.batch_id = ?1 AND se.n = ?2");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    sql_bind_int(st, 2, n);
    return store_one_row(s, st, read_session_cb, se, "session_get");
}

int store_session_ensure(struct store *s, int64_t batch_id, int n, struct store_session *se)
{
    sql_stmt *st = store_stmt(s, "INSERT INTO sessions(batch_id, n) VALUES(?1, ?2)"
                                 " ON CONFLICT(batch_id, n) DO NOTHING");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    sql_bind_int(st, 2, n);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "session_ensure");
    return store_session_get(s, batch_id, n, se) == 1 ? 0 : -1;
}

int store_session_open(struct store *s, int64_t session_id, int64_t by, int64_t now)
{
    sql_stmt *st = store_stmt(s, "UPDATE sessions SET opened_at = coalesce(opened_at, ?2),"
                                 " opened_by = coalesce(opened_by, ?3) WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, session_id);
    sql_bind_int64(st, 2, now);
    sql_bind_int64(st, 3, by);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "session_open");
}

int store_sessions_starting(struct store *s, int64_t from, int64_t to, struct store_session **out)
{
    sql_stmt *st = store_stmt(
        s, SESSION_SELECT "WHERE se.starts_at > ?1 AND se.starts_at <= ?2 ORDER BY se.starts_at");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, from);
    sql_bind_int64(st, 2, to);
    struct store_session *rows = NULL;
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_session *grown = realloc(rows, (size_t)(n + 1) * sizeof *rows);
        if (!grown)
            break;
        rows = grown;
        read_session(st, &rows[n++]);
    }
    sql_reset(st);
    if (rc != SQL_DONE) {
        free(rows);
        return store_fail(s, "sessions_starting");
    }
    *out = rows;
    return n;
}

int64_t store_person_ensure(struct store *s, const char *phone, const char *name,
                            const char *channel, int64_t now)
{
    struct store_person p;
    int found = store_person_by_phone(s, phone, &p);
    if (found < 0)
        return -1;
    if (!found) {
        sql_stmt *ins =
            store_stmt(s, "INSERT INTO people(phone, name, role, channel, created_at)"
                          " VALUES(?1, coalesce(?2, ''), 'member', ?3, ?4) RETURNING id");
        if (!ins)
            return -1;
        sql_bind_text(ins, 1, phone);
        store_bind_text(ins, 2, name);
        store_bind_text(ins, 3, channel);
        sql_bind_int64(ins, 4, now);
        return store_insert_id(s, ins, "person_ensure_insert");
    }
    int64_t id = p.id;
    sql_stmt *st = store_stmt(
        s, "UPDATE people SET name = CASE WHEN name = '' THEN coalesce(?2, '') ELSE name END,"
           " role = coalesce(role, 'member'), channel = coalesce(?3, channel) WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, id);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, channel);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "person_ensure");
    return id;
}

int store_participant_upsert(struct store *s, const struct store_participant_row *p, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO participants(batch_id, person_id, sex, age, district, disability,"
           " relation, created_at, programme) VALUES(?1, ?2, ?3, ?4, coalesce(?5, ''), ?6,"
           " coalesce(?7, ''), ?8, coalesce(?9, '')) ON CONFLICT(batch_id, person_id) DO UPDATE"
           " SET sex = excluded.sex, age = excluded.age, district = excluded.district,"
           " disability = excluded.disability, relation = excluded.relation,"
           " programme = coalesce(?9, participants.programme)");
    if (!st)
        return -1;
    char sex[2] = {p->sex, 0};
    sql_bind_int64(st, 1, p->batch_id);
    sql_bind_int64(st, 2, p->person_id);
    store_bind_text(st, 3, sex);
    if (p->age)
        sql_bind_int(st, 4, p->age);
    store_bind_text(st, 5, p->district);
    sql_bind_int(st, 6, p->disability);
    store_bind_text(st, 7, p->relation);
    sql_bind_int64(st, 8, now);
    store_bind_text(st, 9, p->programme);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "participant_upsert");
}

int store_participation(struct store *s, int64_t person_id, const char *batch_code,
                        struct store_participation *out)
{
    /* The batch that opened a session last is the one a bare HADIR or JAWAB is about. */
    sql_stmt *st =
        store_stmt(s, "SELECT pa.id, pa.batch_id, b.code, coalesce(se.id, 0), coalesce(se.n, 0)"
                      " FROM participants pa JOIN batches b ON b.id = pa.batch_id"
                      " LEFT JOIN sessions se ON se.id = (SELECT id FROM sessions x WHERE"
                      "  x.batch_id = pa.batch_id AND x.opened_at IS NOT NULL"
                      "  ORDER BY x.opened_at DESC, x.n DESC LIMIT 1)"
                      " WHERE pa.person_id = ?1 AND (?2 IS NULL OR b.code = ?2)"
                      " ORDER BY coalesce(se.opened_at, 0) DESC, pa.id DESC LIMIT 1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    store_bind_text(st, 2, batch_code);
    int rc = sql_step(st);
    if (rc == SQL_ROW) {
        memset(out, 0, sizeof *out);
        out->participant_id = sql_column_int64(st, 0);
        out->batch_id = sql_column_int64(st, 1);
        store_column_text(st, 2, out->batch_code, sizeof out->batch_code);
        out->session_id = sql_column_int64(st, 3);
        out->session_n = sql_column_int(st, 4);
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "participation");
    return rc == SQL_ROW;
}

int store_each_participant(struct store *s, int64_t batch_id,
                           void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st =
        store_stmt(s, PERSON_SELECT "JOIN participants pa ON pa.person_id = p.id"
                                    " WHERE pa.batch_id = ?1 AND p.opted_out = 0 ORDER BY pa.id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    return store_each_person_row(s, st, fn, arg, "each_participant");
}

int store_attendance_add(struct store *s, int64_t session_id, int64_t participant_id,
                         int64_t message_id, int64_t now)
{
    sql_stmt *st =
        store_stmt(s, "INSERT INTO attendance(session_id, participant_id, message_id, at)"
                      " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(session_id, participant_id) DO NOTHING");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, session_id);
    sql_bind_int64(st, 2, participant_id);
    if (message_id)
        sql_bind_int64(st, 3, message_id);
    sql_bind_int64(st, 4, now);
    if (sql_step(st) != SQL_DONE)
        return store_fail(s, "attendance_add");
    return store_changes(s) == 1;
}

int store_answer_set(struct store *s, int64_t session_id, int64_t participant_id, int q,
                     char answer, int64_t message_id, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO answers(session_id, participant_id, question, answer, message_id, at)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(session_id, participant_id, question)"
           " DO UPDATE SET answer = excluded.answer, message_id = excluded.message_id,"
           " at = excluded.at");
    if (!st)
        return -1;
    char a[2] = {answer, 0};
    sql_bind_int64(st, 1, session_id);
    sql_bind_int64(st, 2, participant_id);
    sql_bind_int(st, 3, q);
    sql_bind_text(st, 4, a);
    if (message_id)
        sql_bind_int64(st, 5, message_id);
    sql_bind_int64(st, 6, now);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "answer_set");
}

int store_question_upsert(struct store *s, const struct store_question *q)
{
    sql_stmt *st = store_stmt(
        s, "INSERT INTO survey_questions(batch_id, session, question, kind, text, indicator, agree)"
           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(batch_id, session, question) DO UPDATE"
           " SET kind = excluded.kind, text = excluded.text, indicator = excluded.indicator,"
           " agree = excluded.agree");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, q->batch_id);
    sql_bind_int(st, 2, q->session);
    sql_bind_int(st, 3, q->question);
    sql_bind_text(st, 4, q->yesno ? "yesno" : "choice");
    sql_bind_text(st, 5, q->text);
    sql_bind_text(st, 6, q->indicator);
    sql_bind_text(st, 7, q->agree);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "question_upsert");
}

int store_questions(struct store *s, int64_t batch_id, int session, struct store_question *out,
                    int max)
{
    sql_stmt *st = store_stmt(
        s, "SELECT batch_id, session, question, kind, text, indicator, agree FROM survey_questions"
           " WHERE (?1 = 0 OR batch_id = ?1) AND (?2 = 0 OR session = ?2)"
           " ORDER BY batch_id, session, question");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    sql_bind_int(st, 2, session);
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        if (n < max) {
            struct store_question *q = &out[n];
            memset(q, 0, sizeof *q);
            q->batch_id = sql_column_int64(st, 0);
            q->session = sql_column_int(st, 1);
            q->question = sql_column_int(st, 2);
            const char *kind = sql_column_text(st, 3);
            q->yesno = kind && strcmp(kind, "yesno") == 0;
            store_column_text(st, 4, q->text, sizeof q->text);
            store_column_text(st, 5, q->indicator, sizeof q->indicator);
            store_column_text(st, 6, q->agree, sizeof q->agree);
        }
        n++;
    }
    sql_reset(st);
    return rc == SQL_DONE ? n : store_fail(s, "questions");
}

int store_session_numbers(struct store *s, int64_t batch_id, int *out, int max)
{
    sql_stmt *st = store_stmt(s, "SELECT n FROM sessions WHERE batch_id = ?1 ORDER BY n");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    int n = 0, rc;
    while ((rc = sql_step(st)) == SQL_ROW && n < max)
        out[n++] = sql_column_int(st, 0);
    sql_reset(st);
    return rc == SQL_DONE || rc == SQL_ROW ? n : store_fail(s, "session_numbers");
}

int store_session_last_opened(struct store *s, int64_t batch_id, struct store_session *se)
{
    sql_stmt *st = store_stmt(s, SESSION_SELECT "WHERE se.batch_id = ?1 AND se.opened_at"
                                                " IS NOT NULL ORDER BY se.opened_at DESC,"
                                                " se.id DESC LIMIT 1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    return store_one_row(s, st, read_session_cb, se, "session_last_opened");
}

int store_session_activity(struct store *s, int64_t session_id)
{
    sql_stmt *st = store_stmt(s, "SELECT (SELECT count(*) FROM attendance WHERE session_id = ?1)"
                                 " + (SELECT count(*) FROM answers WHERE session_id = ?1)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, session_id);
    return store_count(s, st, "session_activity");
}

int store_session_unopen(struct store *s, int64_t session_id)
{
    sql_stmt *st =
        store_stmt(s, "UPDATE sessions SET opened_at = NULL, opened_by = NULL WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, session_id);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "session_unopen");
}

int store_material_withdraw(struct store *s, const char *dedupe_key, int64_t now)
{
    sql_stmt *st = store_stmt(
        s, "UPDATE outbox SET dedupe_key = dedupe_key || ':withdrawn:' || ?2 || ':' || id,"
           " status = CASE WHEN status = 'queued' THEN 'dropped' ELSE status END,"
           " error = CASE WHEN status = 'queued' THEN 'session cancelled' ELSE error END"
           " WHERE dedupe_key = ?1 RETURNING status = 'dropped'");
    if (!st)
        return -1;
    sql_bind_text(st, 1, dedupe_key);
    sql_bind_int64(st, 2, now);
    int rc = sql_step(st), went = 0;
    if (rc == SQL_ROW) {
        went = !sql_column_int(st, 0);
        rc = sql_step(st);
    }
    sql_reset(st);
    return rc == SQL_DONE ? went : store_fail(s, "material_withdraw");
}

int store_participant_completion(struct store *s, int64_t participant_id, int64_t now,
                                 int *sessions)
{
    sql_stmt *st =
        store_stmt(s, "SELECT pa.congratulated_at IS NULL,"
                      " (SELECT count(*) FROM sessions se WHERE se.batch_id = pa.batch_id),"
                      " (SELECT count(*) FROM attendance a JOIN sessions se ON se.id = a.session_id"
                      "  WHERE a.participant_id = pa.id AND se.batch_id = pa.batch_id)"
                      " FROM participants pa WHERE pa.id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, participant_id);
    int rc = sql_step(st), due = 0;
    if (rc == SQL_ROW) {
        *sessions = sql_column_int(st, 1);
        due = sql_column_int(st, 0) && *sessions > 0 && sql_column_int(st, 2) >= *sessions;
    }
    sql_reset(st);
    if (rc != SQL_ROW && rc != SQL_DONE)
        return store_fail(s, "participant_completion");
    if (!due)
        return 0;
    st = store_stmt(s, "UPDATE participants SET congratulated_at = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, participant_id);
    sql_bind_int64(st, 2, now);
    return sql_step(st) == SQL_DONE ? 1 : store_fail(s, "participant_congratulate");
}

int store_report_participants(struct store *s, int64_t batch_id, const char *programme,
                              void (*fn)(const struct store_report_participant *, void *),
                              void *arg)
{
    sql_stmt *st =
        store_stmt(s, "SELECT id, batch_id, coalesce(sex, ''), disability, district, programme"
                      " FROM participants WHERE (?1 = 0 OR batch_id = ?1) AND (?2 IS NULL"
                      " OR lower(programme) = lower(?2)) ORDER BY batch_id, id");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    store_bind_text(st, 2, programme);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        struct store_report_participant p;
        memset(&p, 0, sizeof p);
        p.id = sql_column_int64(st, 0);
        p.batch_id = sql_column_int64(st, 1);
        const char *sex = sql_column_text(st, 2);
        p.sex = sex ? (char)sex[0] : 0;
        p.disability = sql_column_int(st, 3) != 0;
        store_column_text(st, 4, p.district, sizeof p.district);
        store_column_text(st, 5, p.programme, sizeof p.programme);
        fn(&p, arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "report_participants");
}

int store_report_sessions(struct store *s, int64_t batch_id,
                          void (*fn)(int64_t batch_id, int n, int64_t starts_at, int64_t opened_at,
                                     void *),
                          void *arg)
{
    sql_stmt *st = store_stmt(
        s, "SELECT batch_id, n, coalesce(starts_at, 0), coalesce(opened_at, 0) FROM sessions"
           " WHERE ?1 = 0 OR batch_id = ?1 ORDER BY batch_id, n");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW)
        fn(sql_column_int64(st, 0), sql_column_int(st, 1), sql_column_int64(st, 2),
           sql_column_int64(st, 3), arg);
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "report_sessions");
}

/* Calls fn for every (participant, session number) row of sql, whose ?1 is the batch (0: all). */
static int each_participant_session(struct store *s, const char *sql, int64_t batch_id,
                                    void (*fn)(int64_t participant_id, int session, void *),
                                    void *arg, const char *what)
{
    sql_stmt *st = store_stmt(s, sql);
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW)
        fn(sql_column_int64(st, 0), sql_column_int(st, 1), arg);
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, what);
}

int store_report_attendance(struct store *s, int64_t batch_id,
                            void (*fn)(int64_t participant_id, int session, void *), void *arg)
{
    return each_participant_session(s,
                                    "SELECT a.participant_id, se.n FROM attendance a JOIN sessions"
                                    " se ON se.id = a.session_id WHERE ?1 = 0 OR se.batch_id = ?1",
                                    batch_id, fn, arg, "report_attendance");
}

int store_discussion_add(struct store *s, int64_t session_id, int64_t participant_id,
                         int64_t message_id, const char *kind, int64_t now)
{
    sql_stmt *st = store_stmt(s, "INSERT INTO discussion(session_id, participant_id,"
                                 " message_id, kind, at) VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, session_id);
    sql_bind_int64(st, 2, participant_id);
    if (message_id)
        sql_bind_int64(st, 3, message_id);
    sql_bind_text(st, 4, kind);
    sql_bind_int64(st, 5, now);
    return sql_step(st) == SQL_DONE ? 0 : store_fail(s, "discussion_add");
}

int store_report_discussion(struct store *s, int64_t batch_id,
                            void (*fn)(int64_t participant_id, int session, void *), void *arg)
{
    return each_participant_session(
        s,
        "SELECT DISTINCT d.participant_id, se.n FROM discussion d JOIN sessions se"
        " ON se.id = d.session_id WHERE ?1 = 0 OR se.batch_id = ?1",
        batch_id, fn, arg, "report_discussion");
}

int store_report_answers(struct store *s, int64_t batch_id,
                         void (*fn)(int64_t participant_id, int session, int question, char answer,
                                    void *),
                         void *arg)
{
    sql_stmt *st =
        store_stmt(s, "SELECT an.participant_id, se.n, an.question, an.answer FROM answers an"
                      " JOIN sessions se ON se.id = an.session_id WHERE ?1 = 0 OR se.batch_id = ?1"
                      " ORDER BY an.participant_id, se.n, an.question");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        const char *a = sql_column_text(st, 3);
        fn(sql_column_int64(st, 0), sql_column_int(st, 1), sql_column_int(st, 2),
           a ? (char)a[0] : '?', arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "report_answers");
}

/* Each tally is one query over the participants of a batch (?1) or of all batches (?1 = 0). */
static const char tally_totals[] =
    "SELECT 'participants', NULL, count(*) FROM participants WHERE ?1 = 0 OR batch_id = ?1"
    " UNION ALL SELECT 'disability', NULL, count(*) FROM participants"
    "  WHERE (?1 = 0 OR batch_id = ?1) AND disability = 1"
    " UNION ALL SELECT 'completed_all', NULL, count(*) FROM participants pa"
    "  WHERE (?1 = 0 OR pa.batch_id = ?1)"
    "  AND (SELECT count(*) FROM sessions se WHERE se.batch_id = pa.batch_id) > 0"
    "  AND (SELECT count(*) FROM attendance a WHERE a.participant_id = pa.id)"
    "   = (SELECT count(*) FROM sessions se WHERE se.batch_id = pa.batch_id)";
static const char tally_district[] =
    "SELECT CASE WHEN district = '' THEN '-' ELSE district END, NULL, count(*)"
    " FROM participants WHERE ?1 = 0 OR batch_id = ?1 GROUP BY 1 ORDER BY 1";
static const char tally_sex[] =
    "SELECT sex, NULL, count(*) FROM participants WHERE (?1 = 0 OR batch_id = ?1)"
    " AND sex IS NOT NULL GROUP BY sex ORDER BY sex";
static const char tally_session[] =
    "SELECT se.n, NULL, (SELECT count(*) FROM attendance a WHERE a.session_id = se.id)"
    " FROM sessions se WHERE ?1 = 0 OR se.batch_id = ?1 ORDER BY se.n, se.batch_id";
static const char tally_answer[] =
    "SELECT an.question, an.answer, count(*) FROM answers an JOIN sessions se"
    " ON se.id = an.session_id WHERE ?1 = 0 OR se.batch_id = ?1"
    " GROUP BY an.question, an.answer ORDER BY an.question, an.answer";

int store_training_tally(struct store *s, int64_t batch_id, enum store_tally what,
                         void (*fn)(const char *key, const char *sub, int64_t count, void *),
                         void *arg)
{
    const char *sql = what == STORE_TALLY_TOTALS     ? tally_totals
                      : what == STORE_TALLY_DISTRICT ? tally_district
                      : what == STORE_TALLY_SEX      ? tally_sex
                      : what == STORE_TALLY_SESSION  ? tally_session
                                                     : tally_answer;
    sql_stmt *st = store_stmt(s, sql);
    if (!st)
        return -1;
    sql_bind_int64(st, 1, batch_id);
    int rc;
    while ((rc = sql_step(st)) == SQL_ROW) {
        const char *k = sql_column_text(st, 0), *sub = sql_column_text(st, 1);
        fn(k ? k : "", sub ? sub : NULL, sql_column_int64(st, 2), arg);
    }
    sql_reset(st);
    return rc == SQL_DONE ? 0 : store_fail(s, "training_tally");
}

int store_each_batch_of_trainer(struct store *s, int64_t person_id,
                                void (*fn)(const struct store_batch *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, "SELECT DISTINCT b.id, b.code, coalesce(b.trainer_id, 0)"
                                 " FROM batches b LEFT JOIN sessions se ON se.batch_id = b.id"
                                 " WHERE se.opened_by = ?1 OR b.trainer_id = ?1"
                                 " ORDER BY b.code");
    if (!st)
        return -1;
    sql_bind_int64(st, 1, person_id);
    return each_batch_row(s, st, fn, arg, "each_batch_of_trainer");
}

int store_each_trainer(struct store *s, void (*fn)(const struct store_person *, void *), void *arg)
{
    sql_stmt *st = store_stmt(s, PERSON_SELECT "WHERE p.opted_out = 0 AND p.id IN"
                                               " (SELECT opened_by FROM sessions) ORDER BY p.id");
    if (!st)
        return -1;
    return store_each_person_row(s, st, fn, arg, "each_trainer");
}
