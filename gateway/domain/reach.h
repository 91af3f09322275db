/* reach.h - how a person is reached, decided in one place for replies, notices, reminders,
 * digests and broadcasts: on the channel she chose, else the one she last wrote from, else
 * [outbox] default_channel; what that channel allows (WhatsApp's 24-hour window, SMS sizing,
 * read from the driver's table); and queueing the text in the outbox. */
#ifndef CATAT_REACH_H
#define CATAT_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct channel_driver;
struct domain_effects;
struct store;
struct store_person;

struct reach {
    const char *default_channel; /* [outbox] default_channel, borrowed from the configuration */
    const char *quiet_start, *quiet_end; /* [reminders] quiet hours, borrowed */
    int default_tz;                      /* [locale] timezone, seconds east of UTC */
};

/* Fills r from cfg. Returns 0, or -1 with err when the default channel is unknown. */
int reach_init(struct reach *r, const struct config *cfg, char *err, size_t errsz);

/* The channel that reaches `to` (a driver name, borrowed). */
const char *reach_channel(const struct reach *r, const struct store_person *to);
/* Whether texts on channel are paid per SMS segment, so long ones are cut (digests). */
bool reach_sms_sized(const char *channel);
/* Whether channel lets a free-form text go now to someone who last wrote at last_inbound_at
 * (0: never); outside the window a provider template is needed. */
bool reach_in_window(const struct channel_driver *d, int64_t last_inbound_at, int64_t now);

/* Queues text to `to` on channel (NULL: reach_channel), counting its SMS segments. kind:
 * "reply", "notice", "broadcast", "reminder", ...; dedupe_key may be NULL or "". message_id is
 * the inbound it answers, or 0; send_at 0 means now. Returns the outbox id, 0 when deduplicated,
 * -1 on error. */
int64_t reach_queue(const struct reach *r, struct store *s, const struct store_person *to,
                    const char *channel, const char *text, const char *kind, const char *dedupe_key,
                    int64_t message_id, int64_t now, int64_t send_at);

/* When a text that is not a direct reply (a notice, a broadcast, a reminder) may reach `to`:
 * now, or the end of the quiet hours in her group's time zone when now falls inside them. */
int64_t reach_send_at(const struct reach *r, const struct store_person *to, int64_t now);

/* Queues every notice of fx (not the reply, which the caller sends its own way), each held
 * back until its recipient's quiet hours end (reach_send_at). Returns how many were queued, or
 * -1 on error (or when fx ran out of memory). */
int reach_queue_notices(const struct reach *r, struct store *s, const struct domain_effects *fx,
                        int64_t message_id, int64_t now);

#endif
