/* store_web.h - the SQL of the staff web app: sign-in codes, sessions and attempts (hashes
 * only), the action log, and the lists its pages show that no other part of catat reads. */
#ifndef CATAT_STORE_WEB_H
#define CATAT_STORE_WEB_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

#define STORE_WEB_HASH_HEX 65 /* a SHA-256 as 64 hex digits and a NUL */

/* ---- sign-in ---- */

/* Ends every open code of the person and stores a new one (its hash) valid until expires_at.
 * Returns 0 or -1. */
int store_web_code_new(struct store *s, int64_t person_id, const char *code_hash, int64_t now,
                       int64_t expires_at);

struct store_web_code {
    int64_t id;
    char code_hash[STORE_WEB_HASH_HEX];
    int64_t expires_at;
    int tries;
};
/* The person's latest code not used yet: 1 and *c, 0 when there is none, -1 on error. */
int store_web_code_open(struct store *s, int64_t person_id, struct store_web_code *c);
/* Counts one wrong try of the code. */
int store_web_code_wrong(struct store *s, int64_t code_id);
/* Marks the code used (it cannot start a second session). */
int store_web_code_use(struct store *s, int64_t code_id, int64_t now);

/* Blanks the text of sign-in messages to phone, so no code is left readable in the outbox once
 * it is used or replaced; one still queued is dropped (it would open nothing). 0 or -1. */
int store_web_signin_scrub(struct store *s, const char *phone, const char *placeholder);

/* Records one sign-in attempt under scope ("phone", "address") and key. */
int store_web_attempt_add(struct store *s, const char *scope, const char *key, int64_t now);
/* Attempts under scope and key since the time given, or -1. */
int store_web_attempts_since(struct store *s, const char *scope, const char *key, int64_t since);

/* Starts a session for person_id under the token's hash. Returns 0 or -1. */
int store_web_session_new(struct store *s, const char *token_hash, int64_t person_id, int64_t now);
/* The session with this token hash that has not ended: 1 with its person and when it was last
 * used, 0 when none, -1 on error. */
int store_web_session_get(struct store *s, const char *token_hash, int64_t *person_id,
                          int64_t *last_seen);
int store_web_session_touch(struct store *s, const char *token_hash, int64_t now);
int store_web_session_end(struct store *s, const char *token_hash, int64_t now);

/* Records that person_id did action (e.g. "confirm") on target (e.g. an entry ref). */
int store_web_action(struct store *s, int64_t person_id, const char *action, const char *target,
                     const char *detail, int64_t now);

/* ---- what the pages list ---- */

/* Calls fn for each registered person of the group (by member code); her last_inbound_at is
 * when she last wrote. Rows are read first, so fn may query. Returns count or -1. */
int store_web_each_member(struct store *s, int64_t group_id,
                          void (*fn)(const struct store_person *, void *), void *arg);

struct store_web_entry {
    const char *ref, *kind, *status, *item, *name, *code, *group; /* borrowed */
    int64_t amount, created_at;
};
/* Entries of a group (group_id) or of a person (person_id), newest first, at most limit.
 * only_waiting: only reported repayments and savings (what staff confirm). */
int store_web_each_entry(struct store *s, int64_t group_id, int64_t person_id, bool only_waiting,
                         int limit, void (*fn)(const struct store_web_entry *, void *), void *arg);

struct store_web_instalment {
    const char *loan, *due_date; /* borrowed */
    int n;
    int64_t amount, paid;
};
/* Every instalment of the person's loans, by loan code and number. */
int store_web_each_instalment(struct store *s, int64_t person_id,
                              void (*fn)(const struct store_web_instalment *, void *), void *arg);

struct store_web_message {
    const char *direction, *channel, *phone, *text, *status, *error, *kind, *name; /* borrowed */
    int64_t id, at; /* id: the outbox id for "out", the message id for "in" */
};
/* Messages in and out, newest first, at most limit: of one phone (exact, when not empty),
 * whose text contains text (when not empty), with status (when not empty). scope_role etc.
 * limit them to the people a staff member covers, with the rule of store_staff_covers
 * (admin: all; facilitator: her network's groups; others: their group). */
struct store_web_message_filter {
    const char *phone, *text, *status;
    const struct store_person *staff;
    int64_t staff_network_id;
    int limit;
};
int store_web_each_message(struct store *s, const struct store_web_message_filter *f,
                           void (*fn)(const struct store_web_message *, void *), void *arg);
/* The outbox row's phone: 1 found, 0 not, -1 error; *failed tells whether it failed. */
int store_web_outbox_get(struct store *s, int64_t id, char *phone, size_t phonesz, bool *failed);
/* Sends a failed outbox message again: back to queued, due now, attempts from zero. Returns 1
 * when it was failed and is queued again, 0 when it was not failed, -1 on error. */
int store_web_outbox_retry(struct store *s, int64_t id, int64_t now);
/* Members of a group and how many of them sent STOP. */
int store_web_group_counts(struct store *s, int64_t group_id, int *members, int *opted_out);

#endif
