/* whatsapp.c - WhatsApp Cloud API driver: hub verification, signed notifications, sends. */
#include "whatsapp.h"

#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

struct whatsapp {
    char *api_base; /* without a trailing '/' */
    char *phone_number_id;
    char *access_token;
    char *app_secret; /* "" = requests are not signature-checked */
    char *verify_token;
    char *template_name; /* "" = no template configured */
    char *template_language;
    /* HMAC-SHA256 keyed with app_secret, prepared once (NULL when unsigned): every request
     * works on its own copy (EVP_MAC_CTX_dup), so the request threads share it read-only and
     * none looks up the digest or schedules the key again. */
    EVP_MAC_CTX *signer;
};

static void whatsapp_fini(void *state)
{
    struct whatsapp *wa = state;
    if (!wa)
        return;
    free(wa->api_base);
    free(wa->phone_number_id);
    channel_free_secret(wa->access_token);
    channel_free_secret(wa->app_secret);
    free(wa->verify_token);
    free(wa->template_name);
    free(wa->template_language);
    EVP_MAC_CTX_free(wa->signer);
    free(wa);
}

/* The keyed HMAC-SHA256 context for app_secret, or NULL when out of memory. */
static EVP_MAC_CTX *new_signer(const char *secret)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx && !EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params)) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

static int whatsapp_init(void **state, const struct config *cfg, char *err, size_t errsz)
{
    *state = NULL;
    struct whatsapp *wa = calloc(1, sizeof *wa);
    if (!wa) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    wa->api_base = strdup(config_get(cfg, "whatsapp", "api_base"));
    wa->phone_number_id = strdup(config_get(cfg, "whatsapp", "phone_number_id"));
    wa->access_token = strdup(config_get(cfg, "whatsapp", "access_token"));
    wa->app_secret = strdup(config_get(cfg, "whatsapp", "app_secret"));
    wa->verify_token = strdup(config_get(cfg, "whatsapp", "verify_token"));
    wa->template_name = strdup(config_get(cfg, "whatsapp", "template"));
    wa->template_language = strdup(config_get(cfg, "whatsapp", "template_language"));
    if (!wa->api_base || !wa->phone_number_id || !wa->access_token || !wa->app_secret ||
        !wa->verify_token || !wa->template_name || !wa->template_language) {
        whatsapp_fini(wa);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    channel_strip_slashes(wa->api_base);
    if (wa->app_secret[0] && !(wa->signer = new_signer(wa->app_secret))) {
        whatsapp_fini(wa);
        snprintf(err, errsz, "cannot prepare HMAC-SHA256");
        return -1;
    }
    if (config_get_bool(cfg, "whatsapp", "enabled") &&
        !channel_require(err, errsz, "whatsapp", "api_base", wa->api_base, "phone_number_id",
                         wa->phone_number_id, "access_token", wa->access_token, (char *)NULL)) {
        whatsapp_fini(wa);
        return -1;
    }
    *state = wa;
    return 0;
}

/* Checks X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(app secret, raw body). */
static bool signature_valid(const struct whatsapp *wa, const struct channel_request *req)
{
    const char *header = channel_header(req, "X-Hub-Signature-256");
    if (!header || strlen(header) != 7 + 64 || strncmp(header, "sha256=", 7) != 0)
        return false;
    unsigned char given[32];
    if (!channel_hex_decode(header + 7, given, sizeof given))
        return false;
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(wa->signer);
    bool ok =
        ctx &&
        EVP_MAC_update(ctx, (const unsigned char *)(req->body ? req->body : ""), req->body_len) &&
        EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) && mac_len == 32;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
        return false;
    return CRYPTO_memcmp(given, mac, 32) == 0;
}

static enum channel_rc verify_subscription(const struct whatsapp *wa,
                                           const struct channel_request *req,
                                           struct channel_events *ev, char *err, size_t errsz)
{
    const char *mode = channel_query(req, "hub.mode");
    const char *token = channel_query(req, "hub.verify_token");
    const char *challenge = channel_query(req, "hub.challenge");
    if (!challenge) {
        snprintf(err, errsz, "expected hub.mode, hub.verify_token and hub.challenge");
        return CHANNEL_BAD_REQUEST;
    }
    if (!mode || strcmp(mode, "subscribe") != 0) {
        snprintf(err, errsz, "hub.mode is not \"subscribe\"");
        return CHANNEL_FORBIDDEN;
    }
    if (!wa->verify_token[0] || !token || !channel_secret_equal(token, wa->verify_token)) {
        snprintf(err, errsz, "hub.verify_token does not match [whatsapp] verify_token");
        return CHANNEL_FORBIDDEN;
    }
    ev->response = strdup(challenge); /* echoed byte for byte: Meta compares it */
    if (!ev->response) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    ev->response_type = "text/plain";
    return CHANNEL_OK;
}

/* "+<digits>" for WhatsApp's bare digits; other shapes are kept as given. False when too long
 * or empty. */
static bool copy_phone(char *dst, size_t dstsz, const char *digits)
{
    if (!digits[0])
        return false;
    if (strspn(digits, "0123456789") == strlen(digits)) {
        int n = snprintf(dst, dstsz, "+%s", digits);
        return n > 0 && (size_t)n < dstsz;
    }
    return channel_copy(dst, dstsz, digits);
}

/* Reads a Unix-seconds timestamp, a string of digits (as Meta sends it) or a JSON integer.
 * Absent: 0. False when present but not a time. */
static bool read_time(json_t *v, int64_t *at)
{
    *at = 0;
    if (!v)
        return true;
    if (json_is_integer(v)) {
        *at = (int64_t)json_integer_value(v);
        return *at >= 0;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    if (!s[0] || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *at = (int64_t)n;
    return true;
}

/* A string member of obj, or NULL. */
static const char *str_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* What an error code of Meta's means for the core (providers.md 1d). */
static enum channel_failure whatsapp_failure(long long code)
{
    switch (code) {
    case 131050: /* the person stopped marketing messages from this business */
        return CHANNEL_FAILURE_OPTED_OUT;
    case 131026: /* not on WhatsApp, or cannot receive */
    case 131047: /* outside the 24-hour window */
        return CHANNEL_FAILURE_UNDELIVERABLE;
    case 130429:
    case 131056:
    case 131048:
    case 80007:
    case 131053:
        return CHANNEL_FAILURE_RETRY;
    default:
        return CHANNEL_FAILURE_OTHER;
    }
}

/* What one message carries besides its text. */
struct message_parts {
    const char *text;  /* what the parser reads; "" for media without a caption */
    const char *media; /* "" for words; "image", "location", "flow", ... */
    json_t *item;      /* the type's own object (image, location, nfm_reply), or NULL */
};

/* Picks the text a person means by one message: its body, a button's title, a caption. media
 * is set for everything that is not plain words. Returns false (with why) for a message catat
 * cannot use: one that lacks what its type promises, or a type it does not know. */
static bool message_text(json_t *msg, const char *type, struct message_parts *p, char *why,
                         size_t whysz)
{
    static const char *const media_types[] = {"image",   "audio",    "video",   "document",
                                              "sticker", "location", "contacts"};
    p->media = "";
    p->text = NULL;
    p->item = NULL;
    if (strcmp(type, "text") == 0) {
        p->text = str_member(json_object_get(msg, "text"), "body");
        if (!p->text)
            snprintf(why, whysz, "text message without text.body");
        return p->text != NULL;
    }
    if (strcmp(type, "interactive") == 0) {
        json_t *ia = json_object_get(msg, "interactive");
        const char *kind = str_member(ia, "type");
        if (kind && strcmp(kind, "nfm_reply") == 0) {
            /* A WhatsApp Flows form sent back: its body ("Sent") and the answers as JSON. */
            p->item = json_object_get(ia, "nfm_reply");
            const char *body = str_member(p->item, "body");
            p->media = "flow";
            p->text = body ? body : "";
            return json_is_object(p->item) || (snprintf(why, whysz, "nfm_reply missing"), false);
        }
        json_t *reply =
            kind && (strcmp(kind, "button_reply") == 0 || strcmp(kind, "list_reply") == 0)
                ? json_object_get(ia, kind)
                : NULL;
        if (!reply) {
            snprintf(why, whysz, "interactive reply of type %.32s is not supported",
                     kind ? kind : "(none)");
            return false;
        }
        const char *title = str_member(reply, "title");
        p->text = title && title[0] ? title : str_member(reply, "id");
        if (!p->text)
            snprintf(why, whysz, "interactive %s without title or id", kind);
        return p->text != NULL;
    }
    if (strcmp(type, "button") == 0) {
        json_t *button = json_object_get(msg, "button");
        const char *label = str_member(button, "text");
        p->text = label && label[0] ? label : str_member(button, "payload");
        if (!p->text)
            snprintf(why, whysz, "button message without button.text or payload");
        return p->text != NULL;
    }
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++) {
        if (strcmp(type, media_types[i]) == 0) {
            p->media = media_types[i];
            p->item = json_object_get(msg, type);
            const char *caption = str_member(p->item, "caption");
            p->text = caption ? caption : "";
            return true;
        }
    }
    /* "unsupported" (errors 131051), "system", and types newer than this driver. */
    json_t *e = json_array_get(json_object_get(msg, "errors"), 0);
    json_t *code = json_object_get(e, "code");
    if (json_is_integer(code))
        snprintf(why, whysz, "message type not supported (%lld)",
                 (long long)json_integer_value(code));
    else
        snprintf(why, whysz, "message type not supported");
    return false;
}

/* Copies what a media message carries into in: the media id (or URL), MIME type, and as meta a
 * location's coordinates, a document's file name, a Flows reply's answers. False when out of
 * memory. */
static bool media_details(struct channel_inbound *in, const struct message_parts *p)
{
    if (!json_is_object(p->item))
        return true;
    const char *id = str_member(p->item, "id");
    const char *url = str_member(p->item, "url");
    const char *mime = str_member(p->item, "mime_type");
    if (id && id[0])
        channel_copy(in->media_ref, sizeof in->media_ref, id);
    else if (url)
        channel_copy(in->media_ref, sizeof in->media_ref, url);
    if (mime)
        channel_copy(in->mime, sizeof in->mime, mime);
    json_t *meta = json_object();
    if (!meta)
        return false;
    if (strcmp(p->media, "location") == 0) {
        static const char *const keys[] = {"latitude", "longitude", "name", "address", "url"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            json_t *v = json_object_get(p->item, keys[i]);
            if (json_is_number(v) || json_is_string(v))
                json_object_set(meta, keys[i], v);
        }
    } else if (strcmp(p->media, "flow") == 0) {
        json_t *v = json_object_get(p->item, "response_json");
        if (json_is_string(v))
            json_object_set(meta, "response_json", v);
        v = json_object_get(p->item, "name");
        if (json_is_string(v))
            json_object_set(meta, "name", v);
    } else {
        json_t *v = json_object_get(p->item, "filename");
        if (json_is_string(v))
            json_object_set(meta, "filename", v);
        if (id && url)
            json_object_set_new(meta, "url", json_string(url));
    }
    return channel_inbound_take_meta(in, meta);
}

/* Adds a message as either decoder read it: addr her address (E.164 or her user id), to the
 * number written to (NULL: unknown), user_id remembered when it is not her from. NULL when out
 * of memory. */
static struct channel_inbound *add_message(struct channel_events *ev, const char *text,
                                           const char *addr, const char *to, const char *from,
                                           const char *user_id, const char *id, bool group,
                                           int64_t at)
{
    struct channel_inbound *in = channel_events_add_inbound(ev, text, strlen(text));
    if (!in)
        return NULL;
    memcpy(in->from, addr, sizeof in->from);
    if (to)
        copy_phone(in->to, sizeof in->to, to);
    if (from && from[0] && user_id && strcmp(from, user_id) != 0)
        channel_copy(in->user_id, sizeof in->user_id, user_id);
    channel_copy(in->provider_id, sizeof in->provider_id, id);
    in->group = group;
    in->at = at;
    return in;
}

/* A status's name as a delivery, or -1 for one catat does not track ("deleted", newer ones). */
static int delivery_named(const char *status)
{
    static const char *const names[] = {
        [CHANNEL_DELIVERY_SENT] = "sent",
        [CHANNEL_DELIVERY_DELIVERED] = "delivered",
        [CHANNEL_DELIVERY_READ] = "read",
        [CHANNEL_DELIVERY_FAILED] = "failed",
    };
    for (int d = 0; d < (int)(sizeof names / sizeof names[0]); d++)
        if (names[d] && strcmp(status, names[d]) == 0)
            return d;
    return -1;
}

/* Decodes one message into ev. A message catat cannot use is recorded as skipped (why says
 * it); returns false only when out of memory. */
static bool decode_message(json_t *msg, const char *to, const char *contact_user_id,
                           struct channel_events *ev)
{
    char why[96] = "";
    const char *from = str_member(msg, "from");
    const char *user_id = str_member(msg, "from_user_id");
    const char *id = str_member(msg, "id");
    const char *type = str_member(msg, "type");
    if (!user_id)
        user_id = contact_user_id;
    /* A business-scoped user id instead of the number: the id is her address. */
    const char *address = from && from[0] ? from : user_id;
    const char *kind = type ? type : "message";
    if (!json_is_object(msg))
        return channel_events_add_skip(ev, "message", "not an object", "") != NULL;
    if (!address || !address[0])
        return channel_events_add_skip(ev, kind, "no \"from\" nor \"from_user_id\"", "") != NULL;
    if (!id || !id[0] || !type)
        return channel_events_add_skip(ev, kind, "a message needs string \"id\" and \"type\"",
                                       address) != NULL;
    /* A reaction to one of our replies is not something she asked; answering it with "not
     * understood" would be noise, so it yields nothing. */
    if (strcmp(type, "reaction") == 0)
        return true;
    int64_t at;
    if (!read_time(json_object_get(msg, "timestamp"), &at))
        return channel_events_add_skip(ev, kind, "\"timestamp\" is not Unix seconds", address) !=
               NULL;
    struct message_parts parts;
    if (!message_text(msg, type, &parts, why, sizeof why))
        return channel_events_add_skip(ev, kind, why, address) != NULL;
    char addr[CHANNEL_ADDR_MAX];
    if (!copy_phone(addr, sizeof addr, address))
        return channel_events_add_skip(ev, kind, "\"from\" is too long", "") != NULL;
    if (strlen(id) >= CHANNEL_ID_MAX)
        return channel_events_add_skip(ev, kind, "\"id\" is too long", address) != NULL;
    /* A message in a group chat names the group; it is recorded, never answered privately. */
    json_t *group = json_object_get(msg, "group_id");
    struct channel_inbound *in =
        add_message(ev, parts.text, addr, to, from, user_id, id,
                    json_is_string(group) && json_string_value(group)[0], at);
    if (!in)
        return false;
    channel_copy(in->media, sizeof in->media, parts.media);
    return media_details(in, &parts);
}

/* Decodes one status into ev; an unusable one is recorded as skipped. False when out of
 * memory. */
static bool decode_status(json_t *st, struct channel_events *ev)
{
    const char *id = str_member(st, "id");
    const char *status = str_member(st, "status");
    const char *recipient = str_member(st, "recipient_id");
    if (!json_is_object(st) || !id || !id[0] || !status || strlen(id) >= CHANNEL_ID_MAX)
        return channel_events_add_skip(ev, "status", "a status needs string \"id\" and \"status\"",
                                       recipient) != NULL;
    int named = delivery_named(status);
    if (named < 0)
        return true; /* "deleted" and anything newer: nothing we track */
    enum channel_delivery delivery = (enum channel_delivery)named;
    int64_t at;
    if (!read_time(json_object_get(st, "timestamp"), &at))
        return channel_events_add_skip(ev, "status", "\"timestamp\" is not Unix seconds",
                                       recipient) != NULL;
    struct channel_status *out = channel_events_add_status(ev);
    if (!out)
        return false;
    channel_copy(out->provider_id, sizeof out->provider_id, id);
    out->delivery = delivery;
    out->at = at;
    if (delivery == CHANNEL_DELIVERY_FAILED) {
        json_t *e = json_array_get(json_object_get(st, "errors"), 0);
        json_t *code = json_object_get(e, "code");
        const char *words = str_member(e, "title");
        if (!words)
            words = str_member(e, "message");
        if (json_is_integer(code)) {
            long long c = (long long)json_integer_value(code);
            snprintf(out->error, sizeof out->error, "%lld: %s", c, words ? words : "failed");
            out->failure = whatsapp_failure(c);
        } else {
            snprintf(out->error, sizeof out->error, "%s", words ? words : "failed");
        }
    }
    return true;
}

/* Writes why a request is refused and returns CHANNEL_BAD_REQUEST. */
__attribute__((format(printf, 3, 4))) static enum channel_rc bad(char *err, size_t errsz,
                                                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return CHANNEL_BAD_REQUEST;
}

/* Walks entry[] x changes[] x (messages[], statuses[]), event by event: a change or an
 * event catat cannot use is recorded as skipped, the others are kept. Only a request that is
 * not a WhatsApp notification at all is refused. */
static enum channel_rc decode_notification(json_t *root, struct channel_events *ev, char *err,
                                           size_t errsz)
{
    const char *object = str_member(root, "object");
    if (json_object_get(root, "object") && (!object || strcmp(object, "whatsapp_business_account")))
        return bad(err, errsz, "\"object\" is not \"whatsapp_business_account\"");
    json_t *entries = json_object_get(root, "entry");
    if (!json_is_array(entries))
        return bad(err, errsz, "\"entry\" must be an array");
    size_t i, j, k;
    json_t *entry, *change, *item;
    bool ok = true;
    json_array_foreach(entries, i, entry)
    {
        json_t *changes = json_object_get(entry, "changes");
        if (!json_is_array(changes)) {
            ok = ok && channel_events_add_skip(ev, "entry", "changes is not an array", "");
            continue;
        }
        json_array_foreach(changes, j, change)
        {
            json_t *value = json_object_get(change, "value");
            const char *field = str_member(change, "field");
            if (field && strcmp(field, "messages") != 0)
                continue; /* account and template updates: not for us */
            if (!json_is_object(value)) {
                ok = ok && channel_events_add_skip(ev, "change", "value is not an object", "");
                continue;
            }
            const char *to = str_member(json_object_get(value, "metadata"), "display_phone_number");
            json_t *messages = json_object_get(value, "messages");
            json_t *statuses = json_object_get(value, "statuses");
            if ((messages && !json_is_array(messages)) || (statuses && !json_is_array(statuses))) {
                ok = ok && channel_events_add_skip(ev, "change",
                                                   "messages or statuses is not an array", "");
                continue;
            }
            /* contacts[] names the senders; with one sender, its user_id is hers. */
            json_t *contacts = json_object_get(value, "contacts");
            const char *contact_user_id = json_array_size(contacts) == 1
                                              ? str_member(json_array_get(contacts, 0), "user_id")
                                              : NULL;
            json_array_foreach(messages, k, item) ok =
                ok && decode_message(item, to, contact_user_id, ev);
            json_array_foreach(statuses, k, item) ok = ok && decode_status(item, ev);
        }
    }
    return ok ? CHANNEL_OK : bad(err, errsz, "out of memory");
}

/* ---- the plain fast path ----
 * Nearly every notification is one text message, or a few statuses, in plain ASCII. Building
 * jansson's tree of such a body took most of an HTTP thread's time per request; a flat token
 * scan (jsmn) reads it without allocating. It takes only what it can read exactly as the
 * decoder above would: printable ASCII strings without escapes, integers, no key twice in an
 * object, text messages and sent/delivered/read statuses. For anything else it declines and
 * the jansson decoder reads the body (fuzz_whatsapp checks that both agree). */

#define PLAIN_TOKENS 160

struct plain {
    char *js; /* the body's copy, each string token ended with a NUL in place of its quote */
    jsmntok_t *t;
    int n;
};

/* The index just past token i and everything inside it. */
static int plain_skip(const struct plain *p, int i)
{
    for (int left = 1; left > 0 && i < p->n; i++)
        left += p->t[i].size - 1;
    return i;
}

/* Where token i's text begins and ends, a string's quotes included. */
static int outer_start(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int outer_end(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* Whether js[from, to) is JSON white space around at most one sep (none when sep is 0). */
static bool plain_gap(const char *js, int from, int to, char sep)
{
    static const char ws[] = " \t\r\n";
    while (from < to && strchr(ws, js[from]) && js[from])
        from++;
    if (sep) {
        if (from >= to || js[from] != sep)
            return false;
        from++;
        while (from < to && strchr(ws, js[from]) && js[from])
            from++;
    }
    return from == to;
}

/* Whether the container at token i, and every one inside it, has exactly the commas and
 * colons JSON puts between its members (jsmn does not check them all). Returns the index past
 * it, or -1. */
static int plain_structure(const struct plain *p, int i)
{
    const jsmntok_t *c = &p->t[i];
    if (c->type != JSMN_OBJECT && c->type != JSMN_ARRAY)
        return i + 1;
    bool object = c->type == JSMN_OBJECT;
    int at = c->start + 1, k = i + 1;
    for (int m = 0; m < c->size; m++) {
        if (k >= p->n || !plain_gap(p->js, at, outer_start(&p->t[k]), m ? ',' : 0))
            return -1;
        if (object) {
            if (p->t[k].type != JSMN_STRING || k + 1 >= p->n ||
                !plain_gap(p->js, outer_end(&p->t[k]), outer_start(&p->t[k + 1]), ':'))
                return -1;
            k++;
        }
        at = outer_end(&p->t[k]);
        if ((k = plain_structure(p, k)) < 0)
            return -1;
    }
    return plain_gap(p->js, at, c->end - 1, 0) && p->js[c->end - 1] == (object ? '}' : ']') ? k
                                                                                            : -1;
}

static const char *plain_str(const struct plain *p, int i)
{
    return i >= 0 && p->t[i].type == JSMN_STRING ? p->js + p->t[i].start : NULL;
}

/* Value of key in the object at token i: its index, -1 when absent (or i is not an object). */
static int plain_get(const struct plain *p, int i, const char *key)
{
    if (i < 0 || p->t[i].type != JSMN_OBJECT)
        return -1;
    int k = i + 1;
    for (int m = 0; m < p->t[i].size; m++, k = plain_skip(p, k + 1))
        if (strcmp(p->js + p->t[k].start, key) == 0)
            return k + 1;
    return -1;
}

/* Whether every token is one the fast path reads exactly as jansson would, and no object
 * repeats a key (jansson refuses such a body: JSON_REJECT_DUPLICATES). */
static bool plain_tokens(struct plain *p)
{
    for (int i = 0; i < p->n; i++) {
        jsmntok_t *t = &p->t[i];
        const char *s = p->js + t->start;
        int len = t->end - t->start;
        if (t->type == JSMN_STRING) {
            for (int c = 0; c < len; c++)
                if (s[c] < 0x20 || s[c] > 0x7E || s[c] == '\\')
                    return false;
        } else if (t->type == JSMN_PRIMITIVE) {
            bool word = (len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "null", 4))) ||
                        (len == 5 && !memcmp(s, "false", 5));
            int d = s[0] == '-';
            bool integer = len > d && len - d <= 18 &&
                           strspn(s + d, "0123456789") >= (size_t)(len - d) &&
                           (s[d] != '0' || len - d == 1);
            if (!word && !integer)
                return false;
        }
    }
    for (int i = 0; i < p->n; i++) /* strings end at their closing quote */
        if (p->t[i].type == JSMN_STRING)
            p->js[p->t[i].end] = '\0';
    for (int i = 0; i < p->n; i++) {
        if (p->t[i].type != JSMN_OBJECT)
            continue;
        for (int a = i + 1, m = 0; m < p->t[i].size; m++, a = plain_skip(p, a + 1))
            for (int b = plain_skip(p, a + 1), r = m + 1; r < p->t[i].size;
                 r++, b = plain_skip(p, b + 1))
                if (strcmp(p->js + p->t[a].start, p->js + p->t[b].start) == 0)
                    return false;
    }
    return true;
}

/* A timestamp as read_time reads it: digits in a string, or an integer; false otherwise. */
static bool plain_time(const struct plain *p, int i, int64_t *at)
{
    *at = 0;
    if (i < 0)
        return true;
    const char *s = p->js + p->t[i].start;
    if (p->t[i].type == JSMN_PRIMITIVE && s[0] != 't' && s[0] != 'f' && s[0] != 'n') {
        *at = strtoll(s, NULL, 10); /* an integer of at most 18 digits (plain_tokens) */
        return *at >= 0;
    }
    if (p->t[i].type != JSMN_STRING || !s[0] || strspn(s, "0123456789") != strlen(s) ||
        strlen(s) > 18)
        return false;
    *at = strtoll(s, NULL, 10);
    return true;
}

/* Adds the message at token i when it is a text message the fast path reads; false when not
 * (or out of memory). */
static bool plain_message(const struct plain *p, int i, const char *to, const char *contact_uid,
                          struct channel_events *ev)
{
    const char *from = plain_str(p, plain_get(p, i, "from"));
    int uid_at = plain_get(p, i, "from_user_id");
    const char *uid = plain_str(p, uid_at);
    const char *id = plain_str(p, plain_get(p, i, "id"));
    const char *type = plain_str(p, plain_get(p, i, "type"));
    const char *body = plain_str(p, plain_get(p, plain_get(p, i, "text"), "body"));
    int group = plain_get(p, i, "group_id");
    int64_t at;
    char addr[CHANNEL_ADDR_MAX];
    if (p->t[i].type != JSMN_OBJECT || !from || !from[0] || !id || !id[0] ||
        strlen(id) >= CHANNEL_ID_MAX || !type || strcmp(type, "text") != 0 || !body ||
        (uid_at >= 0 && !uid) || (group >= 0 && p->t[group].type != JSMN_STRING) ||
        !plain_time(p, plain_get(p, i, "timestamp"), &at) || !copy_phone(addr, sizeof addr, from))
        return false;
    return add_message(ev, body, addr, to, from, uid ? uid : contact_uid, id,
                       group >= 0 && p->js[p->t[group].start], at) != NULL;
}

/* Adds the status at token i when it is a sent, delivered or read status; false when not (or
 * out of memory). */
static bool plain_status(const struct plain *p, int i, struct channel_events *ev)
{
    const char *id = plain_str(p, plain_get(p, i, "id"));
    const char *status = plain_str(p, plain_get(p, i, "status"));
    int64_t at;
    if (p->t[i].type != JSMN_OBJECT || !id || !id[0] || strlen(id) >= CHANNEL_ID_MAX || !status ||
        !plain_time(p, plain_get(p, i, "timestamp"), &at))
        return false;
    int delivery = delivery_named(status);
    if (delivery < 0 || delivery == CHANNEL_DELIVERY_FAILED) /* failures: the full decoder */
        return false;
    struct channel_status *out = channel_events_add_status(ev);
    if (!out)
        return false;
    channel_copy(out->provider_id, sizeof out->provider_id, id);
    out->delivery = (enum channel_delivery)delivery;
    out->at = at;
    return true;
}

/* Walks the notification at token 0 as decode_notification does, adding its events to ev;
 * false when some part is not for the fast path (ev then holds a part: plain_decode drops it). */
static bool plain_walk(const struct plain *p, struct channel_events *ev)
{
    int object = plain_get(p, 0, "object");
    const char *name = plain_str(p, object);
    int entries = plain_get(p, 0, "entry");
    if ((object >= 0 && (!name || strcmp(name, "whatsapp_business_account") != 0)) || entries < 0 ||
        p->t[entries].type != JSMN_ARRAY)
        return false;
    for (int e = entries + 1, ne = 0; ne < p->t[entries].size; ne++, e = plain_skip(p, e)) {
        int changes = plain_get(p, e, "changes");
        if (changes < 0 || p->t[changes].type != JSMN_ARRAY)
            return false;
        for (int c = changes + 1, nc = 0; nc < p->t[changes].size; nc++, c = plain_skip(p, c)) {
            int value = plain_get(p, c, "value");
            int field = plain_get(p, c, "field");
            const char *field_name = plain_str(p, field);
            int metadata = value >= 0 ? plain_get(p, value, "metadata") : -1;
            int to_at = plain_get(p, metadata, "display_phone_number");
            int messages = plain_get(p, value, "messages");
            int statuses = plain_get(p, value, "statuses");
            int contacts = plain_get(p, value, "contacts");
            if ((field >= 0 && (!field_name || strcmp(field_name, "messages") != 0)) || value < 0 ||
                p->t[value].type != JSMN_OBJECT ||
                (metadata >= 0 && p->t[metadata].type != JSMN_OBJECT) ||
                (to_at >= 0 && p->t[to_at].type != JSMN_STRING) ||
                (messages >= 0 && p->t[messages].type != JSMN_ARRAY) ||
                (statuses >= 0 && p->t[statuses].type != JSMN_ARRAY) ||
                (contacts >= 0 && p->t[contacts].type != JSMN_ARRAY))
                return false;
            const char *contact_uid = NULL;
            if (contacts >= 0 && p->t[contacts].size == 1) {
                int uid = plain_get(p, contacts + 1, "user_id");
                if (uid >= 0 && p->t[uid].type != JSMN_STRING)
                    return false;
                contact_uid = plain_str(p, uid);
            }
            const char *to = plain_str(p, to_at);
            for (int k = 0, m = messages + 1; messages >= 0 && k < p->t[messages].size;
                 k++, m = plain_skip(p, m))
                if (!plain_message(p, m, to, contact_uid, ev))
                    return false;
            for (int k = 0, s = statuses + 1; statuses >= 0 && k < p->t[statuses].size;
                 k++, s = plain_skip(p, s))
                if (!plain_status(p, s, ev))
                    return false;
        }
    }
    return true;
}

/* Decodes body with the fast path into ev (empty): true with ev filled, or false with ev empty
 * (the body is not plain, or memory ran out: the jansson decoder then says what it makes of
 * it). */
static bool plain_decode(const char *body, size_t len, struct channel_events *ev)
{
    jsmntok_t tokens[PLAIN_TOKENS];
    struct plain p = {.t = tokens};
    if (len == 0 || len > 64 * 1024 || memchr(body, '\0', len) || !(p.js = malloc(len + 1)))
        return false;
    memcpy(p.js, body, len);
    p.js[len] = '\0';
    jsmn_parser parser;
    jsmn_init(&parser);
    p.n = jsmn_parse(&parser, p.js, len, tokens, PLAIN_TOKENS);
    bool ok = p.n > 0 && tokens[0].type == JSMN_OBJECT && plain_structure(&p, 0) == p.n &&
              plain_gap(p.js, 0, tokens[0].start, 0) &&
              plain_gap(p.js, tokens[0].end, (int)len, 0) && plain_tokens(&p);
    if (ok && !plain_walk(&p, ev)) {
        channel_events_free(ev);
        ok = false;
    }
    free(p.js);
    return ok;
}

enum channel_rc whatsapp_decode_body(const char *body, size_t len, enum whatsapp_decoder how,
                                     struct channel_events *ev, char *err, size_t errsz)
{
    if (how != WHATSAPP_JANSSON && plain_decode(body, len, ev))
        return CHANNEL_OK;
    if (how == WHATSAPP_PLAIN) {
        snprintf(err, errsz, "not a plain notification");
        return CHANNEL_NOT_FOUND;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errsz, "malformed JSON at offset %d: %s", jerr.position, jerr.text);
        return CHANNEL_BAD_REQUEST;
    }
    enum channel_rc rc;
    if (!json_is_object(root)) {
        snprintf(err, errsz, "expected a JSON object");
        rc = CHANNEL_BAD_REQUEST;
    } else {
        rc = decode_notification(root, ev, err, errsz);
    }
    json_decref(root);
    if (rc != CHANNEL_OK)
        channel_events_free(ev); /* refused: nothing of it is stored */
    return rc;
}

static enum channel_rc whatsapp_decode(void *state, const struct channel_request *req,
                                       struct channel_events *ev, char *err, size_t errsz)
{
    struct whatsapp *wa = state;
    if (req->sub && req->sub[0]) {
        snprintf(err, errsz, "no such WhatsApp endpoint");
        return CHANNEL_NOT_FOUND;
    }
    if (strcmp(req->method, "GET") == 0)
        return verify_subscription(wa, req, ev, err, errsz);
    if (strcmp(req->method, "POST") != 0) {
        snprintf(err, errsz, "use GET (verification) or POST (notifications)");
        return CHANNEL_BAD_METHOD;
    }
    if (wa->app_secret[0] && !signature_valid(wa, req)) {
        snprintf(err, errsz, "missing or bad X-Hub-Signature-256");
        return CHANNEL_UNAUTHORIZED;
    }
    return whatsapp_decode_body(req->body, req->body_len, WHATSAPP_PLAIN_OR_JANSSON, ev, err,
                                errsz);
}

/* Meta refuses template parameters with newlines, tabs or more than four spaces in a row
 * (error 132018), so reminders written on several lines are flattened to one. New string. */
static char *template_parameter(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n = 0, spaces = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        spaces = c == ' ' ? spaces + 1 : 0;
        if (spaces > 1 && c == ' ')
            continue;
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

#define WA_BUTTONS_MAX 3       /* reply buttons Meta allows on one message */
#define WA_BUTTON_TITLE_MAX 20 /* characters of a button's title */
#define WA_BODY_MAX 1024       /* characters of an interactive message's body */

/* Characters (not bytes) of UTF-8 text. */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/* An interactive message with reply buttons (titles one a line; each button's id is its title,
 * the command a press sends), or NULL when the text or the titles do not fit Meta's limits:
 * the message then goes as plain text, which the person answers by typing. */
static json_t *interactive_body(const char *to_key, const char *to, const char *text,
                                const char *buttons)
{
    if (utf8_chars(text, strlen(text)) > WA_BODY_MAX || !text[0])
        return NULL;
    json_t *list = json_array();
    const char *p = buttons;
    while (list && *p && json_array_size(list) < WA_BUTTONS_MAX) {
        size_t len = strcspn(p, "\n");
        if (len && utf8_chars(p, len) <= WA_BUTTON_TITLE_MAX) {
            char title[WA_BUTTON_TITLE_MAX * 4 + 1];
            snprintf(title, sizeof title, "%.*s", (int)len, p);
            json_array_append_new(list, json_pack("{s:s, s:{s:s, s:s}}", "type", "reply", "reply",
                                                  "id", title, "title", title));
        }
        p += len + (p[len] == '\n');
    }
    if (!list || json_array_size(list) == 0) {
        json_decref(list);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:{s:o}}}", "messaging_product",
                     "whatsapp", "recipient_type", "individual", to_key, to, "type", "interactive",
                     "interactive", "type", "button", "body", "text", text, "action", "buttons",
                     list);
}

static int whatsapp_build_send(void *state, const struct channel_message *msg,
                               struct channel_send *out, char *err, size_t errsz)
{
    struct whatsapp *wa = state;
    memset(out, 0, sizeof *out);
    if (!wa->phone_number_id[0] || !wa->access_token[0]) {
        snprintf(err, errsz, "[whatsapp] phone_number_id and access_token must be set");
        return -1;
    }
    /* A business-scoped user id goes in "recipient", a number in "to" (Meta's Cloud API). */
    bool user_id = channel_is_user_id(msg->to);
    const char *to = msg->to && msg->to[0] == '+' ? msg->to + 1 : msg->to;
    if (!user_id && (!to || !to[0] || strspn(to, "0123456789") != strlen(to))) {
        snprintf(err, errsz, "recipient must be an E.164 number or a WhatsApp user id");
        return -1;
    }
    const char *to_key = user_id ? "recipient" : "to";
    const char *text = msg->text ? msg->text : "";
    json_t *body = NULL;
    if (msg->in_window && msg->buttons && msg->buttons[0])
        body = interactive_body(to_key, to, text, msg->buttons);
    if (body) {
        /* reply buttons: a press comes back as interactive.button_reply with the title */
    } else if (msg->in_window || !wa->template_name[0]) {
        /* Outside the 24-hour window only a template may go. With no template configured the
         * text is sent anyway: Meta refuses it (131047) and the core records that error, which
         * tells the operator what to configure, rather than dropping the message silently. */
        body = json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:s}}", "messaging_product", "whatsapp",
                         "recipient_type", "individual", to_key, to, "type", "text", "text",
                         "preview_url", 0, "body", text);
    } else {
        char *param = template_parameter(text);
        if (!param) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:[{s:s, s:[{s:s, s:s}]}]}}",
                         "messaging_product", "whatsapp", "recipient_type", "individual", to_key,
                         to, "type", "template", "template", "name", wa->template_name, "language",
                         "code", wa->template_language, "components", "type", "body", "parameters",
                         "type", "text", "text", param);
        free(param);
    }
    if (!body) {
        snprintf(err, errsz, "cannot build the message (is the text valid UTF-8?)");
        return -1;
    }
    out->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    size_t url_len = strlen(wa->api_base) + strlen(wa->phone_number_id) + 16;
    size_t auth_len = strlen(wa->access_token) + 32;
    out->url = malloc(url_len);
    out->headers[0] = malloc(auth_len);
    out->headers[1] = strdup("Content-Type: application/json");
    out->n_headers = 2;
    if (!out->body || !out->url || !out->headers[0] || !out->headers[1]) {
        channel_send_free(out);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    snprintf(out->url, url_len, "%s/%s/messages", wa->api_base, wa->phone_number_id);
    snprintf(out->headers[0], auth_len, "Authorization: Bearer %s", wa->access_token);
    out->method = "POST";
    return 0;
}

static int whatsapp_read_send_response(void *state, long http_status, const char *body, size_t len,
                                       char *provider_id, size_t idsz, char *err, size_t errsz)
{
    provider_id[0] = '\0';
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", len, 0, &jerr);
    if (!root) {
        snprintf(err, errsz, "HTTP %ld with malformed JSON: %s", http_status, jerr.text);
        return -1;
    }
    const char *id = str_member(json_array_get(json_object_get(root, "messages"), 0), "id");
    int rc = 0;
    if (!id || !id[0]) {
        snprintf(err, errsz, "HTTP %ld without messages[0].id", http_status);
        rc = -1;
    } else if (!channel_copy(provider_id, idsz, id)) {
        snprintf(err, errsz, "messages[0].id is too long");
        provider_id[0] = '\0';
        rc = -1;
    }
    json_decref(root);
    return rc;
}

/* Graph's refusal: {"error":{"code":131026,"message":"...","error_data":{"details":"..."}}}. */
static enum channel_failure whatsapp_read_send_error(void *state, long http_status,
                                                     const char *body, size_t len, char *err,
                                                     size_t errsz)
{
    (void)state;
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    json_t *e = json_object_get(root, "error");
    json_t *code = json_object_get(e, "code");
    enum channel_failure f =
        http_status == 429 || http_status >= 500 ? CHANNEL_FAILURE_RETRY : CHANNEL_FAILURE_OTHER;
    const char *words = str_member(e, "message");
    if (json_is_integer(code)) {
        long long c = (long long)json_integer_value(code);
        enum channel_failure by_code = whatsapp_failure(c);
        if (by_code != CHANNEL_FAILURE_OTHER)
            f = by_code;
        snprintf(err, errsz, "HTTP %ld: %lld: %.200s", http_status, c, words ? words : "");
    } else {
        snprintf(err, errsz, "HTTP %ld: %.300s", http_status, body ? body : "");
    }
    json_decref(root);
    return f;
}

static const struct config_setting whatsapp_settings[] = {
    {"enabled", "false", CONFIG_BOOL},
    {"api_base", "https://graph.facebook.com/v21.0", CONFIG_TEXT},
    {"phone_number_id", "", CONFIG_TEXT},
    {"access_token", "", CONFIG_SECRET},
    {"app_secret", "", CONFIG_SECRET},
    {"verify_token", "", CONFIG_SECRET},
    {"template", "", CONFIG_TEXT},
    {"template_language", "id", CONFIG_TEXT},
    {NULL, NULL, CONFIG_TEXT},
};

const struct channel_driver channel_whatsapp = {
    .name = "whatsapp",
    .settings = whatsapp_settings,
    .window_seconds = 24 * 3600,
    .init = whatsapp_init,
    .fini = whatsapp_fini,
    .decode = whatsapp_decode,
    .build_send = whatsapp_build_send,
    .read_send_response = whatsapp_read_send_response,
    .read_send_error = whatsapp_read_send_error,
};
