/* pipeline.h - what happens to one inbound message (product.md section 2): stored once, its
 * commands carried out by the domain, the reply queued on the channel it came from and the
 * notices through reach.h, all inside the caller's transaction. */
#ifndef CATAT_PIPELINE_H
#define CATAT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct channel_inbound;
struct channel_status;
struct config;
struct domain;
struct parse_result;
struct reach;
struct store;

struct pipeline {
    const struct domain *d; /* borrowed */
    const struct reach *r;  /* borrowed */
    int replies_per_hour;   /* per sender; 0 = no limit */
};

/* Fills p from cfg; d and r are borrowed for p's lifetime. */
void pipeline_init(struct pipeline *p, const struct config *cfg, const struct domain *d,
                   const struct reach *r);

/* The pure part of a message, done before the writer (on the HTTP thread): its parse, and the
 * parse as the JSON stored with it. */
struct pipeline_prepared {
    struct parse_result *parse; /* new; NULL for a media message without text */
    char *parsed_json;          /* new; NULL when there is no parse */
};
/* Prepares in. Returns 0, or -1 when out of memory. */
int pipeline_prepare(const struct channel_inbound *in, struct pipeline_prepared *out);
void pipeline_prepared_free(struct pipeline_prepared *pre);

struct pipeline_result {
    int64_t message_id; /* 0 when the message was a retry of one stored before */
    bool duplicate;
    bool replied;     /* a reply was queued (false when the sender hit the hourly limit) */
    bool limited;     /* the reply was withheld by the per-sender hourly limit */
    int parse_errors; /* commands the parser could not make sense of */
    char *reply;      /* new, when keep_reply was asked: the reply text, else NULL */
};

/* Processes one inbound message from channel whose `from` is already E.164, inside an open
 * transaction of s. pre is what pipeline_prepare made of in (NULL: prepared here). With
 * keep_reply, out->reply is the reply's text (free it). Returns 0 (out says what happened) or
 * -1 on a database error. */
int pipeline_inbound(const struct pipeline *p, struct store *s, const char *channel,
                     const struct channel_inbound *in, const struct pipeline_prepared *pre,
                     int64_t now, bool keep_reply, struct pipeline_result *out);

/* Applies a delivery status reported by channel; a failure that opts the person out or calls
 * for the SMS fallback goes to reach_failed. Returns 0 or -1. */
int pipeline_status(const struct pipeline *p, struct store *s, const char *channel,
                    const struct channel_status *st, int64_t now);

#endif
