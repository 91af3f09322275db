/* store_io.h - the SQL behind `catat import` and `catat export`: upserts by key, and row
 * iterators that hand out borrowed strings valid only during the callback. */
#ifndef CATAT_STORE_IO_H
#define CATAT_STORE_IO_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- import ---- */

/* A group row. NULL or "" for name, network, district or timezone keeps what is stored (a new
 * group gets "" and the timezone default_tz). All strings borrowed. */
struct store_io_group {
    const char *code, *name, *network, *district, *timezone;
    const char *network_name; /* NULL or "": the network's name is left as it is */
};
/* Inserts the group, or updates the one with the same code. The network, named by its code, is
 * created when it does not exist (with network_name when given). Returns 1 when the group is new, 0
 * when it was updated, -1 on a database error. */
int store_io_group_upsert(struct store *s, const struct store_io_group *g, const char *default_tz,
                          int64_t now);

/* A member row. phone (E.164), name and code are required; group_id 0 means no group; NULL or ""
 * for role, language or channel keeps what is stored (a new person is a "member" with the
 * default language and no preferred channel). All strings borrowed. */
struct store_io_member {
    const char *phone, *name, *role, *language, *code, *channel;
    int64_t group_id;
};
/* Inserts the person, or updates the one with the same phone (an unregistered sender becomes a
 * member). Returns 1 when the person was not a member before, 0 when updated, -1 on error. */
int store_io_member_upsert(struct store *s, const struct store_io_member *m, int64_t now);
/* The largest n among member codes "A<digits>" (0 when none), for making up new codes. */
int64_t store_io_max_member_code(struct store *s);

/* One instalment of a schedule: due date "YYYY-MM-DD", amount, and of it the interest. */
struct store_io_instalment {
    char due[16];
    int64_t amount, interest;
};
/* A loan row and its schedule (borrowed; n_schedule == instalments). */
struct store_io_loan {
    const char *code, *frequency, *first_due, *disbursed;
    int64_t person_id, principal, instalment, interest;
    int instalments;
    const struct store_io_instalment *schedule;
};
/* Inserts the loan, or updates the one with the same code, and writes its schedule (instalments
 * beyond the new count are removed). The caller then spreads the borrower's confirmed repayments
 * over the new schedule (books_reallocate). Returns 1 when new, 0 when updated, -1 on error. */
int store_io_loan_upsert(struct store *s, const struct store_io_loan *l, int64_t now);

/* ---- export ---- */

/* Text columns are never NULL ("" when empty); timezone is the offset of the person's group,
 * "" when she has none. */
struct store_io_message_row {
    const char *direction, *channel, *provider_id, *phone, *text, *status, *kind, *timezone;
    int64_t at;
};
/* Calls fn for every inbound and outbound message, oldest first. Returns 0 or -1. */
int store_io_each_message(struct store *s, void (*fn)(const struct store_io_message_row *, void *),
                          void *arg);

struct store_io_member_row {
    const char *phone, *name, *group, *role, *language, *code, *channel, *timezone;
    bool opted_out;
    int64_t last_inbound_at; /* 0 when she never wrote */
    int64_t savings;         /* confirmed savings less confirmed withdrawals */
};
/* Calls fn for every registered person (role set), by group code then member code. */
int store_io_each_member(struct store *s, void (*fn)(const struct store_io_member_row *, void *),
                         void *arg);

struct store_io_entry_row {
    const char *ref, *phone, *name, *member_code, *group, *timezone, *kind, *status, *unit, *item,
        *loan, *recorded_by;
    int64_t amount;
    int qty;                                /* 0 when absent */
    int64_t at, confirmed_at, cancelled_at; /* 0 when absent */
};
/* Calls fn for every ledger entry (cancelled ones too), oldest first. */
int store_io_each_entry(struct store *s, void (*fn)(const struct store_io_entry_row *, void *),
                        void *arg);

struct store_io_loan_row {
    const char *code, *phone, *name, *group, *timezone, *frequency, *first_due;
    const char *next_due; /* the oldest instalment not fully paid, "" when the loan is paid */
    const char *disbursed;
    int64_t principal, instalment, paid, outstanding, next_amount;
    int64_t interest, outstanding_interest; /* outstanding less this is principal still owed */
    int instalments;
};
/* Calls fn for every loan, by code. */
int store_io_each_loan(struct store *s, void (*fn)(const struct store_io_loan_row *, void *),
                       void *arg);

struct store_io_attendance_row {
    const char *batch, *phone, *name, *district, *sex, *relation;
    int session;
    bool disability;
    int64_t at; /* when the participant said HADIR */
};
/* Calls fn for every attendance of every e-training session, by batch, session and time. */
int store_io_each_attendance(struct store *s,
                             void (*fn)(const struct store_io_attendance_row *, void *), void *arg);

struct store_io_participant_row {
    const char *batch, *phone, *name, *sex, *district, *relation, *channel, *programme;
    int age; /* 0 when unknown */
    bool disability;
    int present, sessions; /* sessions attended, sessions the batch has */
};
/* Calls fn for every participant of every batch, by batch and import order. */
int store_io_each_participant(struct store *s,
                              void (*fn)(const struct store_io_participant_row *, void *),
                              void *arg);

struct store_io_answer_row {
    const char *batch, *phone, *name, *sex, *district, *programme, *indicator;
    int session, question;
    char answer[2];
    bool disability;
    int agrees; /* 1 counts toward the question's indicator, 0 not, -1 no indicator */
    int64_t at;
};
/* Calls fn for every survey answer (each participant's latest per session and question), by
 * batch, session, question and participant. */
int store_io_each_answer(struct store *s, void (*fn)(const struct store_io_answer_row *, void *),
                         void *arg);

#endif
