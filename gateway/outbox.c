/* outbox.c - the sender: claims due messages, sends them concurrently, records what happened. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "outbox.h"

#include "config.h"
#include "format.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "reach.h"
#include "runtime.h"
#include "store.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT 64
/* How often the outbox looks for claims an instance that died left behind. */
#define RECOVER_EVERY_SECONDS 10
/* The least time between two of the outbox's write transactions while serving. Each one holds
 * the database's write lock through its fsync, and the writer (ingest.c) waits on it for its
 * next batch, with SQLite's busy sleeps of a millisecond or more: under load the outbox records
 * and claims a few sends per transaction instead of one. A reply waits at most this long. */
#define TX_GAP_SECONDS 0.02

struct transfer {
    struct outbox *ob;
    int64_t id;
    int channel;
    int attempts;
    struct store_outbox_row row; /* what was claimed (text owned), for reach_failed */
    CURL *easy;
    struct curl_slist *headers;
    struct channel_send send;
    char *response;
    size_t response_len;
    long retry_after; /* seconds, from the Retry-After header; 0 when none */
    char error[CURL_ERROR_SIZE];
};

struct outbox {
    struct runtime *rt;
    struct store *store;
    CURLM *multi;
    pthread_t thread;
    atomic_bool stopping;
    bool thread_started;
    bool print_console;
    int inflight;
    int concurrency, max_attempts;
    long retry_base_ms, timeout_seconds;
    double rate;         /* sends per second per channel */
    double last_tx;      /* when the last write transaction of step ended (now_seconds) */
    double recovered_at; /* when claims left by a stopped instance were last looked for */
    char instance[300];  /* who claims: host:port, the same after a restart */
    struct {
        double tokens;
        double last;
    } bucket[METRICS_CHANNELS];
    /* Daily caps (a driver's daily_limit_key): sends claimed on the current local day. */
    int tz_seconds;
    struct {
        long limit; /* 0: none */
        int64_t day_start;
        long claimed;
    } daily[METRICS_CHANNELS];
};

/* How many more messages channel ch may claim today (INT_MAX-ish when it has no cap). The
 * count is read from the database when the local day changes (and at start), then kept. */
static int daily_room(struct outbox *ob, int ch, int want)
{
    if (!ob->daily[ch].limit)
        return want;
    int64_t now = (int64_t)time(NULL);
    int64_t local = now + ob->tz_seconds;
    int64_t day_start = local - ((local % 86400) + 86400) % 86400 - ob->tz_seconds;
    if (ob->daily[ch].day_start != day_start) {
        int n = store_outbox_claimed_since(ob->store, channel_drivers[ch]->name, day_start);
        if (n < 0)
            return 0;
        ob->daily[ch].day_start = day_start;
        ob->daily[ch].claimed = n;
    }
    long left = ob->daily[ch].limit - ob->daily[ch].claimed;
    if (left <= 0)
        return 0;
    return left < want ? (int)left : want;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Token bucket per channel: how many sends may start now (at most max). */
static int tokens(struct outbox *ob, int ch, int max)
{
    if (ob->rate <= 0)
        return max;
    double t = now_seconds();
    double burst = ob->rate < 1 ? 1 : ob->rate;
    ob->bucket[ch].tokens += (t - ob->bucket[ch].last) * ob->rate;
    ob->bucket[ch].last = t;
    if (ob->bucket[ch].tokens > burst)
        ob->bucket[ch].tokens = burst;
    int n = (int)ob->bucket[ch].tokens;
    return n < max ? n : max;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    if (t->response_len + len > 1 << 20)
        return 0; /* a provider answer over 1 MiB is not an answer */
    char *p = realloc(t->response, t->response_len + len + 1);
    if (!p)
        return 0;
    memcpy(p + t->response_len, data, len);
    t->response = p;
    t->response_len += len;
    p[t->response_len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char *end;
        long v = strtol(data + 12, &end, 10);
        if (end != data + 12 && v > 0)
            t->retry_after = v;
    }
    return len;
}

static void transfer_free(struct transfer *t)
{
    if (!t)
        return;
    if (t->easy) {
        if (t->ob->multi)
            curl_multi_remove_handle(t->ob->multi, t->easy);
        curl_easy_cleanup(t->easy);
    }
    curl_slist_free_all(t->headers);
    channel_send_free(&t->send);
    store_outbox_rows_free(&t->row, 1);
    free(t->response);
    free(t);
}

/* Backoff for attempt n (1-based): base * 2^(n-1), at most an hour, with +-25% jitter, and never
 * sooner than the provider's Retry-After. Returns seconds. */
static int64_t backoff(const struct outbox *ob, int attempts, long retry_after)
{
    double ms = (double)ob->retry_base_ms;
    for (int i = 1; i < attempts && ms < 3600e3; i++)
        ms *= 2;
    if (ms > 3600e3)
        ms = 3600e3;
    unsigned r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = 0;
    ms *= 0.75 + 0.5 * (double)(r % 1000) / 1000.0;
    int64_t s = (int64_t)(ms / 1000.0 + 0.999);
    if (s < 1)
        s = 1;
    return retry_after > s ? retry_after : s;
}

/* A send did not go through: try again later, or give up after max_attempts. */
static void retry_or_fail(struct outbox *ob, int64_t id, int ch, int attempts, long retry_after,
                          const char *why)
{
    char q[256];
    if (attempts >= ob->max_attempts) {
        store_outbox_fail(ob->store, id, why);
        metrics_count(METRIC_SEND_FAILURES, (size_t)ch);
        log_event(LOG_WARN, "send failed, giving up", "id=%lld channel=%s attempts=%d error=\"%s\"",
                  (long long)id, channel_drivers[ch]->name, attempts, log_quote(why, q, sizeof q));
        return;
    }
    int64_t wait = backoff(ob, attempts, retry_after);
    store_outbox_retry(ob->store, id, (int64_t)time(NULL) + wait, why);
    metrics_count(METRIC_SEND_RETRIES, (size_t)ch);
    log_event(LOG_INFO, "send will be retried",
              "id=%lld channel=%s attempts=%d in_seconds=%lld error=\"%s\"", (long long)id,
              channel_drivers[ch]->name, attempts, (long long)wait, log_quote(why, q, sizeof q));
}

static void finish(struct transfer *t, CURLcode code)
{
    struct outbox *ob = t->ob;
    const struct channel_driver *d = channel_drivers[t->channel];
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char why[512];
    if (code != CURLE_OK) {
        snprintf(why, sizeof why, "network: %s", t->error[0] ? t->error : curl_easy_strerror(code));
        retry_or_fail(ob, t->id, t->channel, t->attempts, 0, why);
    } else if (status >= 200 && status < 300) {
        char provider_id[CHANNEL_ID_MAX], err[CHANNEL_ERROR_MAX] = "";
        /* Drivers whose provider answers without an id (Kannel) chose one at build_send. */
        channel_copy(provider_id, sizeof provider_id, t->send.provider_id);
        if (d->read_send_response(ob->rt->channel_state[t->channel], status,
                                  t->response ? t->response : "", t->response_len, provider_id,
                                  sizeof provider_id, err, sizeof err) != 0) {
            /* Accepted, so never sent again; without an id no status can reach it later. */
            char q[256];
            log_event(LOG_WARN, "provider accepted a send with an unreadable answer",
                      "id=%lld channel=%s error=\"%s\"", (long long)t->id, d->name,
                      log_quote(err, q, sizeof q));
            store_outbox_mark_sent(ob->store, t->id, NULL, (int64_t)time(NULL));
        } else {
            store_outbox_mark_sent(ob->store, t->id, provider_id, (int64_t)time(NULL));
            metrics_count(METRIC_SENT, (size_t)t->channel);
        }
    } else {
        enum channel_failure f =
            status == 429 || status >= 500 ? CHANNEL_FAILURE_RETRY : CHANNEL_FAILURE_OTHER;
        snprintf(why, sizeof why, "HTTP %ld: %.300s", status, t->response ? t->response : "");
        if (d->read_send_error)
            f = d->read_send_error(ob->rt->channel_state[t->channel], status,
                                   t->response ? t->response : "", t->response_len, why,
                                   sizeof why);
        if (f == CHANNEL_FAILURE_ALREADY_SENT) {
            store_outbox_mark_sent(ob->store, t->id,
                                   t->send.provider_id[0] ? t->send.provider_id : NULL,
                                   (int64_t)time(NULL));
            metrics_count(METRIC_SENT, (size_t)t->channel);
        } else if (f == CHANNEL_FAILURE_RETRY) {
            retry_or_fail(ob, t->id, t->channel, t->attempts, t->retry_after, why);
        } else {
            retry_or_fail(ob, t->id, t->channel, ob->max_attempts, 0, why);
            /* Opted out at the provider, or not reachable there: reach.h decides what follows
             * (STOP recorded, or the SMS fallback queued in this same transaction). */
            if (f != CHANNEL_FAILURE_OTHER &&
                reach_failed(&ob->rt->reach, ob->store, &t->row, f, why, (int64_t)time(NULL)) > 0)
                outbox_wake(ob);
        }
    }
    ob->inflight--;
    transfer_free(t);
}

/* Starts sending one claimed message; console messages are delivered on the spot. */
static void start(struct outbox *ob, struct store_outbox_row *row)
{
    int ch = runtime_channel(ob->rt, row->channel);
    if (ch < 0) {
        char why[96];
        snprintf(why, sizeof why, "channel %s is not enabled", row->channel);
        store_outbox_fail(ob->store, row->id, why);
        return;
    }
    const struct channel_driver *d = channel_drivers[ch];
    struct transfer *t = calloc(1, sizeof *t);
    if (!t) {
        store_outbox_retry(ob->store, row->id, (int64_t)time(NULL) + 1, "out of memory");
        return;
    }
    t->ob = ob;
    t->id = row->id;
    t->channel = ch;
    t->attempts = row->attempts;
    t->row = *row; /* takes the text: the claim's copy is cleared below */
    row->text = NULL;
    struct channel_message msg = {
        .to = t->row.phone,
        .text = t->row.text,
        .in_window =
            reach_in_window_from(d, t->row.sender, t->row.last_inbound_at, (int64_t)time(NULL)),
        .outbox_id = t->row.id,
        .public_url = config_public_url(ob->rt->cfg),
        .buttons = t->row.buttons,
        .from = t->row.sender,
    };
    char err[CHANNEL_ERROR_MAX] = "";
    if (d->build_send(ob->rt->channel_state[ch], &msg, &t->send, err, sizeof err) != 0) {
        store_outbox_fail(ob->store, row->id, err);
        metrics_count(METRIC_SEND_FAILURES, (size_t)ch);
        transfer_free(t);
        return;
    }
    /* In the claim's transaction, before any I/O: a delivery report may come back before the
     * send's answer is recorded. */
    if (t->send.provider_id[0])
        store_outbox_set_provider(ob->store, row->id, t->send.provider_id);
    if (!t->send.method) { /* delivered locally (console) */
        char masked[32];
        phone_mask(row->phone, masked, sizeof masked);
        if (ob->print_console)
            printf("%s\n", t->row.text);
        log_event(LOG_INFO, "console message", "id=%lld to=%s", (long long)row->id, masked);
        store_outbox_mark_sent(ob->store, row->id, NULL, (int64_t)time(NULL));
        metrics_count(METRIC_SENT, (size_t)ch);
        transfer_free(t);
        return;
    }
    CURL *e = t->easy = curl_easy_init();
    if (!e) {
        store_outbox_retry(ob->store, row->id, (int64_t)time(NULL) + 1, "curl init failed");
        transfer_free(t);
        return;
    }
    for (size_t i = 0; i < t->send.n_headers; i++)
        t->headers = curl_slist_append(t->headers, t->send.headers[i]);
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, t->send.url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    if (strcmp(t->send.method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->send.body ? t->send.body : "");
    }
    if (t->send.userpwd) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERPWD, t->send.userpwd);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, ob->timeout_seconds);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "catat/" CATAT_VERSION);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (curl_multi_add_handle(ob->multi, e) != CURLM_OK) {
        store_outbox_retry(ob->store, row->id, (int64_t)time(NULL) + 1, "curl multi refused");
        transfer_free(t);
        return;
    }
    ob->inflight++;
}

/* Claims and starts what is due on each channel (within its rate), then moves transfers along.
 * The database work of one step is one transaction: one fsync however many sends it records.
 * Returns the number of messages started. */
/* How long a claim holds: longer than any transfer can take (its timeout, and the wait for
 * transfers in flight when stopping), so a claim expires only when its instance is gone. */
static int64_t claim_seconds(const struct outbox *ob)
{
    return 2 * (int64_t)ob->timeout_seconds + 10;
}

/* Puts back to queued the messages claimed by mine (this instance before a restart; NULL for
 * none) or whose claim expired before `expired` (their instance died while sending them); they
 * go out again, their resent count raised. */
static void recover(struct outbox *ob, const char *mine, int64_t expired)
{
    int n = store_outbox_recover(ob->store, mine, expired, (int64_t)time(NULL));
    if (n > 0)
        log_event(LOG_WARN, "messages in flight at the last stop will be sent again", "count=%d",
                  n);
}

/* The step's write transaction, begun at the first thing to record or claim: whether it is
 * open (tx: what an earlier call answered). */
static bool begin_once(struct outbox *ob, bool *began, bool tx)
{
    if (*began)
        return tx;
    *began = true;
    return store_begin(ob->store) == 0;
}

static int step(struct outbox *ob, int wait_ms)
{
    int started = 0;
    /* The transaction begins at the first thing to record or claim: a step with nothing to do
     * (most wakes: the writer wakes the outbox after every commit) takes no write lock, which
     * the writer would otherwise wait on for its next batch. */
    bool tx = false, began = false;
    int running = 0;
    curl_multi_perform(ob->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(ob->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        tx = begin_once(ob, &began, tx);
        struct transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        finish(t, m->data.result);
    }
    /* Claims come after the transfers moved: a new handle does no I/O until the next
     * curl_multi_perform, which runs after the commit below. Sending before the claim is durable
     * would let a crash put the row back to queued unmarked, and it would go out twice with no
     * trace (resent stays 0). */
    for (size_t ch = 0; channel_drivers[ch] && ch < METRICS_CHANNELS; ch++) {
        int room = ob->concurrency - ob->inflight;
        if ((began && !tx) || room <= 0 || atomic_load(&ob->stopping) ||
            !ob->rt->channel_enabled[ch])
            continue;
        int want = tokens(ob, (int)ch, room > MAX_INFLIGHT ? MAX_INFLIGHT : room);
        want = want > 0 ? daily_room(ob, (int)ch, want) : 0;
        if (want <= 0)
            continue;
        tx = begin_once(ob, &began, tx);
        if (!tx)
            continue;
        struct store_outbox_row rows[MAX_INFLIGHT];
        int64_t now = (int64_t)time(NULL);
        int n = store_outbox_claim(ob->store, now, ob->instance, now + claim_seconds(ob),
                                   channel_drivers[ch]->name, rows, want);
        for (int i = 0; i < n; i++)
            start(ob, &rows[i]);
        if (n > 0)
            ob->daily[ch].claimed += n;
        if (n > 0) {
            store_outbox_rows_free(rows, n);
            if (ob->rate > 0)
                ob->bucket[ch].tokens -= n;
            started += n;
        }
    }
    if (store_is_shared(ob->store) && now_seconds() - ob->recovered_at >= RECOVER_EVERY_SECONDS) {
        /* Another instance sharing the database may have died with messages claimed. */
        ob->recovered_at = now_seconds();
        tx = begin_once(ob, &began, tx);
        if (tx)
            recover(ob, NULL, (int64_t)time(NULL));
    }
    if (tx && store_commit(ob->store) != 0)
        store_rollback(ob->store);
    if (began)
        ob->last_tx = now_seconds();
    if (!started && wait_ms > 0)
        curl_multi_poll(ob->multi, NULL, 0, wait_ms, NULL);
    return started;
}

static void *run(void *arg)
{
    struct outbox *ob = arg;
    pthread_setname_np(pthread_self(), "catat-outbox");
    while (!atomic_load(&ob->stopping)) {
        double gap = ob->last_tx + TX_GAP_SECONDS - now_seconds();
        if (gap > TX_GAP_SECONDS) /* the clock was set back */
            gap = TX_GAP_SECONDS;
        if (gap > 0) {
            /* A wake meanwhile is not lost: curl_multi_poll returns at once after it. */
            struct timespec ts = {0, (long)(gap * 1e9)};
            nanosleep(&ts, NULL);
        }
        step(ob, 1000);
    }
    /* Stopping: let transfers in flight finish (bounded by their timeout) and record them. */
    double deadline = now_seconds() + (double)ob->timeout_seconds;
    while (ob->inflight > 0 && now_seconds() < deadline)
        step(ob, 100);
    return NULL;
}

static struct outbox *outbox_new(struct runtime *rt, const char *db_path, char *err, size_t errsz)
{
    struct outbox *ob = calloc(1, sizeof *ob);
    if (!ob) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    ob->rt = rt;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    snprintf(ob->instance, sizeof ob->instance, "%s:%s", host,
             config_get(rt->cfg, "server", "port"));
    ob->concurrency = (int)config_get_long(rt->cfg, "outbox", "concurrency");
    if (ob->concurrency < 1 || ob->concurrency > MAX_INFLIGHT)
        ob->concurrency = ob->concurrency < 1 ? 1 : MAX_INFLIGHT;
    ob->max_attempts = (int)config_get_long(rt->cfg, "outbox", "max_attempts");
    if (ob->max_attempts < 1)
        ob->max_attempts = 1;
    ob->retry_base_ms = config_get_long(rt->cfg, "outbox", "retry_base_ms");
    ob->timeout_seconds = config_get_long(rt->cfg, "outbox", "timeout_seconds");
    ob->rate = (double)config_get_long(rt->cfg, "outbox", "rate_per_second");
    double t = now_seconds();
    for (int i = 0; i < METRICS_CHANNELS; i++) {
        ob->bucket[i].tokens = ob->rate < 1 ? 1 : ob->rate;
        ob->bucket[i].last = t;
    }
    if (format_parse_tz(config_get(rt->cfg, "locale", "timezone"), &ob->tz_seconds) != 0)
        ob->tz_seconds = 0;
    for (size_t ch = 0; channel_drivers[ch] && ch < METRICS_CHANNELS; ch++) {
        const char *key = channel_drivers[ch]->daily_limit_key;
        long limit = key ? config_get_long(rt->cfg, channel_drivers[ch]->name, key) : 0;
        ob->daily[ch].limit = limit > 0 ? limit : 0;
        ob->daily[ch].day_start = -1;
    }
    ob->store = store_open(db_path, err, errsz);
    ob->multi = curl_multi_init();
    if (!ob->store || !ob->multi) {
        if (!ob->multi)
            snprintf(err, errsz, "curl_multi_init failed");
        outbox_stop(ob);
        return NULL;
    }
    curl_multi_setopt(ob->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)ob->concurrency);
    return ob;
}

struct outbox *outbox_start(struct runtime *rt, const char *db_path, char *err, size_t errsz)
{
    struct outbox *ob = outbox_new(rt, db_path, err, errsz);
    if (!ob)
        return NULL;
    /* On SQLite this process is the only writer: whatever is still "sending" was in flight
     * when the last one stopped. On a database shared by several instances, what this
     * instance (same host and port) claimed before it stopped is, and claims that have
     * expired; the others are being sent by a live instance. */
    ob->recovered_at = now_seconds();
    recover(ob, ob->instance, store_is_shared(ob->store) ? (int64_t)time(NULL) : INT64_MAX);
    if (pthread_create(&ob->thread, NULL, run, ob) != 0) {
        snprintf(err, errsz, "cannot start the outbox thread");
        outbox_stop(ob);
        return NULL;
    }
    ob->thread_started = true;
    return ob;
}

void outbox_wake(struct outbox *ob)
{
    if (ob && ob->multi)
        curl_multi_wakeup(ob->multi);
}

void outbox_stop(struct outbox *ob)
{
    if (!ob)
        return;
    atomic_store(&ob->stopping, true);
    if (ob->thread_started) {
        outbox_wake(ob);
        pthread_join(ob->thread, NULL);
    }
    if (ob->multi)
        curl_multi_cleanup(ob->multi);
    store_close(ob->store);
    free(ob);
}

int outbox_drain(struct runtime *rt, const char *db_path, bool print_console)
{
    char err[256];
    struct outbox *ob = outbox_new(rt, db_path, err, sizeof err);
    if (!ob) {
        log_event(LOG_ERROR, "outbox", "error=\"%s\"", err);
        return -1;
    }
    ob->print_console = print_console;
    int total = 0, n;
    double deadline = now_seconds() + (double)ob->timeout_seconds;
    while (((n = step(ob, 50)) > 0 || ob->inflight > 0) && now_seconds() < deadline)
        total += n;
    outbox_stop(ob);
    return total;
}
