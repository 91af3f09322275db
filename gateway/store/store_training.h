/* store_training.h - the SQL of the e-training (batches, sessions, participants, attendance,
 * answers), of reminders (what is due, what was queued) and of the daily digests' figures. */
#ifndef CATAT_STORE_TRAINING_H
#define CATAT_STORE_TRAINING_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- batches, sessions, participants (store/training.c) ---- */

struct store_batch {
    int64_t id;
    char code[24];
    int64_t trainer_id; /* the batch's trainer, 0 when it belongs to every trainer */
};

#define STORE_MATERIAL_MAX 1400

struct store_session {
    int64_t id, batch_id;
    char batch_code[24];
    int n;
    int64_t starts_at; /* 0 when not scheduled */
    int64_t opened_at; /* 0 while not opened */
    char title[128];
    char material[STORE_MATERIAL_MAX];
};

/* Creates the batch named code when it does not exist; returns its id, or -1. */
int64_t store_batch_ensure(struct store *s, const char *code, int64_t now);
/* 1 and *b when the batch exists, 0 when not, -1 on error. */
int store_batch_by_code(struct store *s, const char *code, struct store_batch *b);
/* Names the batch's trainer (a person id). Returns 0 or -1. */
int store_batch_set_trainer(struct store *s, int64_t batch_id, int64_t trainer_id);
/* Calls fn for every batch (or only code, when not NULL/empty), by code. Returns how many. */
int store_each_batch(struct store *s, const char *code,
                     void (*fn)(const struct store_batch *, void *), void *arg);
/* Inserts or updates session n of a batch (title, material borrowed; starts_at 0 = none). */
int store_session_upsert(struct store *s, int64_t batch_id, int n, int64_t starts_at,
                         const char *title, const char *material);
/* Session n of the batch; 1 found, 0 not, -1 error. */
int store_session_get(struct store *s, int64_t batch_id, int n, struct store_session *se);
/* Creates session n of the batch (no material) when missing, and returns it. */
int store_session_ensure(struct store *s, int64_t batch_id, int n, struct store_session *se);
/* Marks the session opened now by person `by` (only the first opening is kept). */
int store_session_open(struct store *s, int64_t session_id, int64_t by, int64_t now);
/* Sessions scheduled to start in (from, to], with their batch; *out is new (free it).
 * Returns how many, or -1. */
int store_sessions_starting(struct store *s, int64_t from, int64_t to, struct store_session **out);

/* Creates a person for phone when none exists (role member, name and channel given), or fills
 * an empty name, a missing role and (channel not empty) the preferred channel of the one that
 * does. Returns the person's id, or -1. */
int64_t store_person_ensure(struct store *s, const char *phone, const char *name,
                            const char *channel, int64_t now);

struct store_participant_row {
    int64_t batch_id, person_id;
    char sex;                        /* 'L', 'P' or 0 */
    int age;                         /* 0 when unknown */
    const char *district, *relation; /* borrowed */
    const char *programme;           /* borrowed; NULL or "" keeps none */
    bool disability;
};
/* Adds the person to the batch, or updates their row. Returns 0 or -1. */
int store_participant_upsert(struct store *s, const struct store_participant_row *p, int64_t now);

/* A participation: a person in a batch, and the batch's latest opened session (0 when none). */
struct store_participation {
    int64_t participant_id, batch_id;
    char batch_code[24];
    int64_t session_id;
    int session_n;
};
/* The sender's participation whose batch opened a session last (batch_code NULL or empty), or
 * the one in the batch named. 1 found, 0 not a participant, -1 error. */
int store_participation(struct store *s, int64_t person_id, const char *batch_code,
                        struct store_participation *out);
/* Calls fn for each participant of the batch who has not sent STOP (rows read first, so fn
 * may write). Returns how many, or -1. */
int store_each_participant(struct store *s, int64_t batch_id,
                           void (*fn)(const struct store_person *, void *), void *arg);
/* Records attendance: 1 when new, 0 when recorded before, -1 on error. */
int store_attendance_add(struct store *s, int64_t session_id, int64_t participant_id,
                         int64_t message_id, int64_t now);
/* Records (replacing an earlier one) the participant's answer to question q. */
int store_answer_set(struct store *s, int64_t session_id, int64_t participant_id, int q,
                     char answer, int64_t message_id, int64_t now);

/* ---- surveys, session limits, completion (store/training.c) ---- */

#define STORE_QUESTION_TEXT_MAX 200

/* One survey question of surveys.csv. */
struct store_question {
    int64_t batch_id;
    int session, question;
    bool yesno; /* else a choice question (letters A-E) */
    char text[STORE_QUESTION_TEXT_MAX + 1];
    char indicator[33]; /* "" when none */
    char agree[8];      /* the letters that count toward the indicator ("Y" for yes/no) */
};
/* Inserts or replaces the question (batch, session, question). Returns 0 or -1. */
int store_question_upsert(struct store *s, const struct store_question *q);
/* The questions of a batch's session (session 0: every session of the batch; batch_id 0: every
 * batch), by batch, session and question, into out (at most max). Returns how many (all of them,
 * even beyond max), or -1. */
int store_questions(struct store *s, int64_t batch_id, int session, struct store_question *out,
                    int max);
/* The numbers of the sessions the batch has (from batches.csv), ascending, into out (at most
 * max). Returns how many, or -1. */
int store_session_numbers(struct store *s, int64_t batch_id, int *out, int max);
/* The batch's session opened last: 1 and *se, 0 when none is open, -1 on error. */
int store_session_last_opened(struct store *s, int64_t batch_id, struct store_session *se);
/* How many attendances and answers the session has (0: nobody answered), or -1. */
int store_session_activity(struct store *s, int64_t session_id);
/* Undoes the opening of the session: it is closed again (opened_at, opened_by cleared). */
int store_session_unopen(struct store *s, int64_t session_id);
/* Withdraws the material queued for a participant under dedupe_key: still queued it is dropped;
 * the key is renamed so opening the session again sends the material once more. Returns 1 when
 * the material had gone out (or was being sent), 0 when it had not or there was none, -1. */
int store_material_withdraw(struct store *s, const char *dedupe_key, int64_t now);
/* When the participant has attended every session of her batch and was not congratulated yet,
 * marks her congratulated and returns 1; else 0; -1 on error. *sessions gets the count. */
int store_participant_completion(struct store *s, int64_t participant_id, int64_t now,
                                 int *sessions);

/* Records a participant's voice note or other media (kind "audio", "image", ...) during a
 * session, from message_id (0 none). Returns 0 or -1. */
int store_discussion_add(struct store *s, int64_t session_id, int64_t participant_id,
                         int64_t message_id, const char *kind, int64_t now);

/* ---- the raw figures of the training report (store/training.c) ---- */

struct store_report_participant {
    int64_t id, batch_id;
    char sex; /* 'L', 'P' or 0 */
    bool disability;
    char district[64];
    char programme[24];
};
/* Participants of batch_id (0: all) and programme (NULL or "": any), by batch and id. */
int store_report_participants(struct store *s, int64_t batch_id, const char *programme,
                              void (*fn)(const struct store_report_participant *, void *),
                              void *arg);
/* Sessions of batch_id (0: all): fn gets batch, number, scheduled start and opening (0 none). */
int store_report_sessions(struct store *s, int64_t batch_id,
                          void (*fn)(int64_t batch_id, int n, int64_t starts_at, int64_t opened_at,
                                     void *),
                          void *arg);
/* Attendances of batch_id (0: all): fn gets the participant and the session number. */
int store_report_attendance(struct store *s, int64_t batch_id,
                            void (*fn)(int64_t participant_id, int session, void *), void *arg);
/* Discussion of batch_id (0: all): fn gets the participant and the session, once per pair. */
int store_report_discussion(struct store *s, int64_t batch_id,
                            void (*fn)(int64_t participant_id, int session, void *), void *arg);
/* Answers of batch_id (0: all), one per participant, session and question (the latest). */
int store_report_answers(struct store *s, int64_t batch_id,
                         void (*fn)(int64_t participant_id, int session, int question, char answer,
                                    void *),
                         void *arg);

/* Report figures for one batch (batch_id 0: all batches). fn gets a key and a count:
 * STORE_TALLY_DISTRICT (key district), _SEX ("L"/"P"), _SESSION (key "<n>"), _ANSWER
 * (key "<question>" and sub the answer letter), _TOTALS (key "participants", "disability",
 * "completed_all"). Returns 0 or -1. */
enum store_tally {
    STORE_TALLY_TOTALS,
    STORE_TALLY_DISTRICT,
    STORE_TALLY_SEX,
    STORE_TALLY_SESSION,
    STORE_TALLY_ANSWER
};
int store_training_tally(struct store *s, int64_t batch_id, enum store_tally what,
                         void (*fn)(const char *key, const char *sub, int64_t count, void *),
                         void *arg);

/* ---- reminders (store/reminders.c) ---- */

struct store_due_instalment {
    int64_t instalment_id, loan_id, person_id;
    char loan_code[24];
    int n;
    char due_date[11];
    int64_t amount_left;
    char timezone[8]; /* of the borrower's group, "" when none */
};
/* Unpaid instalments due between the dates given (inclusive, "YYYY-MM-DD") of borrowers who
 * have not sent STOP; *out is new (free it). Returns how many, or -1. */
int store_unpaid_instalments(struct store *s, const char *from, const char *to,
                             struct store_due_instalment **out);
/* 1 when a reminder with this key was queued before, 0 when not, -1 on error. */
int store_reminder_exists(struct store *s, const char *dedupe_key);
struct store_reminder {
    const char *dedupe_key, *kind;
    int64_t person_id, instalment_id, session_id, outbox_id;
};
int store_reminder_record(struct store *s, const struct store_reminder *r, int64_t now);
/* Reminders still queued for instalments of the loan that are now paid go to status dropped.
 * Returns how many, or -1. Called whenever repayments are reallocated. */
int store_reminders_drop_paid(struct store *s, int64_t loan_id);

/* ---- digests (store/reminders.c) ---- */

/* Calls fn for each group (network_id 0: all), by code. Rows are read first. Returns count. */
int store_each_group(struct store *s, int64_t network_id,
                     void (*fn)(const struct store_group *, void *), void *arg);
/* Calls fn for people of group_id (or, group_id 0, of every group of network_id) whose role is
 * one of roles (a comma-separated list such as "treasurer,facilitator,admin") and who have
 * not sent STOP. Rows are read first. Returns count or -1. */
int store_each_staff(struct store *s, int64_t group_id, int64_t network_id, const char *roles,
                     void (*fn)(const struct store_person *, void *), void *arg);
/* Networks by id with their code; fn gets id and code. */
int store_each_network(struct store *s, void (*fn)(int64_t id, const char *code, void *),
                       void *arg);

struct store_digest {
    int registrations, reports, repayments_confirmed_n, repayments_waiting_n;
    int64_t sales, expenses, repaid_confirmed, repaid_waiting;
    int64_t savings_waiting, withdrawals_waiting; /* reported, not yet confirmed */
    int attendance, not_understood, failed;
};
/* Figures of the window [from, to) for one group (group_id), or a network's groups (group_id 0,
 * network_id set). Only the scope's own people count: a sender of no group is in no network's
 * figures. repaid_waiting is repayments only (savings and withdrawals waiting are apart). */
int store_digest_figures(struct store *s, int64_t group_id, int64_t network_id, int64_t from,
                         int64_t to, struct store_digest *d);
/* Members in arrears: fn gets name, code, amount overdue and the oldest due date. today is the
 * local date. */
int store_each_arrears(struct store *s, int64_t group_id, int64_t network_id, const char *today,
                       void (*fn)(const char *name, const char *code, int64_t amount,
                                  const char *oldest_due, void *),
                       void *arg);
/* Batches whose sessions were opened by person_id, for a trainer's digest. fn gets the batch. */
int store_each_batch_of_trainer(struct store *s, int64_t person_id,
                                void (*fn)(const struct store_batch *, void *), void *arg);
/* Trainers who opened a session of some batch (reachable). */
int store_each_trainer(struct store *s, void (*fn)(const struct store_person *, void *), void *arg);

#endif
