/* channel.h - the contract between the core and a messaging provider's driver.
 *
 * A driver does no I/O: it turns the bytes of a provider's HTTP request into inbound messages and
 * delivery statuses (decode), and an outgoing message into the bytes of an HTTP request
 * (build_send) and reads the provider's answer (read_send_response). The core owns sockets, libcurl
 * and the database. Each driver lives in one file (channels/<name>.c) with its state in its own
 * struct, and is listed once in registry.c. */
#ifndef CATAT_CHANNEL_H
#define CATAT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct json_t;

#define CHANNEL_ID_MAX 128  /* provider message ids */
#define CHANNEL_ADDR_MAX 48 /* phone numbers as the provider writes them */
#define CHANNEL_ERROR_MAX 256

struct channel_kv {
    const char *key;
    const char *value;
};

/* One HTTP request to /webhook/<driver>[/<sub>], everything borrowed from the core. */
struct channel_request {
    const char *method;             /* "GET" or "POST" */
    const char *sub;                /* "" for /webhook/<driver>, else the rest: "status", "dlr" */
    const char *path;               /* the full path as requested: "/webhook/twilio/status" */
    const struct channel_kv *query; /* URL query arguments, decoded */
    size_t n_query;
    const struct channel_kv *headers; /* request headers; look up names case-insensitively */
    size_t n_headers;
    const char *body; /* raw body bytes exactly as received (signatures are over these) */
    size_t body_len;
};

enum channel_delivery {
    CHANNEL_DELIVERY_SENT,
    CHANNEL_DELIVERY_DELIVERED,
    CHANNEL_DELIVERY_READ,
    CHANNEL_DELIVERY_FAILED,
};

#define CHANNEL_MEDIA_REF_MAX 512 /* a media id or URL */

struct channel_inbound {
    /* As the provider sent it; the core normalises a phone number to E.164 and keeps a
     * WhatsApp business-scoped user id ("US.13491208655302741918") as it is. */
    char from[CHANNEL_ADDR_MAX];
    /* The address the person wrote to, as the provider writes it (Twilio: "whatsapp:+1415...").
     * The reply goes out from it. */
    char to[CHANNEL_ADDR_MAX];
    /* A business-scoped user id given beside a phone number in from: remembered for her. */
    char user_id[CHANNEL_ADDR_MAX];
    char provider_id[CHANNEL_ID_MAX];
    char media[16]; /* "" for text; "image", "audio", "document", "location", ... */
    char media_ref[CHANNEL_MEDIA_REF_MAX]; /* the provider's media id or URL, "" when none */
    char mime[64];                         /* the media's MIME type, "" when not given */
    bool group; /* written in a group chat: recorded, never answered privately */
    int64_t at; /* Unix seconds the provider gives, 0 when it gives none */
    char *text; /* owned by the events struct; "" when a media message has no caption */
    char *meta; /* owned; NULL, or a JSON object of what else the message carries: a
                 * location's latitude, longitude, name and address, a Flows reply's
                 * response_json, more media items */
};

/* An event of a request that catat cannot use: logged (kind, reason, masked sender) and
 * skipped, while the others are stored and the request answered 2xx. */
struct channel_skip {
    char kind[24];   /* "message", or the message type ("unsupported", "system") */
    char reason[96]; /* why it is skipped */
    char from[CHANNEL_ADDR_MAX];
};

/* Why a send failed, when it is something the core acts on (outbox.c, pipeline.c). */
enum channel_failure {
    CHANNEL_FAILURE_OTHER = 0,
    CHANNEL_FAILURE_OPTED_OUT,     /* the person told the provider to stop (21610, 131050) */
    CHANNEL_FAILURE_UNDELIVERABLE, /* not on this channel (131026), or outside the window
                                    * with no template (131047, 63016) */
    CHANNEL_FAILURE_RETRY,         /* try again later (a transient provider answer) */
    CHANNEL_FAILURE_ALREADY_SENT,  /* not a failure: the provider holds this message already
                                    * (a send repeated after a crash; Android's 409) */
};

struct channel_status {
    char provider_id[CHANNEL_ID_MAX]; /* the id the provider gave when we sent */
    enum channel_delivery delivery;
    char error[CHANNEL_ERROR_MAX]; /* for FAILED: the provider's code and words */
    enum channel_failure failure;  /* for FAILED: what the core should make of it */
    int64_t at;
};

/* What decode yields. Arrays grow with channel_events_add_*; channel_events_free releases them. */
struct channel_events {
    struct channel_inbound *in;
    size_t n_in, cap_in;
    struct channel_status *statuses;
    size_t n_statuses, cap_statuses;
    struct channel_skip *skipped;
    size_t n_skipped, cap_skipped;
    /* A driver that must answer with a body of its own (WhatsApp's hub.challenge, TwiML) sets
     * these; otherwise the core answers 200 with JSON. response is malloc'd, freed by _free. */
    char *response;
    const char *response_type;
};

/* decode's answers; the core maps them to HTTP statuses and a JSON error. */
enum channel_rc {
    CHANNEL_OK = 0,
    CHANNEL_BAD_REQUEST,  /* 400: malformed body, missing fields, invalid UTF-8 */
    CHANNEL_UNAUTHORIZED, /* 401: missing or bad signature or secret */
    CHANNEL_FORBIDDEN,    /* 403: verify token mismatch */
    CHANNEL_NOT_FOUND,    /* 404: no such sub-path */
    CHANNEL_BAD_METHOD,   /* 405 */
};

/* An outgoing message handed to build_send. All borrowed. */
struct channel_message {
    const char *to;         /* E.164, "+628..." */
    const char *text;       /* UTF-8 */
    bool in_window;         /* WhatsApp: the person wrote within 24 hours */
    int64_t outbox_id;      /* the core's id for this message (Kannel's dlr-url carries it) */
    const char *public_url; /* base URL at which catat is reached, for callbacks */
    const char *buttons;    /* NULL or "": none; else reply button titles one a line, each the
                             * command a press sends (WhatsApp shows them in the window) */
    const char *from;       /* the address to send from (the one she wrote to), "" or NULL for
                             * the driver's configured sender */
};

/* The HTTP request build_send asks the core to make. Strings are malloc'd; freed by
 * channel_send_free. method NULL means "no HTTP: delivered locally" (console). */
#define CHANNEL_SEND_HEADERS_MAX 6
struct channel_send {
    const char *method; /* "POST" or "GET" (static string) */
    char *url;
    char *body;                              /* NULL for GET */
    char *headers[CHANNEL_SEND_HEADERS_MAX]; /* "Name: value" */
    size_t n_headers;
    char *userpwd; /* for basic auth: "user:password" */
    /* The provider id of this message when it is known before sending, "" otherwise. Kannel
     * answers a send with no id, and its delivery reports carry our outbox id back, so its
     * build_send writes the outbox id here. The core copies it into read_send_response's
     * provider_id before the call; a driver that finds an id in the answer overwrites it. */
    char provider_id[CHANNEL_ID_MAX];
};

struct config_setting;

struct channel_driver {
    const char *name; /* "whatsapp": the config section and the /webhook/<name> path */
    /* The driver's [name] keys with their defaults ("enabled" among them), ending with {NULL}.
     * Read with config_get(cfg, name, key); an unknown key in a file is an error at start. */
    const struct config_setting *settings;
    /* What the core needs to know of the provider, instead of comparing names (reach.h): */
    int window_seconds;     /* free-form text only this long after the person last wrote
                             * (WhatsApp's 24 hours; outside it, a template); 0: always */
    bool sms;               /* each 160 GSM-7 characters are paid: long texts are cut short */
    bool replies_in_answer; /* the webhook's answer carries the replies (console, development) */
    /* With window_seconds: the window applies only to sender addresses starting with this
     * (Twilio's "whatsapp:"); NULL: to every message of the channel. */
    const char *window_prefix;
    /* A number key of the driver's section that caps the messages sent per day (a SIM that
     * sends in bulk is blocked by its operator); 0 there: no cap. NULL: the driver has none. */
    const char *daily_limit_key;
    /* Reads the driver's section of cfg into a new state (*state). Returns 0, or -1 with err. */
    int (*init)(void **state, const struct config *cfg, char *err, size_t errsz);
    void (*fini)(void *state);
    /* Decodes one webhook request into ev (cleared by the caller). err says why on failure. */
    enum channel_rc (*decode)(void *state, const struct channel_request *req,
                              struct channel_events *ev, char *err, size_t errsz);
    /* Builds the HTTP request that sends msg. Returns 0, or -1 with err (nothing to retry). */
    int (*build_send)(void *state, const struct channel_message *msg, struct channel_send *out,
                      char *err, size_t errsz);
    /* Reads the provider's answer to a send with HTTP status http_status (2xx here): writes the
     * provider's message id into provider_id and returns 0, or returns -1 with err. On entry
     * provider_id holds channel_send.provider_id from build_send ("" when it set none). */
    int (*read_send_response)(void *state, long http_status, const char *body, size_t len,
                              char *provider_id, size_t idsz, char *err, size_t errsz);
    /* Optional: reads a refused send's answer (HTTP status not 2xx) and says what it means, with
     * the provider's code and words in err. NULL: the core decides by HTTP status alone (429
     * and 5xx retried, the rest failed). */
    enum channel_failure (*read_send_error)(void *state, long http_status, const char *body,
                                            size_t len, char *err, size_t errsz);
};

/* registry.c: every driver, NULL-terminated; lookup by name returns NULL when unknown. */
extern const struct channel_driver *const channel_drivers[];
const struct channel_driver *channel_find(const char *name);

/* Helpers for drivers (channel.c). add_* copy text; return NULL on allocation failure. */
struct channel_inbound *channel_events_add_inbound(struct channel_events *ev, const char *text,
                                                   size_t text_len);
struct channel_status *channel_events_add_status(struct channel_events *ev);
/* Records an unusable event (kind, reason and sender are copied, cut to fit); NULL when out of
 * memory. */
struct channel_skip *channel_events_add_skip(struct channel_events *ev, const char *kind,
                                             const char *reason, const char *from);
/* Sets in->meta to a copy of json; returns false when out of memory. */
bool channel_inbound_set_meta(struct channel_inbound *in, const char *json);
/* Sets in->meta to the JSON object meta, written compactly, when it has any member, and drops
 * the reference to meta. False when out of memory. */
bool channel_inbound_take_meta(struct channel_inbound *in, struct json_t *meta);
void channel_events_free(struct channel_events *ev);
/* Whether two decodes yielded the same events, field by field (two decoders of one format). */
bool channel_events_equal(const struct channel_events *a, const struct channel_events *b);
void channel_send_free(struct channel_send *s);
/* Case-insensitive header lookup, query lookup; NULL when absent. */
const char *channel_header(const struct channel_request *req, const char *name);
const char *channel_query(const struct channel_request *req, const char *key);
/* Compares a secret given by a request with the configured one in constant time (only the
 * length may leak). */
bool channel_secret_equal(const char *given, const char *expected);
/* Whether addr is a WhatsApp business-scoped user id: two capital letters, '.', then up to 64
 * letters and digits ("US.13491208655302741918"). */
bool channel_is_user_id(const char *addr);
/* For an enabled channel: the (key, value) pairs after driver, ended by NULL, are checked in
 * order; the first with an empty value is written into err ("[driver] key must be set when the
 * channel is enabled") and false returned. True when every one is set. */
bool channel_require(char *err, size_t errsz, const char *driver, ...);
/* Drops trailing '/' from a configured base URL, in place. */
void channel_strip_slashes(char *url);
/* Wipes a secret (token, password) from memory and frees it; NULL is fine. */
void channel_free_secret(char *secret);
/* The value of a hex digit, or -1. */
int channel_hex_value(unsigned char c);
/* Decodes the 2*n hex digits at hex into n bytes of out; false when one is not a hex digit. */
bool channel_hex_decode(const char *hex, unsigned char *out, size_t n);
/* Copies at most dstsz-1 bytes and NUL-terminates; returns false when src was cut. */
bool channel_copy(char *dst, size_t dstsz, const char *src);

#endif
