/* channel_test.h - shared pieces of the channel driver tests: configs from INI text, requests. */
#ifndef CATAT_CHANNEL_TEST_H
#define CATAT_CHANNEL_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "config.h"

/* A configuration read from ini (INI text) through a temporary file. New; config_free it. */
static inline struct config *test_config(const char *ini)
{
    char path[] = "/tmp/catat-channel-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(ini);
    assert_int_equal(write(fd, ini, len), (ssize_t)len);
    close(fd);
    char err[256] = "";
    struct config *cfg = config_load(path, err, sizeof err);
    unlink(path);
    if (!cfg)
        fail_msg("config_load: %s", err);
    return cfg;
}

/* A driver's state from ini. */
static inline void *test_driver_state(const struct channel_driver *d, const char *ini)
{
    struct config *cfg = test_config(ini);
    void *state = NULL;
    char err[256] = "";
    if (d->init(&state, cfg, err, sizeof err) != 0)
        fail_msg("%s init: %s", d->name, err);
    config_free(cfg);
    return state;
}

/* Runs decode on one request; ev must be freed by the caller. */
static inline enum channel_rc test_decode(const struct channel_driver *d, void *state,
                                          const char *method, const char *sub, const char *path,
                                          const struct channel_kv *query, size_t n_query,
                                          const struct channel_kv *headers, size_t n_headers,
                                          const char *body, struct channel_events *ev, char *err,
                                          size_t errsz)
{
    struct channel_request req = {
        .method = method,
        .sub = sub,
        .path = path,
        .query = query,
        .n_query = n_query,
        .headers = headers,
        .n_headers = n_headers,
        .body = body ? body : "",
        .body_len = body ? strlen(body) : 0,
    };
    memset(ev, 0, sizeof *ev);
    err[0] = '\0';
    return d->decode(state, &req, ev, err, errsz);
}

/* Logs one table case's outcome and checks its code and how many messages, statuses and
 * skipped events its request gave. */
static inline void test_expect_events(const char *name, enum channel_rc rc, const char *err,
                                      const struct channel_events *ev, enum channel_rc want_rc,
                                      size_t n_in, size_t n_statuses, size_t n_skipped)
{
    print_message("case: %s -> %d %s\n", name, rc, err);
    assert_int_equal(rc, want_rc);
    assert_int_equal(ev->n_in, n_in);
    assert_int_equal(ev->n_statuses, n_statuses);
    assert_int_equal(ev->n_skipped, n_skipped);
}

#endif
