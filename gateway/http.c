/* http.c - libmicrohttpd routes, limits and answers; webhooks go to the writer (ingest.h). */
#include "http.h"

#include "channel.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "ingest.h"
#include "phone.h"
#include "runtime.h"
#include "store.h"
#include "web.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#define MAX_KV 64 /* query arguments or headers kept per request */

enum request_state { REQ_READING, REQ_WAITING, REQ_DONE };

struct request {
    enum request_state state;
    double started;
    char *body;
    size_t len;
    bool too_big;
    /* A webhook waiting for the writer: */
    struct MHD_Connection *conn;
    struct channel_events ev;
    struct ingest_job job;
};

struct http_server {
    struct runtime *rt;
    struct ingest *ingest;
    struct web *web; /* the staff web app, NULL when [web] enabled is false */
    struct MHD_Daemon *daemon;
    struct store *read_store; /* /healthz and /metrics, under read_mu */
    pthread_mutex_t read_mu;
    size_t max_body;
    const char *country_code;
    atomic_int inflight; /* webhooks handed to the writer and not yet answered */
    atomic_bool shutting;
    atomic_long id_counter;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result send_body(struct MHD_Connection *c, struct request *r, int status,
                                 const char *type, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    metrics_observe_request(status, r ? now_seconds() - r->started : 0);
    return rc;
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct request *r, int status,
                                 json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!s)
        return MHD_NO;
    enum MHD_Result rc = send_body(c, r, status, "application/json", s, strlen(s));
    free(s);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *r, int status,
                                  const char *error, const char *detail)
{
    return send_json(c, r, status,
                     json_pack("{s:s, s:s}", "error", error, "detail", detail ? detail : ""));
}

struct kv_list {
    struct channel_kv kv[MAX_KV];
    size_t n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct kv_list *l = cls;
    if (l->n < MAX_KV) {
        l->kv[l->n].key = key;
        l->kv[l->n].value = value ? value : "";
        l->n++;
    }
    return MHD_YES;
}

static bool valid_utf8(const char *s, size_t len)
{
    utf8proc_int32_t cp;
    for (size_t i = 0; i < len;) {
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

/* Moves event i of r->ev.in to the skipped list with reason (the others shift down). */
static void skip_event(struct request *r, size_t i, const char *reason)
{
    struct channel_inbound *in = &r->ev.in[i];
    /* On failure (no memory) the event is still dropped; only its log line is lost. */
    channel_events_add_skip(&r->ev, in->media[0] ? in->media : "message", reason, in->from);
    free(in->text);
    free(in->meta);
    memmove(in, in + 1, (r->ev.n_in - i - 1) * sizeof *in);
    r->ev.n_in--;
}

/* Checks and normalises what a driver decoded, event by event, so the writer only sees good
 * messages: an event catat cannot use is skipped (logged by the caller), the others go on. A
 * phone number becomes E.164; a WhatsApp business-scoped user id is kept as it is. */
static void check_events(struct http_server *srv, struct request *r)
{
    for (size_t i = 0; i < r->ev.n_in;) {
        struct channel_inbound *in = &r->ev.in[i];
        char e164[PHONE_E164_MAX];
        if (channel_is_user_id(in->from)) {
            /* kept as given: the address Meta answers to */
        } else if (phone_normalize(in->from, strlen(in->from), srv->country_code, e164) == 0) {
            snprintf(in->from, sizeof in->from, "%s", e164);
        } else {
            skip_event(r, i, "the sender is neither a phone number nor a WhatsApp user id");
            continue;
        }
        if (in->user_id[0] && !channel_is_user_id(in->user_id))
            in->user_id[0] = '\0';
        if (!valid_utf8(in->text, strlen(in->text))) {
            skip_event(r, i, "message text is not valid UTF-8");
            continue;
        }
        if (in->meta && !valid_utf8(in->meta, strlen(in->meta))) {
            free(in->meta);
            in->meta = NULL;
        }
        if (!valid_utf8(in->media_ref, strlen(in->media_ref)))
            in->media_ref[0] = '\0';
        if (!in->provider_id[0]) /* no id from the sender: nothing to deduplicate on */
            snprintf(in->provider_id, sizeof in->provider_id, "catat-%lld-%ld",
                     (long long)time(NULL), atomic_fetch_add(&srv->id_counter, 1));
        i++;
    }
}

/* Logs each skipped event with its kind, the reason and the sender masked. */
static void log_skipped(const char *channel, int ch, const struct channel_events *ev)
{
    for (size_t i = 0; i < ev->n_skipped; i++) {
        const struct channel_skip *sk = &ev->skipped[i];
        char masked[CHANNEL_ADDR_MAX], q[160], k[48];
        phone_mask(sk->from, masked, sizeof masked);
        log_event(LOG_WARN, "webhook event skipped", "channel=%s kind=\"%s\" reason=\"%s\" from=%s",
                  channel, log_quote(sk->kind, k, sizeof k), log_quote(sk->reason, q, sizeof q),
                  masked[0] ? masked : "-");
        metrics_count(METRIC_SKIPPED, (size_t)ch);
    }
}

static enum MHD_Result answer_webhook(struct http_server *srv, struct MHD_Connection *c,
                                      struct request *r)
{
    const struct channel_driver *d = channel_drivers[r->job.channel];
    if (r->job.status != MHD_HTTP_OK)
        return send_error(c, r, r->job.status, "internal", "the message could not be stored");
    if (r->ev.response)
        return send_body(c, r, 200, r->ev.response_type ? r->ev.response_type : "text/plain",
                         r->ev.response, strlen(r->ev.response));
    /* The providers' answer, every time: written out, not built and dumped per request. */
    static const char ok[] = "{\"ok\":true}";
    if (!d->replies_in_answer)
        return send_body(c, r, 200, "application/json", ok, sizeof ok - 1);
    json_t *obj = json_pack("{s:b}", "ok", 1);
    json_t *replies = json_array();
    for (size_t i = 0; i < r->job.n_replies; i++)
        if (r->job.replies[i])
            json_array_append_new(replies, json_string(r->job.replies[i]));
    json_object_set_new(obj, "replies", replies);
    if (r->job.duplicate)
        json_object_set_new(obj, "duplicate", json_true());
    if (r->ev.n_skipped) { /* development channels say why nothing was stored */
        json_t *skipped = json_array();
        for (size_t i = 0; i < r->ev.n_skipped; i++)
            json_array_append_new(skipped, json_string(r->ev.skipped[i].reason));
        json_object_set_new(obj, "skipped", skipped);
    }
    return send_json(c, r, 200, obj);
}

/* The writer committed (or failed) the request's batch: answer it. Runs on the writer's or the
 * syncer's thread. */
static void on_stored(struct ingest_job *job, void *arg)
{
    struct request *r = arg;
    r->state = REQ_DONE;
    MHD_resume_connection(r->conn);
}

static enum MHD_Result handle_webhook(struct http_server *srv, struct MHD_Connection *c,
                                      struct request *r, const char *url, const char *method)
{
    const char *rest = url + strlen("/webhook/");
    char name[32];
    size_t nl = strcspn(rest, "/");
    if (nl == 0 || nl >= sizeof name)
        return send_error(c, r, 404, "not_found", "no such channel");
    memcpy(name, rest, nl);
    name[nl] = '\0';
    const char *sub = rest[nl] == '/' ? rest + nl + 1 : "";
    int ch = runtime_channel(srv->rt, name);
    if (ch < 0)
        return send_error(c, r, 404, "not_found", "no such channel, or it is not enabled");
    if (r->too_big) {
        metrics_count(METRIC_REJECTED, (size_t)ch);
        return send_error(c, r, 413, "too_large", "the body is over [server] max_body_bytes");
    }
    struct kv_list query = {.n = 0}, headers = {.n = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &query);
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &headers);
    struct channel_request req = {
        .method = method,
        .sub = sub,
        .path = url,
        .query = query.kv,
        .n_query = query.n,
        .headers = headers.kv,
        .n_headers = headers.n,
        .body = r->body ? r->body : "",
        .body_len = r->len,
    };
    const struct channel_driver *d = channel_drivers[ch];
    char err[256] = "";
    r->job.channel = ch;
    enum channel_rc rc = d->decode(srv->rt->channel_state[ch], &req, &r->ev, err, sizeof err);
    if (rc == CHANNEL_OK) {
        check_events(srv, r);
        log_skipped(name, ch, &r->ev);
    }
    if (rc != CHANNEL_OK) {
        static const int statuses[] = {
            [CHANNEL_BAD_REQUEST] = 400, [CHANNEL_UNAUTHORIZED] = 401, [CHANNEL_FORBIDDEN] = 403,
            [CHANNEL_NOT_FOUND] = 404,   [CHANNEL_BAD_METHOD] = 405,
        };
        static const char *const names[] = {
            [CHANNEL_BAD_REQUEST] = "bad_request",       [CHANNEL_UNAUTHORIZED] = "unauthorized",
            [CHANNEL_FORBIDDEN] = "forbidden",           [CHANNEL_NOT_FOUND] = "not_found",
            [CHANNEL_BAD_METHOD] = "method_not_allowed",
        };
        char q[256];
        metrics_count(METRIC_REJECTED, (size_t)ch);
        log_event(LOG_WARN, "webhook refused", "channel=%s status=%d error=\"%s\"", name,
                  statuses[rc], log_quote(err, q, sizeof q));
        return send_error(c, r, statuses[rc], names[rc], err);
    }
    if (r->ev.n_in == 0 && r->ev.n_statuses == 0) {
        r->job.status = MHD_HTTP_OK;
        return answer_webhook(srv, c, r);
    }
    /* Count first, then check: http_stop waits for inflight to drain after setting shutting. */
    atomic_fetch_add(&srv->inflight, 1);
    if (atomic_load(&srv->shutting)) {
        atomic_fetch_sub(&srv->inflight, 1);
        return send_error(c, r, 503, "shutting_down", "try again shortly");
    }
    r->conn = c;
    r->state = REQ_WAITING;
    r->job.ev = &r->ev;
    r->job.keep_replies = d->replies_in_answer;
    r->job.done = on_stored;
    r->job.arg = r;
    MHD_suspend_connection(c); /* before submitting: the writer may resume it at once */
    if (ingest_submit(srv->ingest, &r->job) != 0) {
        r->job.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r->state = REQ_DONE;
        MHD_resume_connection(c);
    }
    return MHD_YES;
}

static enum MHD_Result handle_healthz(struct http_server *srv, struct MHD_Connection *c,
                                      struct request *r)
{
    pthread_mutex_lock(&srv->read_mu);
    int ok = store_ping(srv->read_store) == 0;
    int schema = ok ? store_schema_version(srv->read_store) : -1;
    pthread_mutex_unlock(&srv->read_mu);
    return send_json(c, r, ok ? 200 : 503,
                     json_pack("{s:s, s:i, s:s}", "status", ok ? "ok" : "database unavailable",
                               "schema", schema, "version", CATAT_VERSION));
}

static enum MHD_Result handle_metrics(struct http_server *srv, struct MHD_Connection *c,
                                      struct request *r)
{
    struct store_count depth[8];
    pthread_mutex_lock(&srv->read_mu);
    int n = store_outbox_depth(srv->read_store, depth, 8);
    pthread_mutex_unlock(&srv->read_mu);
    char extra[1024];
    size_t o = (size_t)snprintf(extra, sizeof extra,
                                "# HELP catat_outbox_messages Outbound messages by status\n"
                                "# TYPE catat_outbox_messages gauge\n");
    for (int i = 0; i < n && o < sizeof extra; i++)
        o += (size_t)snprintf(extra + o, sizeof extra - o,
                              "catat_outbox_messages{status=\"%s\"} %lld\n", depth[i].name,
                              (long long)depth[i].count);
    char *text = metrics_render(extra);
    if (!text)
        return MHD_NO;
    enum MHD_Result rc = send_body(c, r, 200, "text/plain; version=0.0.4", text, strlen(text));
    free(text);
    return rc;
}

static enum MHD_Result redirect(struct MHD_Connection *c, struct request *r, const char *to)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Location", to);
    enum MHD_Result rc = MHD_queue_response(c, 303, resp);
    MHD_destroy_response(resp);
    metrics_observe_request(303, now_seconds() - r->started);
    return rc;
}

/* The staff web app: the request as web.h wants it, the page back with its headers. */
static enum MHD_Result handle_web(struct http_server *srv, struct MHD_Connection *c,
                                  struct request *r, const char *url, const char *method)
{
    if (strcmp(url, "/app") == 0)
        return redirect(c, r, "/app/");
    if (r->too_big)
        return send_body(c, r, 413, "text/plain; charset=utf-8", "Too large\n", 10);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0)
        return send_body(c, r, 405, "text/plain; charset=utf-8", "Method not allowed\n", 19);
    struct kv_list query = {.n = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &query);
    struct web_kv kv[MAX_KV];
    for (size_t i = 0; i < query.n; i++)
        kv[i] = (struct web_kv){query.kv[i].key, query.kv[i].value};
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "catat_session");
    /* Behind the nginx of deploy/, the client's address comes in X-Real-IP. */
    char address[INET6_ADDRSTRLEN] = "";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, address,
                  sizeof address);
    const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
    if (real && strcmp(address, "127.0.0.1") == 0 && strlen(real) < sizeof address)
        snprintf(address, sizeof address, "%s", real);
    struct web_request rq = {
        .method = method,
        .path = url,
        .query = kv,
        .n_query = query.n,
        .content_type = ctype ? ctype : "",
        .session = cookie ? cookie : "",
        .address = address,
        .body = r->body ? r->body : "",
        .len = r->len,
    };
    struct web_response rs = {0};
    web_handle(srv->web, &rq, &rs);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(rs.len, rs.body ? (void *)rs.body : (void *)"",
                                        rs.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(rs.body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", rs.type ? rs.type : "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    /* No script, no other host: the browser enforces what the pages promise. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (rs.location[0])
        MHD_add_response_header(resp, "Location", rs.location);
    if (rs.cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", rs.cookie);
    if (rs.filename[0]) {
        char disp[160];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", rs.filename);
        MHD_add_response_header(resp, "Content-Disposition", disp);
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)rs.status, resp);
    MHD_destroy_response(resp);
    metrics_observe_request(rs.status, now_seconds() - r->started);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->started = now_seconds();
        *con_cls = r;
        return MHD_YES;
    }
    if (r->state == REQ_DONE) /* resumed by the writer */
        return answer_webhook(srv, c, r);
    if (*upload_size) {
        size_t limit = srv->web && strncmp(url, "/app/", 5) == 0 && srv->max_body < WEB_MAX_UPLOAD
                           ? (size_t)WEB_MAX_UPLOAD
                           : srv->max_body;
        if (r->len + *upload_size > limit) {
            r->too_big = true; /* read and drop the rest, then answer 413 */
        } else if (!r->too_big) {
            char *p = realloc(r->body, r->len + *upload_size + 1);
            if (!p)
                return MHD_NO;
            memcpy(p + r->len, upload_data, *upload_size);
            r->body = p;
            r->len += *upload_size;
            p[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/webhook/", 9) == 0)
        return handle_webhook(srv, c, r, url, method);
    if (srv->web && (strcmp(url, "/app") == 0 || strncmp(url, "/app/", 5) == 0))
        return handle_web(srv, c, r, url, method);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(c, r, 405, "method_not_allowed", "use GET");
    if (strcmp(url, "/healthz") == 0)
        return handle_healthz(srv, c, r);
    if (strcmp(url, "/metrics") == 0)
        return handle_metrics(srv, c, r);
    return send_error(c, r, 404, "not_found", "no such path");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct request *r = *con_cls;
    if (!r)
        return;
    if (r->state == REQ_DONE)
        atomic_fetch_sub(&srv->inflight, 1);
    ingest_job_free(&r->job);
    channel_events_free(&r->ev);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

struct http_server *http_start(struct runtime *rt, struct ingest *ingest, struct outbox *ob,
                               const char *db_path, char *err, size_t errsz)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    srv->rt = rt;
    srv->ingest = ingest;
    srv->max_body = (size_t)config_get_long(rt->cfg, "server", "max_body_bytes");
    srv->country_code = config_get(rt->cfg, "locale", "country_code");
    pthread_mutex_init(&srv->read_mu, NULL);
    srv->read_store = store_open(db_path, err, errsz);
    if (!srv->read_store) {
        pthread_mutex_destroy(&srv->read_mu);
        free(srv);
        return NULL;
    }
    if (config_get_bool(rt->cfg, "web", "enabled") &&
        !(srv->web = web_start(rt, ob, db_path, err, errsz))) {
        http_stop(srv);
        return NULL;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET};
    const char *listen = config_get(rt->cfg, "server", "listen");
    long port = config_get_long(rt->cfg, "server", "port");
    if (inet_pton(AF_INET, listen, &addr.sin_addr) != 1 || port < 1 || port > 65535) {
        snprintf(err, errsz, "[server] listen must be an IPv4 address and port 1-65535");
        http_stop(srv);
        return NULL;
    }
    addr.sin_port = htons((uint16_t)port);
    srv->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                         (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
                         MHD_OPTION_THREAD_POOL_SIZE, 2U, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                         srv, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)config_get_long(rt->cfg, "server", "max_connections"),
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0U, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)config_get_long(rt->cfg, "server", "connection_timeout"),
                         /* Headers and MHD's read buffer only (bodies are collected apart): MHD
                          * zeroes the pool for every request, so a bigger one costs per message. */
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errsz, "cannot listen on %s:%ld (in use, or not permitted)", listen, port);
        http_stop(srv);
        return NULL;
    }
    log_event(LOG_INFO, "listening", "address=%s port=%ld", listen, port);
    return srv;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->shutting, true);
    /* MHD_stop_daemon aborts while a connection is suspended: wait for the writer to answer
     * every webhook it holds (bounded, in case a client never reads its answer). */
    for (int i = 0; i < 10000 && atomic_load(&srv->inflight) > 0; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    web_stop(srv->web);
    store_close(srv->read_store);
    pthread_mutex_destroy(&srv->read_mu);
    free(srv);
}
