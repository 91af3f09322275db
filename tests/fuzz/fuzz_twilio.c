/* fuzz_twilio.c - libFuzzer target: the Twilio driver decodes arbitrary form bodies. */
#include "fuzz_driver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct channel_driver channel_twilio;

static void *state;

/* Loads a fixed configuration without an auth token, so every body reaches the decoder. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char ini[] = "[server]\npublic_url = https://catat.example.org\n"
                              "[twilio]\naccount_sid = AC1\nfrom = whatsapp:+14155238886\n";
    state = fuzz_driver_init(&channel_twilio, ini, sizeof ini - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A first byte 'S' sends the rest to the status callback. */
    bool status = size && data[0] == 'S';
    struct channel_request req = {
        .method = "POST",
        .sub = status ? "status" : "",
        .path = status ? "/webhook/twilio/status" : "/webhook/twilio",
        .body = (const char *)data + (status ? 1 : 0),
        .body_len = size - (status ? 1 : 0),
    };
    struct channel_events ev = {0};
    char err[256];
    channel_twilio.decode(state, &req, &ev, err, sizeof err);
    channel_events_free(&ev);
    return 0;
}
