/* fuzz_kannel.c - libFuzzer target: the Kannel driver on arbitrary MO queries, bodies and DLRs. */
#include "fuzz_driver.h"
#include "form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct channel_driver channel_kannel;

static void *state;

/* Loads a fixed configuration without a secret, so every request reaches the decoder. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char ini[] = "[kannel]\nusername = u\npassword = p\n";
    state = fuzz_driver_init(&channel_kannel, ini, sizeof ini - 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* First byte: 'P' = POST /webhook/kannel with the rest as body; 'D' = GET DLR with the rest
     * as query; anything else = GET /webhook/kannel with the rest as query. */
    char mode = size ? (char)data[0] : 'G';
    const char *rest = size ? (const char *)data + 1 : "";
    size_t rest_len = size ? size - 1 : 0;
    struct channel_events ev = {0};
    char err[256];
    struct channel_request req = {.method = "GET", .sub = "", .path = "/webhook/kannel"};
    struct form q = {0};
    struct channel_kv kv[16];
    if (mode == 'P') {
        req.method = "POST";
        req.body = rest;
        req.body_len = rest_len;
    } else {
        if (form_parse(rest, rest_len, &q, err, sizeof err) != 0)
            return 0;
        size_t n = 0;
        for (size_t i = 0; i < q.n && n < 16; i++)
            kv[n++] = (struct channel_kv){q.fields[i].name, q.fields[i].value};
        req.query = kv;
        req.n_query = n;
        if (mode == 'D') {
            req.sub = "dlr";
            req.path = "/webhook/kannel/dlr";
        }
    }
    channel_kannel.decode(state, &req, &ev, err, sizeof err);
    channel_events_free(&ev);
    form_free(&q);
    return 0;
}
