/* kannel.c - Kannel SMS driver: MO messages and delivery reports in, sendsms URLs out. */
/* clang-format off */
/* Kannel calls catat for every SMS that arrives (an sms-service get-url) and for every delivery
 * report of an SMS catat sent (the dlr-url catat puts into each sendsms request). Configure
 * Kannel like this (SECRET = [kannel] secret, URL-safe characters only; host and port are where
 * catat listens):
 *
 *   group = smsbox
 *   ...
 *   mo-recode = true          # UCS-2 messages (emoji, Arabic script...) reach catat as UTF-8
 *
 *   group = sms-service
 *   keyword = default
 *   catch-all = true          # %b is not a word escape: without this, long texts fall through
 *   max-messages = 0          # catat replies later through sendsms, never in the HTTP answer
 *   omit-empty = true
 *   get-url = "http://127.0.0.1:8080/webhook/kannel?from=%p&to=%P&text=%b&id=%I&smsc=%i&ts=%T&charset=%C&secret=SECRET"
 *
 *   group = sendsms-user
 *   username = catat          # = [kannel] username
 *   password = ...            # = [kannel] password
 *   max-messages = 3          # long replies as up to 3 concatenated parts
 *   concatenation = true
 *
 * and in catat.ini: [kannel] enabled = true, sendsms_url = http://127.0.0.1:13013/cgi-bin/sendsms,
 * username, password, secret = SECRET, optionally from (sender id), smsc (an smsc-id to route
 * through) and callback_url (where Kannel reaches catat, http://127.0.0.1:8080; default
 * [server] public_url).
 *
 * Why these escapes: %I (Kannel's message UUID) is the id that makes a retried request a
 * duplicate instead of a second message, so catat refuses a request without id; %b is the text
 * as sent, keeping the newlines that separate commands (%a squeezes them into spaces); %T is the
 * time in Unix seconds; %C lets catat refuse UTF-16 text clearly when mo-recode is off.
 *
 * Delivery reports come back as GET <callback_url>/webhook/kannel/dlr?id=<outbox id>&status=%d&secret=SECRET
 * (dlr-mask 31: delivered, failed, buffered, SMSC accepted, SMSC rejected). Kannel's answer to
 * sendsms carries no message id, so the outbox id is the provider id of every Kannel message. */
/* clang-format on */
#include "channel.h"
#include "config.h"
#include "form.h"
#include "sms.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kannel {
    char *sendsms_url;
    char *username;
    char *password;
    char *secret;       /* "" = requests are not checked */
    char *from;         /* "" = Kannel's global-sender */
    char *smsc;         /* "" = Kannel routes */
    char *public_url;   /* [server] public_url, or where catat listens */
    char *callback_url; /* [kannel] callback_url: the base of the dlr-url; "" = public_url */
};

static void kannel_fini(void *state)
{
    struct kannel *k = state;
    if (!k)
        return;
    free(k->sendsms_url);
    free(k->username);
    channel_free_secret(k->password);
    channel_free_secret(k->secret);
    free(k->from);
    free(k->smsc);
    free(k->public_url);
    free(k->callback_url);
    free(k);
}

static int kannel_init(void **state, const struct config *cfg, char *err, size_t errsz)
{
    *state = NULL;
    struct kannel *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    k->sendsms_url = strdup(config_get(cfg, "kannel", "sendsms_url"));
    k->username = strdup(config_get(cfg, "kannel", "username"));
    k->password = strdup(config_get(cfg, "kannel", "password"));
    k->secret = strdup(config_get(cfg, "kannel", "secret"));
    k->from = strdup(config_get(cfg, "kannel", "from"));
    k->smsc = strdup(config_get(cfg, "kannel", "smsc"));
    k->public_url = strdup(config_public_url(cfg));
    k->callback_url = strdup(config_get(cfg, "kannel", "callback_url"));
    if (!k->sendsms_url || !k->username || !k->password || !k->secret || !k->from || !k->smsc ||
        !k->public_url || !k->callback_url) {
        kannel_fini(k);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    if (config_get_bool(cfg, "kannel", "enabled") &&
        !channel_require(err, errsz, "kannel", "sendsms_url", k->sendsms_url, (char *)NULL)) {
        kannel_fini(k);
        return -1;
    }
    *state = k;
    return 0;
}

/* Where a request's fields come from: the query for GET, the form body (then the query, for a
 * secret kept in the URL) for POST. */
struct fields {
    const struct channel_request *req;
    const struct form *body; /* NULL for GET */
};

static const char *field(const struct fields *f, const char *name)
{
    const char *v = f->body ? form_get(f->body, name) : NULL;
    return v ? v : channel_query(f->req, name);
}

static bool secret_ok(const struct kannel *k, const struct fields *f)
{
    if (!k->secret[0])
        return true;
    const char *given = field(f, "secret");
    if (!given)
        return false;
    return channel_secret_equal(given, k->secret);
}

/* Reads a string of decimal digits into *out; false when it is anything else. */
static bool read_decimal(const char *s, int64_t *out)
{
    if (!s || !s[0] || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)n;
    return true;
}

static enum channel_rc decode_mo(struct kannel *k, const struct fields *f,
                                 struct channel_events *ev, char *err, size_t errsz)
{
    if (!secret_ok(k, f)) {
        snprintf(err, errsz, "missing or wrong secret");
        return CHANNEL_UNAUTHORIZED;
    }
    const char *from = field(f, "from"), *to = field(f, "to"), *text = field(f, "text");
    const char *id = field(f, "id"), *ts = field(f, "ts"), *charset = field(f, "charset");
    if (!from || !from[0] || !text) {
        snprintf(err, errsz, "\"from\" and \"text\" are required");
        return CHANNEL_BAD_REQUEST;
    }
    if (!id || !id[0]) {
        snprintf(err, errsz, "\"id\" is required: put id=%%I into Kannel's get-url");
        return CHANNEL_BAD_REQUEST;
    }
    if (charset && (strcasecmp(charset, "UTF-16BE") == 0 || strcasecmp(charset, "UCS-2") == 0)) {
        snprintf(err, errsz, "UTF-16 text: set mo-recode = true in Kannel's smsbox group");
        return CHANNEL_BAD_REQUEST;
    }
    if (!form_utf8_valid(text, strlen(text))) {
        snprintf(err, errsz, "\"text\" is not valid UTF-8");
        return CHANNEL_BAD_REQUEST;
    }
    int64_t at = 0;
    if (ts && ts[0] && !read_decimal(ts, &at)) {
        snprintf(err, errsz, "\"ts\" must be Unix seconds (%%T)");
        return CHANNEL_BAD_REQUEST;
    }
    if (strlen(from) >= CHANNEL_ADDR_MAX || (to && strlen(to) >= CHANNEL_ADDR_MAX)) {
        snprintf(err, errsz, "\"from\" or \"to\" is too long");
        return CHANNEL_BAD_REQUEST;
    }
    if (strlen(id) >= CHANNEL_ID_MAX) {
        snprintf(err, errsz, "\"id\" is longer than %d bytes", CHANNEL_ID_MAX - 1);
        return CHANNEL_BAD_REQUEST;
    }
    ev->response = strdup(""); /* an empty 200: Kannel sends nothing back (omit-empty) */
    struct channel_inbound *in =
        ev->response ? channel_events_add_inbound(ev, text, strlen(text)) : NULL;
    if (!in) {
        channel_events_free(ev);
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    ev->response_type = "text/plain";
    channel_copy(in->from, sizeof in->from, from);
    channel_copy(in->to, sizeof in->to, to ? to : "");
    channel_copy(in->provider_id, sizeof in->provider_id, id);
    in->at = at;
    return CHANNEL_OK;
}

static enum channel_rc decode_dlr(struct kannel *k, const struct fields *f,
                                  struct channel_events *ev, char *err, size_t errsz)
{
    if (!secret_ok(k, f)) {
        snprintf(err, errsz, "missing or wrong secret");
        return CHANNEL_UNAUTHORIZED;
    }
    int64_t id, type;
    if (!read_decimal(field(f, "id"), &id) || id <= 0) {
        snprintf(err, errsz, "\"id\" must be the outbox id catat put into the dlr-url");
        return CHANNEL_BAD_REQUEST;
    }
    if (!read_decimal(field(f, "status"), &type)) {
        snprintf(err, errsz, "\"status\" must be Kannel's DLR type number (%%d)");
        return CHANNEL_BAD_REQUEST;
    }
    enum channel_delivery delivery;
    const char *why = NULL;
    switch (type) {
    case 1:
        delivery = CHANNEL_DELIVERY_DELIVERED;
        break;
    case 2:
        delivery = CHANNEL_DELIVERY_FAILED;
        why = "2: not delivered to the phone";
        break;
    case 8:
        delivery = CHANNEL_DELIVERY_SENT;
        break;
    case 16:
        delivery = CHANNEL_DELIVERY_FAILED;
        why = "16: rejected by the SMSC";
        break;
    default:
        return CHANNEL_OK; /* 4 (buffered at the SMSC), 32 (intermediate): nothing changes */
    }
    struct channel_status *st = channel_events_add_status(ev);
    if (!st) {
        snprintf(err, errsz, "out of memory");
        return CHANNEL_BAD_REQUEST;
    }
    snprintf(st->provider_id, sizeof st->provider_id, "%" PRId64, id);
    st->delivery = delivery;
    if (why)
        channel_copy(st->error, sizeof st->error, why);
    return CHANNEL_OK;
}

static enum channel_rc kannel_decode(void *state, const struct channel_request *req,
                                     struct channel_events *ev, char *err, size_t errsz)
{
    struct kannel *k = state;
    const char *sub = req->sub ? req->sub : "";
    bool dlr = strcmp(sub, "dlr") == 0;
    if (sub[0] && !dlr) {
        snprintf(err, errsz, "no such Kannel endpoint");
        return CHANNEL_NOT_FOUND;
    }
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (!get && !(post && !dlr)) {
        snprintf(err, errsz, dlr ? "delivery reports come as GET" : "use GET or POST");
        return CHANNEL_BAD_METHOD;
    }
    struct form body = {0};
    struct fields f = {req, NULL};
    if (post) {
        if (form_parse(req->body ? req->body : "", req->body_len, &body, err, errsz) != 0)
            return CHANNEL_BAD_REQUEST;
        f.body = &body;
    }
    enum channel_rc rc = dlr ? decode_dlr(k, &f, ev, err, errsz) : decode_mo(k, &f, ev, err, errsz);
    form_free(&body);
    return rc;
}

static int kannel_build_send(void *state, const struct channel_message *msg,
                             struct channel_send *out, char *err, size_t errsz)
{
    struct kannel *k = state;
    memset(out, 0, sizeof *out);
    if (!msg->to || !msg->to[0]) {
        snprintf(err, errsz, "no recipient");
        return -1;
    }
    const char *text = msg->text ? msg->text : "";
    /* Kannel usually reaches catat on the local network, not through the public URL (which
     * points at nginx once Twilio is configured): [kannel] callback_url, else public_url. */
    const char *base = k->callback_url[0]                      ? k->callback_url
                       : msg->public_url && msg->public_url[0] ? msg->public_url
                                                               : k->public_url;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;

    /* The dlr-url Kannel calls back: our outbox id, %d for the event, the secret. */
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, msg->outbox_id);
    struct form_buf dlr = {0};
    char *base_copy = strndup(base, base_len);
    if (!base_copy) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    form_buf_add(&dlr, base_copy);
    free(base_copy);
    form_buf_add(&dlr, "/webhook/kannel/dlr?id=");
    form_buf_add(&dlr, id);
    form_buf_add(&dlr, "&status=%d");
    if (k->secret[0])
        form_buf_add_pair(&dlr, "secret", k->secret);

    struct form_buf url = {0};
    form_buf_add(&url, k->sendsms_url);
    form_buf_add(&url, strchr(k->sendsms_url, '?') ? "&" : "?");
    form_buf_add_pair(&url, "username", k->username);
    form_buf_add_pair(&url, "password", k->password);
    form_buf_add_pair(&url, "to", msg->to);
    form_buf_add_pair(&url, "text", text);
    if (k->from[0])
        form_buf_add_pair(&url, "from", k->from);
    if (k->smsc[0])
        form_buf_add_pair(&url, "smsc", k->smsc);
    if (!sms_is_gsm7(text, strlen(text))) {
        form_buf_add_pair(&url, "coding", "2");
        form_buf_add_pair(&url, "charset", "UTF-8");
    }
    form_buf_add_pair(&url, "dlr-mask", "31");
    if (!dlr.failed && dlr.data)
        form_buf_add_pair(&url, "dlr-url", dlr.data);
    else
        url.failed = true;
    form_buf_free(&dlr);
    out->url = form_buf_steal(&url);
    if (!out->url) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    out->method = "GET";
    channel_copy(out->provider_id, sizeof out->provider_id, id);
    return 0;
}

static int kannel_read_send_response(void *state, long http_status, const char *body, size_t len,
                                     char *provider_id, size_t idsz, char *err, size_t errsz)
{
    /* "0: Accepted for delivery" or "3: Queued for later delivery"; no id in either. */
    if (body && len >= 2 && (body[0] == '0' || body[0] == '3') && body[1] == ':')
        return 0; /* provider_id already holds the outbox id that build_send set */
    size_t shown = 0;
    while (body && shown < len && shown < 120 && body[shown] != '\n' && body[shown] != '\r')
        shown++;
    snprintf(err, errsz, "HTTP %ld, unexpected sendsms answer: %.*s", http_status, (int)shown,
             body ? body : "");
    return -1;
}

static const struct config_setting kannel_settings[] = {
    {"enabled", "false", CONFIG_BOOL},
    {"sendsms_url", "http://127.0.0.1:13013/cgi-bin/sendsms", CONFIG_TEXT},
    {"username", "", CONFIG_TEXT},
    {"password", "", CONFIG_SECRET},
    {"secret", "", CONFIG_SECRET},
    {"from", "", CONFIG_TEXT},
    {"smsc", "", CONFIG_TEXT},
    {"callback_url", "", CONFIG_TEXT},
    {NULL, NULL, CONFIG_TEXT},
};

const struct channel_driver channel_kannel = {
    .name = "kannel",
    .settings = kannel_settings,
    .sms = true,
    .init = kannel_init,
    .fini = kannel_fini,
    .decode = kannel_decode,
    .build_send = kannel_build_send,
    .read_send_response = kannel_read_send_response,
};
