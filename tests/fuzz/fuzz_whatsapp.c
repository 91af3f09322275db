/* fuzz_whatsapp.c - libFuzzer target: the WhatsApp driver on arbitrary bodies and queries, and
 * its two body decoders against each other: whatever the plain fast path accepts, the full
 * (jansson) decoder must accept too, with the same events. */
#include "fuzz_driver.h"
#include "form.h"
#include "whatsapp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct channel_driver channel_whatsapp;

static void *state;

/* Loads a fixed configuration without secrets, so every body reaches the decoder. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char ini[] = "[whatsapp]\nphone_number_id = 1\naccess_token = t\n"
                              "verify_token = tok\ntemplate = t1\n";
    state = fuzz_driver_init(&channel_whatsapp, ini, sizeof ini - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct channel_events ev = {0};
    char err[256];
    if (size && data[0] == 'G') {
        /* "G" + a query string: the hub verification. */
        struct form q;
        if (form_parse((const char *)data + 1, size - 1, &q, err, sizeof err) != 0)
            return 0;
        struct channel_kv kv[16];
        size_t n = 0;
        for (size_t i = 0; i < q.n && n < 16; i++)
            kv[n++] = (struct channel_kv){q.fields[i].name, q.fields[i].value};
        struct channel_request req = {
            .method = "GET", .sub = "", .path = "/webhook/whatsapp", .query = kv, .n_query = n};
        channel_whatsapp.decode(state, &req, &ev, err, sizeof err);
        form_free(&q);
    } else {
        struct channel_request req = {.method = "POST",
                                      .sub = "",
                                      .path = "/webhook/whatsapp",
                                      .body = (const char *)data,
                                      .body_len = size};
        channel_whatsapp.decode(state, &req, &ev, err, sizeof err);
        for (size_t i = 0; i < ev.n_in; i++) /* what the core reads must be terminated */
            if (strlen(ev.in[i].from) >= sizeof ev.in[i].from || !ev.in[i].text)
                abort();
        struct channel_events plain = {0}, full = {0};
        if (whatsapp_decode_body((const char *)data, size, WHATSAPP_PLAIN, &plain, err,
                                 sizeof err) == CHANNEL_OK &&
            (whatsapp_decode_body((const char *)data, size, WHATSAPP_JANSSON, &full, err,
                                  sizeof err) != CHANNEL_OK ||
             !channel_events_equal(&plain, &full)))
            abort();
        channel_events_free(&plain);
        channel_events_free(&full);
    }
    channel_events_free(&ev);
    return 0;
}
