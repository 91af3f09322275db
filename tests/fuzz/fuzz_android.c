/* fuzz_android.c - libFuzzer target: the SMS Gateway for Android driver on arbitrary bodies. */
#include "fuzz_driver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct channel_driver channel_android;

static void *state;

/* A fixed configuration without a signing key, so every body reaches the decoder. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char ini[] = "[android]\napi_base = http://127.0.0.1:9\nusername = u\n"
                              "password = p\n";
    state = fuzz_driver_init(&channel_android, ini, sizeof ini - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct channel_events ev = {0};
    char err[256];
    struct channel_request req = {.method = "POST",
                                  .sub = "",
                                  .path = "/webhook/android",
                                  .body = (const char *)data,
                                  .body_len = size};
    enum channel_rc rc = channel_android.decode(state, &req, &ev, err, sizeof err);
    if (rc != CHANNEL_OK && ev.n_in + ev.n_statuses + ev.n_skipped)
        abort();                         /* a refused request yields nothing */
    for (size_t i = 0; i < ev.n_in; i++) /* what the core reads must be terminated */
        if (strlen(ev.in[i].from) >= sizeof ev.in[i].from || !ev.in[i].text ||
            strlen(ev.in[i].provider_id) >= sizeof ev.in[i].provider_id)
            abort();
    for (size_t i = 0; i < ev.n_statuses; i++)
        if (strlen(ev.statuses[i].provider_id) >= sizeof ev.statuses[i].provider_id)
            abort();
    channel_events_free(&ev);
    return 0;
}
