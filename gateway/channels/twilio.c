/* twilio.c - Twilio driver (SMS and WhatsApp): signed form webhooks in, REST API sends out.
 *
 * Point the number's "A message comes in" webhook at <public_url>/webhook/twilio (POST, no query
 * string: X-Twilio-Signature covers the URL exactly as Twilio was given it, and catat rebuilds it
 * as [server] public_url + the path). Status callbacks come to /webhook/twilio/status because
 * every send names that URL. A reply goes out from the address the person wrote to: a message
 * to whatsapp:+1415... is answered on WhatsApp from it, one to an SMS number from that number
 * (several numbers on one account). [twilio] from is the sender of everything else (reminders to
 * people who never wrote); from = whatsapp:+1... makes that WhatsApp. Outside WhatsApp's 24-hour
 * window a text goes as the Content template [twilio] content_sid with the text as variable 1. */
#include "channel.h"
#include "config.h"
#include "form.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWIML_EMPTY "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"
#define WHATSAPP_PREFIX "whatsapp:"

struct twilio {
    char *api_base; /* without a trailing '/' */
    char *account_sid;
    char *auth_token; /* "" = requests are not signature-checked */
    char *from;
    char *content_sid; /* "" = no Content template for messages outside the window */
    char *public_url;  /* without a trailing '/' */
};

static void twilio_fini(void *state)
{
    struct twilio *t = state;
    if (!t)
        return;
    free(t->api_base);
    free(t->account_sid);
    channel_free_secret(t->auth_token);
    free(t->from);
    free(t->content_sid);
    free(t->public_url);
    free(t);
}

static int twilio_init(void **state, const struct config *cfg, char *err, size_t errsz)
{
    *state = NULL;
    struct twilio *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    t->api_base = strdup(config_get(cfg, "twilio", "api_base"));
    t->account_sid = strdup(config_get(cfg, "twilio", "account_sid"));
    t->auth_token = strdup(config_get(cfg, "twilio", "auth_token"));
    t->from = strdup(config_get(cfg, "twilio", "from"));
    t->content_sid = strdup(config_get(cfg, "twilio", "content_sid"));
    t->public_url = strdup(config_public_url(cfg));
    if (!t->api_base || !t->account_sid || !t->auth_token || !t->from || !t->content_sid ||
        !t->public_url) {
        twilio_fini(t);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    channel_strip_slashes(t->api_base);
    channel_strip_slashes(t->public_url);
    if (config_get_bool(cfg, "twilio", "enabled") &&
        !channel_require(err, errsz, "twilio", "api_base", t->api_base, "account_sid",
                         t->account_sid, "auth_token", t->auth_token, "from", t->from,
                         (char *)NULL)) {
        twilio_fini(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int compare_fields(const void *a, const void *b)
{
    const struct form_field *x = *(const struct form_field *const *)a;
    const struct form_field *y = *(const struct form_field *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* base64(HMAC-SHA1(token, url + each name+value in sorted order)) into out (29 bytes). Pairs
 * are sorted by name then value, and a pair repeated exactly counts once, as Twilio's own
 * validators do. Returns false when out of memory. */
static bool signature(const char *token, const char *url, const struct form *params, char out[29])
{
    const struct form_field **sorted = malloc((params->n ? params->n : 1) * sizeof *sorted);
    if (!sorted)
        return false;
    for (size_t i = 0; i < params->n; i++)
        sorted[i] = &params->fields[i];
    qsort(sorted, params->n, sizeof *sorted, compare_fields);
    struct form_buf signed_text = {0};
    form_buf_add(&signed_text, url);
    for (size_t i = 0; i < params->n; i++) {
        if (i && compare_fields(&sorted[i - 1], &sorted[i]) == 0)
            continue;
        form_buf_add(&signed_text, sorted[i]->name);
        form_buf_add(&signed_text, sorted[i]->value);
    }
    free(sorted);
    if (signed_text.failed) {
        form_buf_free(&signed_text);
        return false;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    bool ok = HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)signed_text.data,
                   signed_text.len, mac, &mac_len) != NULL &&
              mac_len == 20;
    form_buf_free(&signed_text);
    if (ok)
        EVP_EncodeBlock((unsigned char *)out, mac, 20);
    return ok;
}

/* The URL with its port toggled, as Twilio's helper libraries accept both: an explicit port is
 * removed, a missing one is added (443 for https, 80 for http). New string, or NULL when the
 * URL has no recognisable scheme or no memory. */
static char *toggle_port(const char *url)
{
    const char *rest;
    const char *port;
    if (strncmp(url, "https://", 8) == 0)
        rest = url + 8, port = ":443";
    else if (strncmp(url, "http://", 7) == 0)
        rest = url + 7, port = ":80";
    else
        return NULL;
    size_t auth_len = strcspn(rest, "/?#");
    const char *host = rest;
    for (size_t i = 0; i < auth_len; i++)
        if (rest[i] == '@')
            host = rest + i + 1;
    size_t host_len = (size_t)(rest + auth_len - host);
    const char *colon = NULL;
    const char *bracket = memchr(host, ']', host_len); /* an IPv6 literal has colons inside */
    const char *scan = bracket ? bracket : host;
    colon = memchr(scan, ':', (size_t)(host + host_len - scan));
    size_t len = strlen(url);
    char *out = malloc(len + 8);
    if (!out)
        return NULL;
    if (colon) {
        size_t before = (size_t)(colon - url);
        size_t after = (size_t)(rest + auth_len - url);
        memcpy(out, url, before);
        snprintf(out + before, len + 8 - before, "%s", url + after);
    } else {
        size_t before = (size_t)(rest + auth_len - url);
        memcpy(out, url, before);
        snprintf(out + before, len + 8 - before, "%s%s", port, url + before);
    }
    return out;
}

static bool signature_valid(const struct twilio *t, const struct channel_request *req,
                            const struct form *params)
{
    const char *given = channel_header(req, "X-Twilio-Signature");
    if (!given || strlen(given) != 28)
        return false;
    size_t url_len = strlen(t->public_url) + strlen(req->path ? req->path : "") + 1;
    char *url = malloc(url_len);
    if (!url)
        return false;
    snprintf(url, url_len, "%s%s", t->public_url, req->path ? req->path : "");
    char expected[29];
    bool ok =
        signature(t->auth_token, url, params, expected) && CRYPTO_memcmp(expected, given, 28) == 0;
    if (!ok) {
        char *other = toggle_port(url);
        ok = other && signature(t->auth_token, other, params, expected) &&
             CRYPTO_memcmp(expected, given, 28) == 0;
        free(other);
    }
    free(url);
    return ok;
}

/* The address without Twilio's "whatsapp:" channel prefix. */
static const char *bare_address(const char *addr)
{
    size_t n = strlen(WHATSAPP_PREFIX);
    return strncmp(addr, WHATSAPP_PREFIX, n) == 0 ? addr + n : addr;
}

/* The kind of a media item by its MIME type, in the words channel_inbound uses. */
static const char *media_kind(const char *mime)
{
    if (strncmp(mime, "image/", 6) == 0)
        return "image";
    if (strncmp(mime, "audio/", 6) == 0)
        return "audio";
    if (strncmp(mime, "video/", 6) == 0)
        return "video";
    if (strstr(mime, "vcard"))
        return "contacts";
    return "document";
}

/* Twilio's error codes that the core acts on (courier handlers/twiml/errors.json; Twilio's
 * error pages). */
static enum channel_failure twilio_failure(long code)
{
    switch (code) {
    case 21610: /* the recipient replied STOP */
        return CHANNEL_FAILURE_OPTED_OUT;
    case 63016: /* WhatsApp: outside the 24-hour window without a template */
    case 63003: /* WhatsApp: the channel could not find the To address */
    case 63024: /* WhatsApp: invalid message recipient */
    case 21614: /* the To number is not a mobile number */
        return CHANNEL_FAILURE_UNDELIVERABLE;
    default:
        return CHANNEL_FAILURE_OTHER;
    }
}

/* Reads a decimal code; 0 when absent or not a number. */
static long read_code(const char *s)
{
    if (!s || !s[0])
        return 0;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < 0 ? 0 : v;
}

/* The media items as a JSON array [{"url":..., "type":...}], with a WhatsApp location's
 * Latitude, Longitude, Address and Label, into in->meta. False when out of memory. */
static bool media_meta(const struct form *params, long n, struct channel_inbound *in)
{
    json_t *meta = json_object();
    if (!meta)
        return false;
    if (n > 1) {
        json_t *items = json_array();
        for (long i = 0; i < n && i < 10 && items; i++) {
            char uk[24], tk[32];
            snprintf(uk, sizeof uk, "MediaUrl%ld", i);
            snprintf(tk, sizeof tk, "MediaContentType%ld", i);
            const char *url = form_get(params, uk), *type = form_get(params, tk);
            json_t *item = json_object();
            if (url)
                json_object_set_new(item, "url", json_string(url));
            if (type)
                json_object_set_new(item, "type", json_string(type));
            json_array_append_new(items, item);
        }
        json_object_set_new(meta, "media", items);
    }
    static const char *const loc[][2] = {{"Latitude", "latitude"},
                                         {"Longitude", "longitude"},
                                         {"Address", "address"},
                                         {"Label", "name"}};
    for (size_t i = 0; i < sizeof loc / sizeof loc[0]; i++) {
        const char *v = form_get(params, loc[i][0]);
        if (!v || !v[0])
            continue;
        char *end;
        double d = strtod(v, &end);
        if (i < 2 && !*end)
            json_object_set_new(meta, loc[i][1], json_real(d));
        else
            json_object_set_new(meta, loc[i][1], json_string(v));
    }
    return channel_inbound_take_meta(in, meta);
}

static enum channel_rc decode_message(const struct form *params, struct channel_events *ev,
                                      char *err, size_t errsz)
{
    const char *sid = form_get(params, "MessageSid"), *from = form_get(params, "From");
    const char *to = form_get(params, "To"), *body = form_get(params, "Body");
    const char *num_media = form_get(params, "NumMedia");
    ev->response = strdup(TWIML_EMPTY); /* replies go through the API, not in TwiML */
    if (!ev->response) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    ev->response_type = "text/xml";
    /* One message per request: one that cannot be used is skipped and answered 200, so that
     * Twilio does not retry it. */
    const char *bare_from = from ? bare_address(from) : "";
    if (!sid || !sid[0] || !bare_from[0])
        return channel_events_add_skip(ev, "message", "MessageSid and From are required", bare_from)
                   ? CHANNEL_OK
                   : CHANNEL_BAD_REQUEST;
    if (!to)
        to = "";
    if (strlen(bare_from) >= CHANNEL_ADDR_MAX || strlen(to) >= CHANNEL_ADDR_MAX ||
        strlen(sid) >= CHANNEL_ID_MAX)
        return channel_events_add_skip(ev, "message", "From, To or MessageSid is too long", "")
                   ? CHANNEL_OK
                   : CHANNEL_BAD_REQUEST;
    long n_media = 0;
    const char *media = "";
    if (num_media && num_media[0] && strcmp(num_media, "0") != 0) {
        n_media = read_code(num_media);
        if (n_media <= 0)
            return channel_events_add_skip(ev, "message", "NumMedia is not a number", bare_from)
                       ? CHANNEL_OK
                       : CHANNEL_BAD_REQUEST;
        const char *type = form_get(params, "MediaContentType0");
        media = media_kind(type ? type : "");
    }
    const char *lat = form_get(params, "Latitude"), *lon = form_get(params, "Longitude");
    if (!media[0] && lat && lat[0] && lon && lon[0])
        media = "location";
    if (!body)
        body = "";
    struct channel_inbound *in = channel_events_add_inbound(ev, body, strlen(body));
    if (!in) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    channel_copy(in->from, sizeof in->from, bare_from);
    /* With "whatsapp:", the reply goes out on WhatsApp from it. */
    if (from && strncmp(from, WHATSAPP_PREFIX, strlen(WHATSAPP_PREFIX)) == 0 && to[0] &&
        strncmp(to, WHATSAPP_PREFIX, strlen(WHATSAPP_PREFIX)) != 0)
        snprintf(in->to, sizeof in->to, "%s%s", WHATSAPP_PREFIX, to);
    else
        channel_copy(in->to, sizeof in->to, to);
    channel_copy(in->provider_id, sizeof in->provider_id, sid);
    channel_copy(in->media, sizeof in->media, media);
    if (n_media > 0) {
        const char *url = form_get(params, "MediaUrl0");
        const char *type = form_get(params, "MediaContentType0");
        channel_copy(in->media_ref, sizeof in->media_ref, url ? url : "");
        channel_copy(in->mime, sizeof in->mime, type ? type : "");
    }
    if (!media_meta(params, n_media, in)) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    return CHANNEL_OK;
}

static enum channel_rc decode_status(const struct form *params, struct channel_events *ev,
                                     char *err, size_t errsz)
{
    const char *sid = form_get(params, "MessageSid");
    const char *status = form_get(params, "MessageStatus");
    const char *code = form_get(params, "ErrorCode");
    if (!sid || !sid[0] || !status || strlen(sid) >= CHANNEL_ID_MAX)
        return channel_events_add_skip(ev, "status", "MessageSid and MessageStatus are required",
                                       form_get(params, "To"))
                   ? CHANNEL_OK
                   : (snprintf(err, errsz, "out of memory"), CHANNEL_BAD_REQUEST);
    enum channel_delivery delivery;
    if (strcmp(status, "sent") == 0)
        delivery = CHANNEL_DELIVERY_SENT;
    else if (strcmp(status, "delivered") == 0)
        delivery = CHANNEL_DELIVERY_DELIVERED;
    else if (strcmp(status, "read") == 0)
        delivery = CHANNEL_DELIVERY_READ;
    else if (strcmp(status, "failed") == 0 || strcmp(status, "undelivered") == 0 ||
             strcmp(status, "canceled") == 0)
        delivery = CHANNEL_DELIVERY_FAILED;
    else
        return CHANNEL_OK; /* queued, accepted, sending, scheduled...: still on its way */
    struct channel_status *st = channel_events_add_status(ev);
    if (!st) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    channel_copy(st->provider_id, sizeof st->provider_id, sid);
    st->delivery = delivery;
    if (delivery == CHANNEL_DELIVERY_FAILED) {
        st->failure = twilio_failure(read_code(code));
        if (code && code[0])
            snprintf(st->error, sizeof st->error, "%.16s: %s", code, status);
        else
            snprintf(st->error, sizeof st->error, "%s", status);
    }
    return CHANNEL_OK;
}

static enum channel_rc twilio_decode(void *state, const struct channel_request *req,
                                     struct channel_events *ev, char *err, size_t errsz)
{
    struct twilio *t = state;
    const char *sub = req->sub ? req->sub : "";
    bool status = strcmp(sub, "status") == 0;
    if (sub[0] && !status) {
        snprintf(err, errsz, "no such Twilio endpoint");
        return CHANNEL_NOT_FOUND;
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(err, errsz, "Twilio webhooks are POST");
        return CHANNEL_BAD_METHOD;
    }
    struct form params = {0};
    if (form_parse(req->body ? req->body : "", req->body_len, &params, err, errsz) != 0)
        return CHANNEL_BAD_REQUEST;
    enum channel_rc rc;
    if (t->auth_token[0] && !signature_valid(t, req, &params)) {
        snprintf(err, errsz, "missing or bad X-Twilio-Signature");
        rc = CHANNEL_UNAUTHORIZED;
    } else {
        rc = status ? decode_status(&params, ev, err, errsz)
                    : decode_message(&params, ev, err, errsz);
    }
    form_free(&params);
    return rc;
}

static int twilio_build_send(void *state, const struct channel_message *msg,
                             struct channel_send *out, char *err, size_t errsz)
{
    struct twilio *t = state;
    memset(out, 0, sizeof *out);
    if (!t->account_sid[0] || !t->auth_token[0] || !t->from[0]) {
        snprintf(err, errsz, "[twilio] account_sid, auth_token and from must be set");
        return -1;
    }
    if (!msg->to || !msg->to[0]) {
        snprintf(err, errsz, "no recipient");
        return -1;
    }
    const char *base = msg->public_url && msg->public_url[0] ? msg->public_url : t->public_url;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    /* From the address she wrote to when known; a WhatsApp sender writes to WhatsApp
     * addresses, and Twilio's addresses say which channel with their prefix. */
    const char *from = msg->from && msg->from[0] ? msg->from : t->from;
    size_t pl = strlen(WHATSAPP_PREFIX);
    bool whatsapp = strncmp(from, WHATSAPP_PREFIX, pl) == 0;
    bool prefixed = strncmp(msg->to, WHATSAPP_PREFIX, pl) == 0;
    size_t to_len = strlen(msg->to) + pl + 1;
    size_t cb_len = base_len + 32;
    char *to = malloc(to_len), *callback = malloc(cb_len);
    if (!to || !callback) {
        free(to);
        free(callback);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    snprintf(to, to_len, "%s%s", whatsapp && !prefixed ? WHATSAPP_PREFIX : "", msg->to);
    snprintf(callback, cb_len, "%.*s/webhook/twilio/status", (int)base_len, base);

    struct form_buf body = {0}, url = {0}, userpwd = {0};
    form_buf_add_pair(&body, "To", to);
    form_buf_add_pair(&body, "From", from);
    if (whatsapp && !msg->in_window && t->content_sid[0]) {
        /* Outside the window WhatsApp takes only a template (else 63016). */
        json_t *vars = json_pack("{s:s}", "1", msg->text ? msg->text : "");
        char *vars_text = vars ? json_dumps(vars, JSON_COMPACT) : NULL;
        json_decref(vars);
        form_buf_add_pair(&body, "ContentSid", t->content_sid);
        form_buf_add_pair(&body, "ContentVariables", vars_text ? vars_text : "{}");
        if (!vars_text)
            body.failed = true;
        free(vars_text);
    } else {
        form_buf_add_pair(&body, "Body", msg->text ? msg->text : "");
    }
    form_buf_add_pair(&body, "StatusCallback", callback);
    free(to);
    free(callback);
    form_buf_add(&url, t->api_base);
    form_buf_add(&url, "/2010-04-01/Accounts/");
    form_buf_add(&url, t->account_sid);
    form_buf_add(&url, "/Messages.json");
    form_buf_add(&userpwd, t->account_sid);
    form_buf_add(&userpwd, ":");
    form_buf_add(&userpwd, t->auth_token);
    out->body = form_buf_steal(&body);
    out->url = form_buf_steal(&url);
    out->userpwd = form_buf_steal(&userpwd);
    out->headers[0] = strdup("Content-Type: application/x-www-form-urlencoded");
    out->n_headers = 1;
    if (!out->body || !out->url || !out->userpwd || !out->headers[0]) {
        channel_send_free(out);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    out->method = "POST";
    return 0;
}

static int twilio_read_send_response(void *state, long http_status, const char *body, size_t len,
                                     char *provider_id, size_t idsz, char *err, size_t errsz)
{
    provider_id[0] = '\0';
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", len, 0, &jerr);
    if (!root) {
        snprintf(err, errsz, "HTTP %ld with malformed JSON: %s", http_status, jerr.text);
        return -1;
    }
    json_t *sid = json_object_get(root, "sid");
    int rc = 0;
    if (!json_is_string(sid) || !json_string_value(sid)[0]) {
        snprintf(err, errsz, "HTTP %ld without \"sid\"", http_status);
        rc = -1;
    } else if (!channel_copy(provider_id, idsz, json_string_value(sid))) {
        provider_id[0] = '\0';
        snprintf(err, errsz, "\"sid\" is too long");
        rc = -1;
    }
    json_decref(root);
    return rc;
}

/* Twilio's refusal: {"code":21610,"message":"...","more_info":"...","status":400}. */
static enum channel_failure twilio_read_send_error(void *state, long http_status, const char *body,
                                                   size_t len, char *err, size_t errsz)
{
    (void)state;
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    json_t *code = json_object_get(root, "code");
    json_t *words = json_object_get(root, "message");
    enum channel_failure f =
        http_status == 429 || http_status >= 500 ? CHANNEL_FAILURE_RETRY : CHANNEL_FAILURE_OTHER;
    if (json_is_integer(code)) {
        long c = (long)json_integer_value(code);
        if (twilio_failure(c) != CHANNEL_FAILURE_OTHER)
            f = twilio_failure(c);
        snprintf(err, errsz, "HTTP %ld: %ld: %.200s", http_status, c,
                 json_is_string(words) ? json_string_value(words) : "");
    } else {
        snprintf(err, errsz, "HTTP %ld: %.300s", http_status, body ? body : "");
    }
    json_decref(root);
    return f;
}

static const struct config_setting twilio_settings[] = {
    {"enabled", "false", CONFIG_BOOL}, {"api_base", "https://api.twilio.com", CONFIG_TEXT},
    {"account_sid", "", CONFIG_TEXT},  {"auth_token", "", CONFIG_SECRET},
    {"from", "", CONFIG_TEXT},         {"content_sid", "", CONFIG_TEXT},
    {NULL, NULL, CONFIG_TEXT},
};

const struct channel_driver channel_twilio = {
    .name = "twilio",
    .settings = twilio_settings,
    .sms = true,
    .window_seconds = 24 * 3600, /* on WhatsApp senders only: */
    .window_prefix = WHATSAPP_PREFIX,
    .init = twilio_init,
    .fini = twilio_fini,
    .decode = twilio_decode,
    .build_send = twilio_build_send,
    .read_send_response = twilio_read_send_response,
    .read_send_error = twilio_read_send_error,
};
