/* metrics.c - lock-free counters and a latency histogram, rendered for Prometheus. */
#include "metrics.h"

#include "channel.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const counter_names[METRIC_COUNTER_COUNT][2] = {
    {"catat_inbound_messages_total", "Inbound messages stored"},
    {"catat_inbound_duplicates_total", "Provider retries acknowledged without storing"},
    {"catat_delivery_statuses_total", "Delivery statuses received"},
    {"catat_webhook_rejected_total", "Webhook requests refused with 4xx"},
    {"catat_sent_total", "Messages accepted by the provider"},
    {"catat_send_retries_total", "Sends scheduled to be tried again"},
    {"catat_send_failures_total", "Sends given up on"},
    {"catat_webhook_events_skipped_total", "Webhook events skipped as unusable"},
};
static const char *const global_names[METRIC_GLOBAL_COUNT][2] = {
    {"catat_parse_errors_total", "Commands that could not be understood"},
    {"catat_commits_total", "Database group commits"},
    {"catat_replies_limited_total", "Replies withheld by the per-sender hourly limit"},
};

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

static atomic_long counters[METRIC_COUNTER_COUNT][METRICS_CHANNELS];
static atomic_long globals[METRIC_GLOBAL_COUNT];
static atomic_long request_buckets[N_BUCKETS + 1];
static atomic_long request_sum_us;
static atomic_long requests_by_class[6]; /* 1xx..5xx */

void metrics_count(enum metrics_counter c, size_t channel)
{
    metrics_add(c, channel, 1);
}

void metrics_add(enum metrics_counter c, size_t channel, long n)
{
    if (channel < METRICS_CHANNELS && n)
        atomic_fetch_add_explicit(&counters[c][channel], n, memory_order_relaxed);
}

void metrics_add_global(enum metrics_global g, long n)
{
    atomic_fetch_add_explicit(&globals[g], n, memory_order_relaxed);
}

void metrics_observe_request(int status, double seconds)
{
    size_t i = 0;
    while (i < N_BUCKETS && seconds > buckets[i])
        i++;
    atomic_fetch_add_explicit(&request_buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&request_sum_us, (long)(seconds * 1e6), memory_order_relaxed);
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        atomic_fetch_add_explicit(&requests_by_class[cls], 1, memory_order_relaxed);
}

char *metrics_render(const char *extra)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (int c = 0; c < METRIC_COUNTER_COUNT; c++) {
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", counter_names[c][0], counter_names[c][1],
                counter_names[c][0]);
        for (size_t ch = 0; ch < METRICS_CHANNELS && channel_drivers[ch]; ch++)
            fprintf(f, "%s{channel=\"%s\"} %ld\n", counter_names[c][0], channel_drivers[ch]->name,
                    atomic_load(&counters[c][ch]));
    }
    for (int g = 0; g < METRIC_GLOBAL_COUNT; g++)
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %ld\n", global_names[g][0],
                global_names[g][1], global_names[g][0], global_names[g][0],
                atomic_load(&globals[g]));
    fprintf(f, "# HELP catat_http_requests_total HTTP requests answered, by status class\n"
               "# TYPE catat_http_requests_total counter\n");
    for (int cls = 1; cls <= 5; cls++)
        fprintf(f, "catat_http_requests_total{code=\"%dxx\"} %ld\n", cls,
                atomic_load(&requests_by_class[cls]));
    fprintf(f, "# HELP catat_http_request_seconds Time from request to answer\n"
               "# TYPE catat_http_request_seconds histogram\n");
    long cumulative = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cumulative += atomic_load(&request_buckets[i]);
        fprintf(f, "catat_http_request_seconds_bucket{le=\"%g\"} %ld\n", buckets[i], cumulative);
    }
    cumulative += atomic_load(&request_buckets[N_BUCKETS]);
    fprintf(f, "catat_http_request_seconds_bucket{le=\"+Inf\"} %ld\n", cumulative);
    fprintf(f, "catat_http_request_seconds_sum %.6f\ncatat_http_request_seconds_count %ld\n",
            (double)atomic_load(&request_sum_us) / 1e6, cumulative);
    if (extra)
        fputs(extra, f);
    fclose(f);
    return buf;
}
