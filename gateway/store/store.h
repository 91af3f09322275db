/* store.h - the only door to the database. Every query lives behind a function named for what it
 * does; nothing outside gateway/store/ includes sqlite3.h, so another backend (PostgreSQL) is one
 * more implementation of this header. One struct store is one connection, used by one thread. */
#ifndef CATAT_STORE_H
#define CATAT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens the database and applies pending migrations. target is a PostgreSQL URL
 * (postgresql://...; see store_is_url) or the path of a SQLite file, created when missing and
 * opened with WAL, synchronous=FULL, a busy timeout and foreign keys. Returns a new handle, or
 * NULL with err. */
struct store *store_open(const char *target, char *err, size_t errsz);
/* Whether target names a PostgreSQL database (postgresql:// or postgres://). */
bool store_is_url(const char *target);
/* Whether other catat instances may write the same database (PostgreSQL) while this one runs. */
bool store_is_shared(const struct store *s);
void store_close(struct store *s);
/* Applies pending migrations; returns the schema version after, or -1. */
int store_migrate(struct store *s);
int store_schema_version(struct store *s);
/* 0 when the database answers a query. */
int store_ping(struct store *s);
/* Online copy of the whole database into path: a SQLite file (SQLite's backup API), or for
 * PostgreSQL an archive written by the server's pg_dump (custom format, for pg_restore); 0 or
 * -1 with err. */
int store_backup(struct store *s, const char *path, char *err, size_t errsz);

/* Copies every table of from into to (an empty database of the same schema version; ids
 * kept), in one transaction on each side, then counts every table on both and prints the
 * counts to report. 0, or -1 with err (nothing is left in to when the copy fails). */
#include <stdio.h>
int store_copy(struct store *from, struct store *to, FILE *report, char *err, size_t errsz);

/* Transactions: begin takes the write lock at once on SQLite (BEGIN IMMEDIATE). Savepoints nest
 * inside, so one message's failure rolls back only that message. All return 0 or -1. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);
int store_savepoint(struct store *s);
int store_release(struct store *s);
int store_rollback_savepoint(struct store *s);
/* Whether the last failure was a conflict with another connection's transaction (PostgreSQL's
 * deadlock or serialization failure) that the same work, tried again, should get past. */
bool store_retryable(const struct store *s);
/* Group commit with the disk flush apart (SQLite): after store_defer_sync(s), a commit on s
 * returns once its write-ahead log frames are written, before they reach the disk, and
 * store_sync(s) -- callable from another thread while s goes on with the next transaction --
 * makes every commit made before it durable (fdatasync of the log, as synchronous=FULL would
 * at each commit). store_defer_sync returns 0, or -1 when it cannot be done (PostgreSQL's
 * commits are durable by themselves); store_sync returns 0, or -1 when the disk failed. */
int store_defer_sync(struct store *s);
int store_sync(struct store *s);
/* With a deferred sync, s no longer copies its log into the database (a checkpoint) as it
 * commits: store_wal_frames(s), callable from any thread, says how long the log is (0 when
 * not deferred), and store_checkpoint(c), on another connection c to the same database, copies
 * what it can without waiting for s (a passive checkpoint; 0, or -1 when it failed). */
int store_wal_frames(struct store *s);
int store_checkpoint(struct store *c);

/* ---- messages ---- */
struct store_inbound {
    const char *channel, *provider_id, *phone, *text, *media;
    int64_t received_at, provider_at;
    /* May be NULL: the address written to, the media id or URL, its MIME type, a JSON object of
     * what else the message carries (location, Flows answers). */
    const char *to_addr, *media_ref, *media_mime, *meta;
    /* May be NULL: its status if known already (else "received") and the parse as JSON. */
    const char *status, *parsed;
};
/* Stores an inbound message. Returns its id, 0 when (channel, provider_id) was stored before
 * (a provider retry), or -1 on error. */
int64_t store_message_insert(struct store *s, const struct store_inbound *m);
/* Records what became of a message ("ok", "error", "unregistered", "limited") and the parse. */
int store_message_set_status(struct store *s, int64_t id, const char *status, const char *parsed);

/* ---- outbox ---- */
#define STORE_BUTTONS_MAX 96 /* three WhatsApp reply buttons of up to 20 characters */
struct store_outgoing {
    int64_t message_id; /* the inbound it answers, or 0 */
    const char *channel, *phone, *text, *kind;
    const char *dedupe_key; /* NULL, or a key that makes queueing twice a no-op */
    int64_t at, send_at;
    int segments;
    const char *encoding; /* "gsm7" or "ucs2" */
    const char *buttons;  /* NULL, or reply button titles one a line (drivers that can show them) */
    const char *sender;   /* NULL, or the address to send from (the one she wrote to) */
    int64_t fallback_of;  /* 0, or the outbox message this one stands in for (SMS fallback) */
};
/* Queues a message. Returns its id, 0 when dedupe_key was queued before, -1 on error. */
int64_t store_outbox_queue(struct store *s, const struct store_outgoing *o);
/* 1 when a message with dedupe_key was queued before, 0 when not, -1 on error. */
int store_outbox_key_queued(struct store *s, const char *dedupe_key);

struct store_outbox_row {
    int64_t id;
    char channel[16];
    char phone[48];
    char sender[48]; /* "" for the channel's configured sender */
    char kind[16];
    char *text; /* malloc'd; store_outbox_rows_free */
    int attempts;
    int64_t last_inbound_at;         /* of the recipient, 0 when never */
    char buttons[STORE_BUTTONS_MAX]; /* reply button titles one a line, "" for none */
    int64_t message_id;              /* the inbound it answers, 0 when none */
    int64_t fallback_of;             /* the message it stands in for, 0 when none */
};
/* Reads outbox message id into row (text malloc'd: store_outbox_rows_free). 1 found, 0 not, -1
 * error. */
int store_outbox_get(struct store *s, int64_t id, struct store_outbox_row *row);
/* The outbox message channel sent under provider_id: 1 and *row, 0 when unknown, -1 error. */
int store_outbox_by_provider(struct store *s, const char *channel, const char *provider_id,
                             struct store_outbox_row *row);
/* Messages of channel sent since the time given, or in flight now. Returns the count or -1. For
 * a daily cap (the outbox counts its claims from there on). */
int store_outbox_claimed_since(struct store *s, const char *channel, int64_t since);
/* Whether an SMS fallback was queued for outbox message id: 1 yes, 0 no, -1 error. */
int store_outbox_has_fallback(struct store *s, int64_t id);
/* Appends words to the error recorded for outbox message id ("...; sent by SMS: 42"). */
int store_outbox_note(struct store *s, int64_t id, const char *words);
/* Records the provider id of a claimed message known before it is sent (Kannel's is the outbox
 * id), so that a delivery report that overtakes the send's answer finds its row. */
int store_outbox_set_provider(struct store *s, int64_t id, const char *provider_id);
/* Claims up to max queued messages of channel due at now for sending (status -> sending,
 * attempts counted, the claim held until lease_until). Rows another connection is claiming are
 * skipped, so several catat instances on one PostgreSQL database never claim one message
 * twice. Returns the number written to rows, or -1. */
int store_outbox_claim(struct store *s, int64_t now, const char *claimer, int64_t lease_until,
                       const char *channel, struct store_outbox_row *rows, int max);
void store_outbox_rows_free(struct store_outbox_row *rows, int n);
int store_outbox_mark_sent(struct store *s, int64_t id, const char *provider_id, int64_t at);
/* Back to queued for another try at next_at, recording why. */
int store_outbox_retry(struct store *s, int64_t id, int64_t next_at, const char *error);
int store_outbox_fail(struct store *s, int64_t id, const char *error);
/* Applies a delivery status reported by the provider to the message it sent; returns the number
 * of messages it matched (0 for an unknown id). status: "sent", "delivered", "read", "failed". */
int store_outbox_apply_status(struct store *s, const char *channel, const char *provider_id,
                              const char *status, const char *error);
/* After a crash: messages left "sending" go back to queued, due at now, their resent count
 * raised (they may have reached the provider before the crash): those claimed by `mine` (this
 * instance, restarted; NULL for none) and those whose claim ended before `expired`. Returns how
 * many. */
int store_outbox_recover(struct store *s, const char *mine, int64_t expired, int64_t now);
/* Replies queued to phone since the time given (the per-sender hourly limit). */
int store_replies_since(struct store *s, const char *phone, int64_t since);
/* Counts by status for /metrics; fills up to n (status, count) pairs, returns how many. */
struct store_count {
    char name[24];
    int64_t count;
};
int store_outbox_depth(struct store *s, struct store_count *out, int n);
/* Calls fn for every message in or out (export). */
struct store_message_row {
    const char *direction, *channel, *provider_id, *phone, *text, *status;
    int64_t at;
};
int store_each_message(struct store *s, void (*fn)(const struct store_message_row *, void *),
                       void *arg);

/* ---- people ---- */
struct store_person {
    int64_t id;
    char phone[48]; /* E.164, or a WhatsApp business-scoped user id */
    char name[64];
    char role[16];    /* "" for someone who has not registered */
    char language[4]; /* "" for the default */
    char code[16];
    char channel[16]; /* preferred channel, "" when none */
    char last_channel[16];
    int64_t last_inbound_at;
    bool opted_out;
    int64_t group_id; /* 0 when none */
    char group_code[24];
    char group_tz[8];
    char last_to[48]; /* the address she last wrote to ("whatsapp:+1415..."), "" when none */
    char user_id[48]; /* a WhatsApp business-scoped user id, "" when none */
};
/* 1 and *p when found, 0 when not, -1 on error. A phone may be several members' (a shared
 * household handset): store_person_by_phone gives the first registered of them. */
int store_person_by_phone(struct store *s, const char *phone, struct store_person *p);
/* The registered people on phone, oldest first: fills up to max of out and returns how many
 * there are (possibly more than max), or -1. */
int store_people_by_phone(struct store *s, const char *phone, struct store_person *out, int max);
/* Adds an unregistered person on phone (who may already be someone else's). Returns the id. */
int64_t store_person_add(struct store *s, const char *phone, const char *channel, int64_t at);
int store_person_by_id(struct store *s, int64_t id, struct store_person *p);
/* Records that phone wrote on channel at time at, for everyone on it (creating an unregistered
 * person when there is no one). */
int store_person_touch(struct store *s, const char *phone, const char *channel, int64_t at);
int store_person_set_language(struct store *s, int64_t person_id, const char *lang);
int store_person_set_opted_out(struct store *s, int64_t person_id, bool opted_out);
/* Like store_person_touch, also remembering the address she wrote to and a business-scoped
 * user id given beside her number (each may be NULL or "": left as it was). */
int store_person_touch_via(struct store *s, const char *phone, const char *channel,
                           const char *to_addr, const char *user_id, int64_t at);
/* Opts out whoever has phone, as STOP would, recording why ("twilio 21610: ...") and when.
 * Returns the number of people changed (0 when unknown), or -1. */
int store_person_opt_out_phone(struct store *s, const char *phone, const char *reason, int64_t at);

/* ---- groups and the ledger (store/ledger.c) ---- */
struct store_group {
    int64_t id;
    char code[24];
    char name[64];
    char timezone[8];
    int64_t network_id;
};
int store_group_by_code(struct store *s, const char *code, struct store_group *g);
int store_group_by_id(struct store *s, int64_t id, struct store_group *g);
/* Whether someone with role treasurer belongs to the group. */
int store_group_has_treasurer(struct store *s, int64_t group_id);
/* Makes an unregistered sender a member of a group with a fresh member code. */
int store_person_register(struct store *s, int64_t person_id, const char *name, int64_t group_id);
int store_person_by_code(struct store *s, const char *code, struct store_person *p);
/* Whether staff (treasurer, facilitator, trainer, admin) may act on group_id: admins on every
 * group, facilitators on the groups of their network, others on their own group. */
bool store_staff_covers(struct store *s, const struct store_person *staff, int64_t group_id);

struct store_entry {
    int64_t id;
    char ref[8];
    int64_t person_id, group_id, loan_id, message_id, recorded_by;
    char kind[12];   /* sale, expense, savings, repayment */
    char status[12]; /* reported, confirmed, cancelled */
    int64_t amount;
    int qty;
    const char *unit, *item; /* borrowed on insert */
    int64_t created_at;
    int64_t confirmed_by; /* read back only: who confirmed it, 0 when confirmed as written */
    bool loan_named;      /* the member named loan_id; else it is the loan the repayment began
                           * on, and it pays her loans oldest instalment first */
};
/* Adds an entry with a fresh reference code (written into e->ref). Returns its id or -1. */
int64_t store_entry_add(struct store *s, struct store_entry *e);
int store_entry_by_ref(struct store *s, const char *ref, struct store_entry *e);
int store_entry_set_status(struct store *s, int64_t id, const char *status, int64_t by, int64_t at);

struct store_loan {
    int64_t id;
    char code[24];
    int64_t person_id, principal, instalment, paid, outstanding;
    char next_due[11];       /* "" when fully paid */
    int64_t next_due_amount; /* what is left of the next instalment */
    int64_t interest;        /* instalment x instalments - principal, 0 for none */
};
/* The borrower's loan named code, or (code NULL/empty) her oldest loan with money outstanding;
 * 1 found, 0 not, -1 error. */
int store_loan_for_person(struct store *s, int64_t person_id, const char *code,
                          struct store_loan *l);
int store_loan_by_code(struct store *s, const char *code, struct store_loan *l);
/* One instalment of a borrower's loans (store_person_instalments). */
struct store_instalment {
    int64_t id, loan_id;
    int n;
    char due[11];
    char disbursed[11];       /* the loan's disbursement date */
    int64_t amount, interest; /* interest: the interest part of amount */
    int64_t paid;             /* as stored; loans_allocate recomputes it */
    int64_t paid_interest;    /* of paid, interest (computed, not stored) */
};
/* One confirmed repayment (store_person_repayments). */
struct store_repayment {
    int64_t entry_id, amount;
    int64_t loan_id; /* the loan she named, 0 for none */
    int64_t created_at;
    int64_t to_principal, to_interest, unapplied; /* filled by loans_allocate */
};
/* Every instalment of the person's loans, by due date, loan and number: *out is new (free()),
 * *n its length. Returns 0 or -1. */
int store_person_instalments(struct store *s, int64_t person_id, struct store_instalment **out,
                             size_t *n);
/* The person's confirmed repayments made before `before` (INT64_MAX: all), oldest first. *out
 * is new (free()). Returns 0 or -1. */
int store_person_repayments(struct store *s, int64_t person_id, int64_t before,
                            struct store_repayment **out, size_t *n);
/* Writes the paid amounts of the instalments back, and drops reminders still waiting for the
 * ones now paid. Returns 0 or -1. */
int store_instalments_write_paid(struct store *s, const struct store_instalment *slots, size_t n);
/* Repayments reported and not yet confirmed: of the person (loan_id 0) or naming loan_id. */
int64_t store_repayments_waiting(struct store *s, int64_t person_id, int64_t loan_id);
/* Savings and withdrawals reported and not yet confirmed, of the person. 0 or -1. */
int store_savings_waiting(struct store *s, int64_t person_id, int64_t *savings,
                          int64_t *withdrawals);
/* Sums for balance replies and reports: confirmed savings less confirmed withdrawals; sales
 * and expenses (not cancelled) between from and to. */
int64_t store_savings_total(struct store *s, int64_t person_id);
int store_person_week(struct store *s, int64_t person_id, int64_t from, int64_t to, int64_t *sales,
                      int64_t *expenses);
struct store_group_summary {
    int members;
    int64_t sales, expenses, savings, repaid_confirmed, repaid_waiting;
    int64_t savings_waiting, withdrawals_waiting; /* reported, not yet confirmed */
    int in_arrears;
    int64_t arrears_amount;
};
int store_group_summary(struct store *s, int64_t group_id, int64_t from, int64_t to,
                        const char *today, struct store_group_summary *g);
/* ---- questions asked and answered with YA (store/pending.c) ---- */
/* 1 with the ref of her latest entry of that kind, amount and item (not cancelled) made since
 * `since` in another message than message_id (a likely duplicate); 0 when none; -1 on error. */
int store_entry_recent_same(struct store *s, int64_t person_id, const char *kind, int64_t amount,
                            const char *item, int64_t since, int64_t message_id, char ref[8]);
/* What was asked: the entry she meant, recorded when she answers YA. */
struct store_pending {
    int64_t person_id;
    char kind[12];
    int64_t amount;
    int qty;
    char unit[16], item[96], ref[24];
    int64_t asked_at;
};
/* Keeps q as the person's one open question (replacing an older one). 0 or -1. */
int store_pending_set(struct store *s, const struct store_pending *q);
/* Removes the person's open question: 1 with it in *q when it was asked since `since`, 0 when
 * there was none or it is older, -1 on error. */
int store_pending_take(struct store *s, int64_t person_id, int64_t since, struct store_pending *q);

/* ---- reports waiting for confirmation (store/waiting.c) ---- */
struct store_waiting {
    int64_t entry_id;
    char ref[8], kind[12];
    int64_t amount;
    char name[64], code[16];
    int64_t created_at;
};
/* The reported entries of a group (group_id) or of a network's groups (group_id 0), oldest
 * first; only_untold: those no treasurer was told of yet. *out is new (free it). Returns the
 * count or -1. */
int store_waiting_list(struct store *s, int64_t group_id, int64_t network_id, bool only_untold,
                       struct store_waiting **out);
/* The groups with reports nobody was told of yet; *ids new. Returns the count or -1. */
int store_waiting_groups(struct store *s, int64_t **ids);
/* Calls fn for each treasurer of the group who has not sent STOP. Returns how many or -1. */
int store_each_treasurer(struct store *s, int64_t group_id,
                         void (*fn)(const struct store_person *, void *), void *arg);
/* Marks the entry as told to its treasurers at `at`. 0 or -1. */
int store_entry_set_told(struct store *s, int64_t entry_id, int64_t at);
/* When the person was last sent a reminder of kind (0: never), or -1 on error. */
int64_t store_last_reminder_at(struct store *s, int64_t person_id, const char *kind);
/* ---- the books of a period (domain/books.c) ---- */
/* The people of the group who have a loan, by id: *ids is new (free()). 0 or -1. */
int store_group_borrowers(struct store *s, int64_t group_id, int64_t **ids, size_t *n);
/* Confirmed figures of a group in [from, to) (times), and the loans of its members disbursed
 * between from_date and to_date ("YYYY-MM-DD", both included). */
struct store_group_period {
    int64_t savings_in, savings_out, savings_balance; /* balance: everything before to */
    int64_t sales, expenses, disbursed;
};
int store_group_period(struct store *s, int64_t group_id, int64_t from, int64_t to,
                       const char *from_date, const char *to_date, struct store_group_period *p);

/* Calls fn for each member of the group who has not sent STOP. Returns how many, or -1. */
int store_each_reachable_member(struct store *s, int64_t group_id,
                                void (*fn)(const struct store_person *, void *), void *arg);

#endif
