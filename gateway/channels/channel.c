/* channel.c - helpers shared by the channel drivers: event arrays, header and query lookup. */
#include "channel.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Grows *arr (of elements of size elsz) so that one more fits. Returns 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t elsz)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 1;
    void *p = realloc(*arr, ncap * elsz);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

struct channel_inbound *channel_events_add_inbound(struct channel_events *ev, const char *text,
                                                   size_t text_len)
{
    if (grow((void **)&ev->in, &ev->cap_in, ev->n_in, sizeof *ev->in) != 0)
        return NULL;
    char *copy = malloc(text_len + 1);
    if (!copy)
        return NULL;
    if (text_len)
        memcpy(copy, text, text_len);
    copy[text_len] = '\0';
    struct channel_inbound *in = &ev->in[ev->n_in++];
    memset(in, 0, sizeof *in);
    in->text = copy;
    return in;
}

struct channel_status *channel_events_add_status(struct channel_events *ev)
{
    if (grow((void **)&ev->statuses, &ev->cap_statuses, ev->n_statuses, sizeof *ev->statuses) != 0)
        return NULL;
    struct channel_status *st = &ev->statuses[ev->n_statuses++];
    memset(st, 0, sizeof *st);
    return st;
}

struct channel_skip *channel_events_add_skip(struct channel_events *ev, const char *kind,
                                             const char *reason, const char *from)
{
    if (grow((void **)&ev->skipped, &ev->cap_skipped, ev->n_skipped, sizeof *ev->skipped) != 0)
        return NULL;
    struct channel_skip *sk = &ev->skipped[ev->n_skipped++];
    memset(sk, 0, sizeof *sk);
    channel_copy(sk->kind, sizeof sk->kind, kind ? kind : "message");
    channel_copy(sk->reason, sizeof sk->reason, reason ? reason : "");
    channel_copy(sk->from, sizeof sk->from, from ? from : "");
    return sk;
}

bool channel_inbound_set_meta(struct channel_inbound *in, const char *json)
{
    free(in->meta);
    in->meta = json ? strdup(json) : NULL;
    return !json || in->meta;
}

bool channel_inbound_take_meta(struct channel_inbound *in, json_t *meta)
{
    bool ok = true;
    if (json_object_size(meta)) {
        char *text = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(12));
        ok = text && channel_inbound_set_meta(in, text);
        free(text);
    }
    json_decref(meta);
    return ok;
}

void channel_events_free(struct channel_events *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n_in; i++) {
        free(ev->in[i].text);
        free(ev->in[i].meta);
    }
    free(ev->in);
    free(ev->statuses);
    free(ev->skipped);
    free(ev->response);
    memset(ev, 0, sizeof *ev);
}

void channel_send_free(struct channel_send *s)
{
    if (!s)
        return;
    free(s->url);
    free(s->body);
    for (size_t i = 0; i < s->n_headers; i++)
        free(s->headers[i]);
    free(s->userpwd);
    memset(s, 0, sizeof *s);
}

const char *channel_header(const struct channel_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const char *channel_query(const struct channel_request *req, const char *key)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].key, key) == 0)
            return req->query[i].value;
    return NULL;
}

bool channel_copy(char *dst, size_t dstsz, const char *src)
{
    size_t n = strlen(src);
    bool fits = n < dstsz;
    if (!fits)
        n = dstsz - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

void channel_free_secret(char *secret)
{
    if (secret)
        OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
}

bool channel_secret_equal(const char *given, const char *expected)
{
    size_t lg = strlen(given), le = strlen(expected);
    return lg == le && CRYPTO_memcmp(given, expected, le) == 0;
}

bool channel_require(char *err, size_t errsz, const char *driver, ...)
{
    va_list ap;
    va_start(ap, driver);
    const char *key, *missing = NULL;
    while (!missing && (key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (!value[0])
            missing = key;
    }
    va_end(ap);
    if (missing)
        snprintf(err, errsz, "[%s] %s must be set when the channel is enabled", driver, missing);
    return !missing;
}

void channel_strip_slashes(char *url)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        url[--n] = '\0';
}

bool channel_is_user_id(const char *addr)
{
    if (!addr || !(addr[0] >= 'A' && addr[0] <= 'Z') || !(addr[1] >= 'A' && addr[1] <= 'Z') ||
        addr[2] != '.')
        return false;
    size_t n = 0;
    for (const char *p = addr + 3; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!ok)
            return false;
    }
    return n >= 1 && n <= 64;
}

int channel_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool channel_hex_decode(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = channel_hex_value((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : channel_hex_value((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool channel_events_equal(const struct channel_events *a, const struct channel_events *b)
{
    if (a->n_in != b->n_in || a->n_statuses != b->n_statuses || a->n_skipped != b->n_skipped ||
        !same_text(a->response, b->response))
        return false;
    for (size_t i = 0; i < a->n_in; i++) {
        const struct channel_inbound *x = &a->in[i], *y = &b->in[i];
        if (strcmp(x->from, y->from) || strcmp(x->to, y->to) || strcmp(x->user_id, y->user_id) ||
            strcmp(x->provider_id, y->provider_id) || strcmp(x->media, y->media) ||
            strcmp(x->media_ref, y->media_ref) || strcmp(x->mime, y->mime) ||
            x->group != y->group || x->at != y->at || !same_text(x->text, y->text) ||
            !same_text(x->meta, y->meta))
            return false;
    }
    for (size_t i = 0; i < a->n_statuses; i++) {
        const struct channel_status *x = &a->statuses[i], *y = &b->statuses[i];
        if (strcmp(x->provider_id, y->provider_id) || x->delivery != y->delivery ||
            strcmp(x->error, y->error) || x->failure != y->failure || x->at != y->at)
            return false;
    }
    for (size_t i = 0; i < a->n_skipped; i++) {
        const struct channel_skip *x = &a->skipped[i], *y = &b->skipped[i];
        if (strcmp(x->kind, y->kind) || strcmp(x->reason, y->reason) || strcmp(x->from, y->from))
            return false;
    }
    return true;
}
