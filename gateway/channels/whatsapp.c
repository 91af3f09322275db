/* whatsapp.c - WhatsApp Cloud API driver: hub verification, signed notifications, sends. */
#include "channel.h"
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct whatsapp {
    char *api_base; /* without a trailing '/' */
    char *phone_number_id;
    char *access_token;
    char *app_secret; /* "" = requests are not signature-checked */
    char *verify_token;
    char *template_name; /* "" = no template configured */
    char *template_language;
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
    free(wa);
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
    if (config_get_bool(cfg, "whatsapp", "enabled")) {
        const char *missing = !wa->api_base[0]          ? "api_base"
                              : !wa->phone_number_id[0] ? "phone_number_id"
                              : !wa->access_token[0]    ? "access_token"
                                                        : NULL;
        if (missing) {
            snprintf(err, errsz, "[whatsapp] %s must be set when the channel is enabled", missing);
            whatsapp_fini(wa);
            return -1;
        }
    }
    *state = wa;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Checks X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(app secret, raw body). */
static bool signature_valid(const struct whatsapp *wa, const struct channel_request *req)
{
    const char *header = channel_header(req, "X-Hub-Signature-256");
    if (!header || strlen(header) != 7 + 64 || strncmp(header, "sha256=", 7) != 0)
        return false;
    unsigned char given[32];
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_digit(header[7 + 2 * i]), lo = hex_digit(header[8 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        given[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), wa->app_secret, (int)strlen(wa->app_secret),
              (const unsigned char *)(req->body ? req->body : ""), req->body_len, mac, &mac_len) ||
        mac_len != 32)
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

/* Where one decoding step went wrong, for a clear 400. */
struct place {
    size_t entry, change, item;
};

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

/* Picks the text a person means by one message: its body, a button's title, a caption. media
 * is set for everything that is not plain words. Returns false (with err) for a message that
 * lacks what its type promises. */
static bool message_text(json_t *msg, const char *type, const char **text, const char **media,
                         char *err, size_t errsz)
{
    static const char *const media_types[] = {"image",   "audio",    "video",   "document",
                                              "sticker", "location", "contacts"};
    *media = "";
    *text = NULL;
    if (strcmp(type, "text") == 0) {
        *text = str_member(json_object_get(msg, "text"), "body");
        if (!*text)
            snprintf(err, errsz, "text message without text.body");
        return *text != NULL;
    }
    if (strcmp(type, "interactive") == 0) {
        json_t *ia = json_object_get(msg, "interactive");
        const char *kind = str_member(ia, "type");
        json_t *reply =
            kind && (strcmp(kind, "button_reply") == 0 || strcmp(kind, "list_reply") == 0)
                ? json_object_get(ia, kind)
                : NULL;
        if (!reply) {
            /* Other interactive answers (flows, forms) carry nothing the parser can read. */
            *media = "unsupported";
            *text = "";
            return true;
        }
        const char *title = str_member(reply, "title");
        *text = title && title[0] ? title : str_member(reply, "id");
        if (!*text)
            snprintf(err, errsz, "interactive %s without title or id", kind);
        return *text != NULL;
    }
    if (strcmp(type, "button") == 0) {
        json_t *button = json_object_get(msg, "button");
        const char *label = str_member(button, "text");
        *text = label && label[0] ? label : str_member(button, "payload");
        if (!*text)
            snprintf(err, errsz, "button message without button.text or payload");
        return *text != NULL;
    }
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++) {
        if (strcmp(type, media_types[i]) == 0) {
            *media = media_types[i];
            const char *caption = str_member(json_object_get(msg, type), "caption");
            *text = caption ? caption : "";
            return true;
        }
    }
    /* "unsupported" and types newer than this driver: kept so staff see that she wrote. */
    *media = "unsupported";
    *text = "";
    return true;
}

static enum channel_rc decode_message(json_t *msg, const char *to, struct channel_events *ev,
                                      char *err, size_t errsz)
{
    if (!json_is_object(msg)) {
        snprintf(err, errsz, "not an object");
        return CHANNEL_BAD_REQUEST;
    }
    const char *from = str_member(msg, "from");
    const char *id = str_member(msg, "id");
    const char *type = str_member(msg, "type");
    if (!from || !id || !id[0] || !type) {
        snprintf(err, errsz, "a message needs string \"from\", \"id\" and \"type\"");
        return CHANNEL_BAD_REQUEST;
    }
    /* A reaction to one of our replies is not something she asked; answering it with "not
     * understood" would be noise, so it yields nothing. */
    if (strcmp(type, "reaction") == 0)
        return CHANNEL_OK;
    int64_t at;
    if (!read_time(json_object_get(msg, "timestamp"), &at)) {
        snprintf(err, errsz, "\"timestamp\" must be Unix seconds");
        return CHANNEL_BAD_REQUEST;
    }
    const char *text, *media;
    if (!message_text(msg, type, &text, &media, err, errsz))
        return CHANNEL_BAD_REQUEST;
    struct channel_inbound *in = channel_events_add_inbound(ev, text, strlen(text));
    if (!in) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    if (!copy_phone(in->from, sizeof in->from, from)) {
        snprintf(err, errsz, "\"from\" is empty or too long");
        return CHANNEL_BAD_REQUEST;
    }
    if (to)
        copy_phone(in->to, sizeof in->to, to);
    if (!channel_copy(in->provider_id, sizeof in->provider_id, id)) {
        snprintf(err, errsz, "\"id\" is longer than %d bytes", CHANNEL_ID_MAX - 1);
        return CHANNEL_BAD_REQUEST;
    }
    channel_copy(in->media, sizeof in->media, media);
    in->at = at;
    return CHANNEL_OK;
}

static enum channel_rc decode_status(json_t *st, struct channel_events *ev, char *err, size_t errsz)
{
    if (!json_is_object(st)) {
        snprintf(err, errsz, "not an object");
        return CHANNEL_BAD_REQUEST;
    }
    const char *id = str_member(st, "id");
    const char *status = str_member(st, "status");
    if (!id || !id[0] || !status) {
        snprintf(err, errsz, "a status needs string \"id\" and \"status\"");
        return CHANNEL_BAD_REQUEST;
    }
    enum channel_delivery delivery;
    if (strcmp(status, "sent") == 0)
        delivery = CHANNEL_DELIVERY_SENT;
    else if (strcmp(status, "delivered") == 0)
        delivery = CHANNEL_DELIVERY_DELIVERED;
    else if (strcmp(status, "read") == 0)
        delivery = CHANNEL_DELIVERY_READ;
    else if (strcmp(status, "failed") == 0)
        delivery = CHANNEL_DELIVERY_FAILED;
    else
        return CHANNEL_OK; /* "deleted" and anything newer: nothing we track */
    int64_t at;
    if (!read_time(json_object_get(st, "timestamp"), &at)) {
        snprintf(err, errsz, "\"timestamp\" must be Unix seconds");
        return CHANNEL_BAD_REQUEST;
    }
    struct channel_status *out = channel_events_add_status(ev);
    if (!out) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    if (!channel_copy(out->provider_id, sizeof out->provider_id, id)) {
        snprintf(err, errsz, "\"id\" is longer than %d bytes", CHANNEL_ID_MAX - 1);
        return CHANNEL_BAD_REQUEST;
    }
    out->delivery = delivery;
    out->at = at;
    if (delivery == CHANNEL_DELIVERY_FAILED) {
        json_t *e = json_array_get(json_object_get(st, "errors"), 0);
        json_t *code = json_object_get(e, "code");
        const char *words = str_member(e, "title");
        if (!words)
            words = str_member(e, "message");
        if (json_is_integer(code))
            snprintf(out->error, sizeof out->error, "%lld: %s", (long long)json_integer_value(code),
                     words ? words : "failed");
        else
            snprintf(out->error, sizeof out->error, "%s", words ? words : "failed");
    }
    return CHANNEL_OK;
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

/* Walks entry[] x changes[] x (messages[], statuses[]). */
static enum channel_rc decode_notification(json_t *root, struct channel_events *ev, char *err,
                                           size_t errsz)
{
    char why[CHANNEL_ERROR_MAX] = "";
    const char *object = str_member(root, "object");
    if (json_object_get(root, "object") && (!object || strcmp(object, "whatsapp_business_account")))
        return bad(err, errsz, "\"object\" is not \"whatsapp_business_account\"");
    json_t *entries = json_object_get(root, "entry");
    if (!json_is_array(entries))
        return bad(err, errsz, "\"entry\" must be an array");
    size_t i, j, k;
    json_t *entry, *change, *item;
    json_array_foreach(entries, i, entry)
    {
        json_t *changes = json_object_get(entry, "changes");
        if (!json_is_array(changes))
            return bad(err, errsz, "entry[%zu].changes must be an array", i);
        json_array_foreach(changes, j, change)
        {
            json_t *value = json_object_get(change, "value");
            const char *field = str_member(change, "field");
            if (!json_is_object(value))
                return bad(err, errsz, "entry[%zu].changes[%zu].value must be an object", i, j);
            if (field && strcmp(field, "messages") != 0)
                continue; /* account and template updates: not for us */
            const char *to = str_member(json_object_get(value, "metadata"), "display_phone_number");
            json_t *messages = json_object_get(value, "messages");
            json_t *statuses = json_object_get(value, "statuses");
            if ((messages && !json_is_array(messages)) || (statuses && !json_is_array(statuses)))
                return bad(err, errsz,
                           "entry[%zu].changes[%zu]: messages and statuses must be arrays", i, j);
            json_array_foreach(messages, k, item)
            {
                if (decode_message(item, to, ev, why, sizeof why) != CHANNEL_OK)
                    return bad(err, errsz, "entry[%zu].changes[%zu].messages[%zu]: %s", i, j, k,
                               why);
            }
            json_array_foreach(statuses, k, item)
            {
                if (decode_status(item, ev, why, sizeof why) != CHANNEL_OK)
                    return bad(err, errsz, "entry[%zu].changes[%zu].statuses[%zu]: %s", i, j, k,
                               why);
            }
        }
    }
    return CHANNEL_OK;
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
    json_error_t jerr;
    json_t *root =
        json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
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
        channel_events_free(ev); /* all or nothing: a half-read batch must not be stored */
    return rc;
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
static json_t *interactive_body(const char *to, const char *text, const char *buttons)
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
                     "whatsapp", "recipient_type", "individual", "to", to, "type", "interactive",
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
    const char *to = msg->to && msg->to[0] == '+' ? msg->to + 1 : msg->to;
    if (!to || !to[0] || strspn(to, "0123456789") != strlen(to)) {
        snprintf(err, errsz, "recipient must be an E.164 number");
        return -1;
    }
    const char *text = msg->text ? msg->text : "";
    json_t *body = NULL;
    if (msg->in_window && msg->buttons && msg->buttons[0])
        body = interactive_body(to, text, msg->buttons);
    if (body) {
        /* reply buttons: a press comes back as interactive.button_reply with the title */
    } else if (msg->in_window || !wa->template_name[0]) {
        /* Outside the 24-hour window only a template may go. With no template configured the
         * text is sent anyway: Meta refuses it (131047) and the core records that error, which
         * tells the operator what to configure, rather than dropping the message silently. */
        body = json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:s}}", "messaging_product", "whatsapp",
                         "recipient_type", "individual", "to", to, "type", "text", "text",
                         "preview_url", 0, "body", text);
    } else {
        char *param = template_parameter(text);
        if (!param) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:[{s:s, s:[{s:s, s:s}]}]}}",
                         "messaging_product", "whatsapp", "recipient_type", "individual", "to", to,
                         "type", "template", "template", "name", wa->template_name, "language",
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
};
