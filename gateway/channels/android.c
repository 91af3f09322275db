/* android.c - SMS Gateway for Android (capcom6/android-sms-gateway): an Android phone with its
 * own SIM sends and receives the SMS. Signed webhooks in, the phone's REST API out.
 *
 * The phone calls POST <public_url>/webhook/android for each event it was registered for
 * (sms:received, sms:sent, sms:delivered, sms:failed), signed with the app's signing key:
 * X-Timestamp is Unix seconds, X-Signature the lowercase hex HMAC-SHA256 of the body followed
 * directly by the timestamp. A timestamp older or newer than [android] max_skew_seconds, or one
 * seen before with the same signature, is refused. Sends go to {api_base}/message (the phone's
 * local server) or {api_base}/3rdparty/v1/message (the cloud, mode = cloud) with basic auth and
 * the message id "catat-<outbox id>", which the sent/delivered/failed events carry back; a 409
 * (that id exists) means the phone already took it. [android] daily_limit caps what the SIM
 * sends per day (operators block a personal SIM that sends in bulk); the outbox holds the rest
 * until the next day. deploy/README.md has the setup. */
#include "channel.h"
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANDROID_ID_PREFIX "catat-"
#define SEEN_MAX 256 /* signatures remembered against replays */

struct android {
    char *api_base; /* without a trailing '/' */
    char *username;
    char *password;
    char *signing_key; /* "" = webhooks are not signature-checked */
    bool cloud;
    long sim; /* 0 = the phone's default SIM */
    long max_skew;
    /* Signatures accepted within the freshness window, so a captured request cannot be played
     * again: decode runs on several HTTP threads, hence the lock. */
    pthread_mutex_t mu;
    struct {
        int64_t ts;
        unsigned char mac[32];
    } seen[SEEN_MAX];
    size_t next_seen;
};

static void android_fini(void *state)
{
    struct android *a = state;
    if (!a)
        return;
    free(a->api_base);
    free(a->username);
    channel_free_secret(a->password);
    channel_free_secret(a->signing_key);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static int android_init(void **state, const struct config *cfg, char *err, size_t errsz)
{
    *state = NULL;
    struct android *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    pthread_mutex_init(&a->mu, NULL);
    a->api_base = strdup(config_get(cfg, "android", "api_base"));
    a->username = strdup(config_get(cfg, "android", "username"));
    a->password = strdup(config_get(cfg, "android", "password"));
    a->signing_key = strdup(config_get(cfg, "android", "signing_key"));
    if (!a->api_base || !a->username || !a->password || !a->signing_key) {
        android_fini(a);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    channel_strip_slashes(a->api_base);
    const char *mode = config_get(cfg, "android", "mode");
    a->sim = config_get_long(cfg, "android", "sim");
    a->max_skew = config_get_long(cfg, "android", "max_skew_seconds");
    if (strcmp(mode, "local") != 0 && strcmp(mode, "cloud") != 0) {
        snprintf(err, errsz, "[android] mode must be local or cloud");
        android_fini(a);
        return -1;
    }
    a->cloud = strcmp(mode, "cloud") == 0;
    if (a->sim < 0 || a->sim > 3 || a->max_skew < 1) {
        snprintf(err, errsz, "[android] sim must be 0-3 and max_skew_seconds at least 1");
        android_fini(a);
        return -1;
    }
    if (config_get_bool(cfg, "android", "enabled") &&
        !channel_require(err, errsz, "android", "api_base", a->api_base, "username", a->username,
                         "password", a->password, "signing_key", a->signing_key, (char *)NULL)) {
        android_fini(a);
        return -1;
    }
    *state = a;
    return 0;
}

/* Reads a string of decimal digits (at most 18); false otherwise. */
static bool read_seconds(const char *s, int64_t *out)
{
    if (!s || !s[0] || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)v;
    return true;
}

/* Checks X-Signature over the raw body followed by X-Timestamp, the timestamp's freshness
 * against now, and that the signature was not seen before. Writes why into err. */
static bool signature_valid(struct android *a, const struct channel_request *req, int64_t now,
                            char *err, size_t errsz)
{
    const char *sig = channel_header(req, "X-Signature");
    const char *ts_text = channel_header(req, "X-Timestamp");
    int64_t ts;
    if (!sig || !ts_text || strlen(sig) != 64 || !read_seconds(ts_text, &ts)) {
        snprintf(err, errsz, "missing or malformed X-Signature or X-Timestamp");
        return false;
    }
    unsigned char given[32];
    if (!channel_hex_decode(sig, given, sizeof given)) {
        snprintf(err, errsz, "X-Signature is not hex");
        return false;
    }
    size_t tl = strlen(ts_text);
    unsigned char *text = malloc(req->body_len + tl + 1);
    if (!text) {
        snprintf(err, errsz, "out of memory");
        return false;
    }
    if (req->body_len)
        memcpy(text, req->body, req->body_len);
    memcpy(text + req->body_len, ts_text, tl);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    bool ok = HMAC(EVP_sha256(), a->signing_key, (int)strlen(a->signing_key), text,
                   req->body_len + tl, mac, &mac_len) &&
              mac_len == 32 && CRYPTO_memcmp(given, mac, 32) == 0;
    free(text);
    if (!ok) {
        snprintf(err, errsz, "bad X-Signature");
        return false;
    }
    if (ts < now - a->max_skew || ts > now + a->max_skew) {
        snprintf(err, errsz, "X-Timestamp is stale (more than %ld s from now)", a->max_skew);
        return false;
    }
    pthread_mutex_lock(&a->mu);
    bool replay = false;
    for (size_t i = 0; i < SEEN_MAX && !replay; i++)
        replay = a->seen[i].ts == ts && memcmp(a->seen[i].mac, mac, 32) == 0;
    if (!replay) {
        a->seen[a->next_seen].ts = ts;
        memcpy(a->seen[a->next_seen].mac, mac, 32);
        a->next_seen = (a->next_seen + 1) % SEEN_MAX;
    }
    pthread_mutex_unlock(&a->mu);
    if (replay)
        snprintf(err, errsz, "this signed request was received before (a replay)");
    return !replay;
}

/* A string member of obj, or NULL. */
static const char *str_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Reads n decimal digits at s into *out; false when they are not digits. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "2024-06-07T11:41:31.000+07:00" (the app's yyyy-MM-dd'T'HH:mm:ss.SSSXXX; the fraction
 * optional, "Z" for UTC) into Unix seconds; false when it is not such a time. */
static bool read_iso8601(const char *s, int64_t *at)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n > 9)
            return false;
        p += n;
    }
    int offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
            return false;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    *at = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    return true;
}

/* sms:received: one inbound SMS. */
static bool decode_received(json_t *root, json_t *payload, struct channel_events *ev)
{
    const char *sender = str_member(payload, "sender");
    if (!sender)
        sender = str_member(payload, "phoneNumber"); /* older app versions */
    const char *text = str_member(payload, "message");
    const char *event_id = str_member(root, "id");
    const char *message_id = str_member(payload, "messageId");
    const char *received = str_member(payload, "receivedAt");
    if (!sender || !sender[0] || !text)
        return channel_events_add_skip(ev, "sms:received", "payload needs sender and message",
                                       sender) != NULL;
    int64_t at = 0;
    if (received && !read_iso8601(received, &at))
        return channel_events_add_skip(ev, "sms:received", "receivedAt is not an ISO-8601 time",
                                       sender) != NULL;
    /* The app's messageId of a received SMS is derived from its content and not unique; the
     * event id is, and stays the same when the app retries the webhook. */
    char id[CHANNEL_ID_MAX];
    if (event_id && event_id[0])
        channel_copy(id, sizeof id, event_id);
    else if (message_id && message_id[0])
        snprintf(id, sizeof id, "%.80s@%" PRId64, message_id, at);
    else
        id[0] = '\0'; /* the core makes one up */
    if (strlen(sender) >= CHANNEL_ADDR_MAX)
        return channel_events_add_skip(ev, "sms:received", "sender is too long", "") != NULL;
    struct channel_inbound *in = channel_events_add_inbound(ev, text, strlen(text));
    if (!in)
        return false;
    channel_copy(in->from, sizeof in->from, sender);
    const char *recipient = str_member(payload, "recipient");
    if (recipient)
        channel_copy(in->to, sizeof in->to, recipient);
    channel_copy(in->provider_id, sizeof in->provider_id, id);
    in->at = at;
    return true;
}

/* sms:sent, sms:delivered, sms:failed: what became of an SMS catat sent. */
static bool decode_state(const char *event, json_t *payload, struct channel_events *ev)
{
    const char *id = str_member(payload, "messageId");
    const char *to = str_member(payload, "recipient");
    if (!to)
        to = str_member(payload, "phoneNumber");
    if (!id || !id[0] || strlen(id) >= CHANNEL_ID_MAX)
        return channel_events_add_skip(ev, event, "payload needs messageId", to) != NULL;
    struct channel_status *st = channel_events_add_status(ev);
    if (!st)
        return false;
    channel_copy(st->provider_id, sizeof st->provider_id, id);
    const char *when = NULL;
    if (strcmp(event, "sms:sent") == 0) {
        st->delivery = CHANNEL_DELIVERY_SENT;
        when = str_member(payload, "sentAt");
    } else if (strcmp(event, "sms:delivered") == 0) {
        st->delivery = CHANNEL_DELIVERY_DELIVERED;
        when = str_member(payload, "deliveredAt");
    } else {
        st->delivery = CHANNEL_DELIVERY_FAILED;
        when = str_member(payload, "failedAt");
        const char *reason = str_member(payload, "reason");
        snprintf(st->error, sizeof st->error, "%s", reason && reason[0] ? reason : "failed");
    }
    if (when && !read_iso8601(when, &st->at))
        st->at = 0;
    return true;
}

static enum channel_rc android_decode(void *state, const struct channel_request *req,
                                      struct channel_events *ev, char *err, size_t errsz)
{
    struct android *a = state;
    if (req->sub && req->sub[0]) {
        snprintf(err, errsz, "no such Android gateway endpoint");
        return CHANNEL_NOT_FOUND;
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(err, errsz, "Android gateway webhooks are POST");
        return CHANNEL_BAD_METHOD;
    }
    if (a->signing_key[0] && !signature_valid(a, req, (int64_t)time(NULL), err, errsz))
        return CHANNEL_UNAUTHORIZED;
    json_error_t jerr;
    json_t *root =
        json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errsz, "malformed JSON at offset %d: %s", jerr.position, jerr.text);
        return CHANNEL_BAD_REQUEST;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errsz, "expected a JSON object");
        return CHANNEL_BAD_REQUEST;
    }
    const char *event = str_member(root, "event");
    json_t *payload = json_object_get(root, "payload");
    bool ok = true;
    if (!event) {
        ok = channel_events_add_skip(ev, "event", "no \"event\"", "") != NULL;
    } else if (!json_is_object(payload)) {
        ok = channel_events_add_skip(ev, event, "no \"payload\" object", "") != NULL;
    } else if (strcmp(event, "sms:received") == 0) {
        ok = decode_received(root, payload, ev);
    } else if (strcmp(event, "sms:sent") == 0 || strcmp(event, "sms:delivered") == 0 ||
               strcmp(event, "sms:failed") == 0) {
        ok = decode_state(event, payload, ev);
    } else if (strcmp(event, "sms:data-received") == 0 || strcmp(event, "mms:received") == 0 ||
               strcmp(event, "mms:downloaded") == 0) {
        /* Something she sent that catat cannot read: logged, so staff can follow it up. */
        const char *sender = str_member(payload, "sender");
        ok = channel_events_add_skip(ev, event, "data and MMS messages are not supported",
                                     sender ? sender : str_member(payload, "phoneNumber")) != NULL;
    }
    /* system:ping, app:started, sms:cancelled and newer events: nothing to record. */
    json_decref(root);
    if (!ok) {
        channel_events_free(ev);
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    return CHANNEL_OK;
}

static int android_build_send(void *state, const struct channel_message *msg,
                              struct channel_send *out, char *err, size_t errsz)
{
    struct android *a = state;
    memset(out, 0, sizeof *out);
    if (!a->api_base[0] || !a->username[0]) {
        snprintf(err, errsz, "[android] api_base, username and password must be set");
        return -1;
    }
    const char *to = msg->to ? msg->to : "";
    if (to[0] != '+' || strlen(to) < 8 || strspn(to + 1, "0123456789") != strlen(to) - 1) {
        snprintf(err, errsz, "recipient must be an E.164 phone number");
        return -1;
    }
    snprintf(out->provider_id, sizeof out->provider_id, ANDROID_ID_PREFIX "%" PRId64,
             msg->outbox_id);
    json_t *body =
        json_pack("{s:{s:s}, s:[s], s:s, s:b}", "textMessage", "text", msg->text ? msg->text : "",
                  "phoneNumbers", to, "id", out->provider_id, "withDeliveryReport", 1);
    if (body && a->sim)
        json_object_set_new(body, "simNumber", json_integer(a->sim));
    if (!body) {
        snprintf(err, errsz, "cannot build the message (is the text valid UTF-8?)");
        return -1;
    }
    out->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    size_t url_len = strlen(a->api_base) + 32;
    size_t up_len = strlen(a->username) + strlen(a->password) + 2;
    out->url = malloc(url_len);
    out->userpwd = malloc(up_len);
    out->headers[0] = strdup("Content-Type: application/json");
    out->n_headers = 1;
    if (!out->body || !out->url || !out->userpwd || !out->headers[0]) {
        channel_send_free(out);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    snprintf(out->url, url_len, "%s%s", a->api_base,
             a->cloud ? "/3rdparty/v1/message" : "/message");
    snprintf(out->userpwd, up_len, "%s:%s", a->username, a->password);
    out->method = "POST";
    return 0;
}

/* 202 Accepted with the message state {"id":..., "state":"Pending", "recipients":[...]}. The
 * id is the one catat gave (already in provider_id); what becomes of the SMS comes later as
 * sms:sent, sms:delivered or sms:failed. */
static int android_read_send_response(void *state, long http_status, const char *body, size_t len,
                                      char *provider_id, size_t idsz, char *err, size_t errsz)
{
    (void)state;
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    const char *id = str_member(root, "id");
    int rc = 0;
    if (id && id[0] && !channel_copy(provider_id, idsz, id))
        provider_id[0] = '\0';
    if (!provider_id[0]) {
        snprintf(err, errsz, "HTTP %ld without a message id", http_status);
        rc = -1;
    }
    json_decref(root);
    return rc;
}

/* 409: a message with this id exists (sent before a crash); others: {"message":"..."}. */
static enum channel_failure android_read_send_error(void *state, long http_status, const char *body,
                                                    size_t len, char *err, size_t errsz)
{
    (void)state;
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    const char *words = str_member(root, "message");
    snprintf(err, errsz, "HTTP %ld: %.300s", http_status, words ? words : (body ? body : ""));
    json_decref(root);
    if (http_status == 409)
        return CHANNEL_FAILURE_ALREADY_SENT;
    /* 429, 5xx, and 401 while the phone restarts its server: tried again later. */
    if (http_status == 429 || http_status >= 500)
        return CHANNEL_FAILURE_RETRY;
    return CHANNEL_FAILURE_OTHER;
}

static const struct config_setting android_settings[] = {
    {"enabled", "false", CONFIG_BOOL},     {"api_base", "http://192.168.1.20:8080", CONFIG_TEXT},
    {"mode", "local", CONFIG_TEXT},        {"username", "", CONFIG_TEXT},
    {"password", "", CONFIG_SECRET},       {"signing_key", "", CONFIG_SECRET},
    {"sim", "0", CONFIG_NUMBER},           {"max_skew_seconds", "300", CONFIG_NUMBER},
    {"daily_limit", "200", CONFIG_NUMBER}, {NULL, NULL, CONFIG_TEXT},
};

const struct channel_driver channel_android = {
    .name = "android",
    .settings = android_settings,
    .sms = true,
    .daily_limit_key = "daily_limit",
    .init = android_init,
    .fini = android_fini,
    .decode = android_decode,
    .build_send = android_build_send,
    .read_send_response = android_read_send_response,
    .read_send_error = android_read_send_error,
};
