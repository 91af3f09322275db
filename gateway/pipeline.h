/* pipeline.h - what happens to a message (product.md section 2): store it, parse it, apply each
 * command to the ledger and queue the reply, all inside the caller's transaction. */
#ifndef CATAT_PIPELINE_H
#define CATAT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct store_person;
struct templates;
struct channel_inbound;
struct channel_status;

struct pipeline {
    const struct config *cfg;    /* borrowed */
    const struct templates *tpl; /* borrowed */
    const char *default_lang;    /* [locale] language */
    const char *default_channel; /* [outbox] default_channel */
    int default_tz;              /* [locale] timezone, seconds east of UTC */
    int replies_per_hour;        /* per sender; 0 = no limit */
    bool auto_confirm;           /* groups without a treasurer confirm at once */
};

#define PIPELINE_REPLY_MAX 1600

struct pipeline_result {
    int64_t message_id; /* 0 when the message was a retry of one stored before */
    bool duplicate;
    bool replied;     /* a reply was queued (false when the sender hit the hourly limit) */
    bool limited;     /* the reply was withheld by the per-sender hourly limit */
    int parse_errors; /* commands the parser could not make sense of */
    char reply[PIPELINE_REPLY_MAX];
};

/* Fills p from cfg. tpl is borrowed for p's lifetime. Returns 0 or -1 with err. */
int pipeline_init(struct pipeline *p, const struct config *cfg, const struct templates *tpl,
                  char *err, size_t errsz);

/* Processes one inbound message from channel whose `from` is already E.164, inside an open
 * transaction of s. Returns 0 (out says what happened) or -1 on a database error. */
int pipeline_inbound(const struct pipeline *p, struct store *s, const char *channel,
                     const struct channel_inbound *in, int64_t now, struct pipeline_result *out);

/* Applies a delivery status reported by channel. Returns 0 or -1. */
int pipeline_status(const struct pipeline *p, struct store *s, const char *channel,
                    const struct channel_status *st);

/* Queues text to a person through the channel they are reached on (their chosen channel, else
 * the one they last wrote from, else the default). kind: "reply", "broadcast", "reminder", ...
 * dedupe_key may be NULL. Returns the outbox id, 0 when deduplicated, -1 on error. */
int64_t pipeline_queue_to(const struct pipeline *p, struct store *s, const struct store_person *to,
                          const char *text, const char *kind, const char *dedupe_key,
                          int64_t message_id, int64_t now, int64_t send_at);

/* The language replies to this person are written in. */
const char *pipeline_language(const struct pipeline *p, const struct store_person *who);

#endif
