/* metrics.h - counters and histograms for GET /metrics (Prometheus text format, catat_ names). */
#ifndef CATAT_METRICS_H
#define CATAT_METRICS_H

#include <stddef.h>

#define METRICS_CHANNELS 8 /* indexes into channel_drivers[] */

enum metrics_counter {
    METRIC_INBOUND,       /* messages stored, per channel */
    METRIC_DUPLICATES,    /* provider retries acknowledged without storing, per channel */
    METRIC_STATUSES,      /* delivery statuses received, per channel */
    METRIC_REJECTED,      /* webhook requests refused with 4xx, per channel */
    METRIC_SENT,          /* messages the provider accepted, per channel */
    METRIC_SEND_RETRIES,  /* sends that will be tried again, per channel */
    METRIC_SEND_FAILURES, /* sends given up on, per channel */
    METRIC_SKIPPED,       /* webhook events skipped as unusable, per channel */
    METRIC_COUNTER_COUNT,
};

enum metrics_global {
    METRIC_PARSE_ERRORS,    /* commands that carried a parse error */
    METRIC_COMMITS,         /* group commits */
    METRIC_REPLIES_LIMITED, /* replies withheld by the per-sender hourly limit */
    METRIC_GLOBAL_COUNT,
};

void metrics_count(enum metrics_counter c, size_t channel);
void metrics_add(enum metrics_counter c, size_t channel, long n);
void metrics_add_global(enum metrics_global g, long n);
/* Records one HTTP request: its status and seconds from arrival to answer. */
void metrics_observe_request(int status, double seconds);
/* Renders everything into a new string (free it); outbox depth lines are passed in. */
char *metrics_render(const char *extra);

#endif
