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
    /* The SMS channel a WhatsApp message that cannot be delivered goes out on instead, NULL for
     * none ([outbox] sms_fallback: "auto" = the first enabled SMS channel, "none", or a name). */
    const char *sms_fallback;
};

/* An SMS sent instead of an undeliverable WhatsApp message is cut to this many segments. */
#define REACH_FALLBACK_SEGMENTS 3

/* Fills r from cfg. Returns 0, or -1 with err when the default channel is unknown. */
int reach_init(struct reach *r, const struct config *cfg, char *err, size_t errsz);

/* The channel that reaches `to` (a driver name, borrowed). */
const char *reach_channel(const struct reach *r, const struct store_person *to);
/* Whether texts on channel are paid per SMS segment, so long ones are cut (digests). */
bool reach_sms_sized(const char *channel);
/* Whether channel lets a free-form text go now to someone who last wrote at last_inbound_at
 * (0: never); outside the window a provider template is needed. */
bool reach_in_window(const struct channel_driver *d, int64_t last_inbound_at, int64_t now);
/* The same for a message sent from the address sender (NULL or "": the configured one): a
 * driver's window_prefix limits the window to the senders that start with it (Twilio's
 * "whatsapp:"). */
bool reach_in_window_from(const struct channel_driver *d, const char *sender,
                          int64_t last_inbound_at, int64_t now);

/* Queues text to `to` on channel (NULL: reach_channel), counting its SMS segments. On the
 * channel she last wrote on, it goes out from the address she wrote to (to->last_to). kind:
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

/* A send failed for a reason that says something of the person (channel.h): the outbox message
 * row failed with error. CHANNEL_FAILURE_OPTED_OUT opts her out as STOP would, recording the
 * reason; CHANNEL_FAILURE_UNDELIVERABLE on a channel that is not SMS queues the text once on
 * the SMS fallback channel (cut to REACH_FALLBACK_SEGMENTS), linked to row, and notes it on
 * row. Other failures change nothing. Returns the fallback's outbox id, 0 when nothing was
 * queued, -1 on error. */
enum channel_failure;
struct store_outbox_row;
int64_t reach_failed(const struct reach *r, struct store *s, const struct store_outbox_row *row,
                     enum channel_failure failure, const char *error, int64_t now);

#endif
