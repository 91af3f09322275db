/* form.c - application/x-www-form-urlencoded parsing into decoded pairs, and encoding helpers. */
#include "form.h"

#include "channel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool form_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

/* Decodes s[0..len) into a new string. Returns NULL with err on a bad escape, an encoded NUL,
 * invalid UTF-8 or no memory; at is the offset of s in the whole form, for the message. */
static char *decode_part(const char *s, size_t len, size_t at, char *err, size_t errsz)
{
    char *out = malloc(len + 1);
    if (!out) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            out[n++] = ' ';
        } else if (c == '%') {
            int hi = i + 1 < len ? channel_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? channel_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(err, errsz, "bad percent escape at offset %zu", at + i);
                free(out);
                return NULL;
            }
            unsigned char byte = (unsigned char)(hi << 4 | lo);
            if (byte == 0) {
                snprintf(err, errsz, "encoded NUL byte at offset %zu", at + i);
                free(out);
                return NULL;
            }
            out[n++] = (char)byte;
            i += 2;
        } else if (c == '\0') {
            snprintf(err, errsz, "NUL byte at offset %zu", at + i);
            free(out);
            return NULL;
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    if (!form_utf8_valid(out, n)) {
        snprintf(err, errsz, "invalid UTF-8 in the field at offset %zu", at);
        free(out);
        return NULL;
    }
    return out;
}

int form_parse(const char *buf, size_t len, struct form *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    size_t start = 0;
    while (start <= len) {
        const char *amp = start < len ? memchr(buf + start, '&', len - start) : NULL;
        size_t end = amp ? (size_t)(amp - buf) : len;
        if (end > start) {
            const char *eq = memchr(buf + start, '=', end - start);
            size_t name_end = eq ? (size_t)(eq - buf) : end;
            size_t value_start = eq ? name_end + 1 : end;
            if (out->n == out->cap) {
                size_t ncap = out->cap ? out->cap * 2 : 16;
                struct form_field *f = realloc(out->fields, ncap * sizeof *f);
                if (!f) {
                    snprintf(err, errsz, "out of memory");
                    goto fail;
                }
                out->fields = f;
                out->cap = ncap;
            }
            char *name = decode_part(buf + start, name_end - start, start, err, errsz);
            if (!name)
                goto fail;
            char *value =
                decode_part(buf + value_start, end - value_start, value_start, err, errsz);
            if (!value) {
                free(name);
                goto fail;
            }
            out->fields[out->n].name = name;
            out->fields[out->n].value = value;
            out->n++;
        }
        if (!amp)
            break;
        start = end + 1;
    }
    return 0;
fail:
    form_free(out);
    return -1;
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}

void form_free(struct form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    memset(f, 0, sizeof *f);
}

/* Makes room for extra more bytes plus the terminating NUL. */
static bool reserve(struct form_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    char *p = realloc(b->data, ncap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = ncap;
    return true;
}

static void add_bytes(struct form_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void form_buf_add(struct form_buf *b, const char *s)
{
    add_bytes(b, s, strlen(s));
}

void form_buf_add_encoded(struct form_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!reserve(b, len * 3))
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '*' || c == '-' || c == '.' || c == '_') {
            b->data[b->len++] = (char)c;
        } else if (c == ' ') {
            b->data[b->len++] = '+';
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = hex[c >> 4];
            b->data[b->len++] = hex[c & 15];
        }
    }
    b->data[b->len] = '\0';
}

void form_buf_add_pair(struct form_buf *b, const char *name, const char *value)
{
    if (b->len && b->data[b->len - 1] != '?' && b->data[b->len - 1] != '&')
        add_bytes(b, "&", 1);
    form_buf_add(b, name);
    add_bytes(b, "=", 1);
    form_buf_add_encoded(b, value, strlen(value));
}

char *form_buf_steal(struct form_buf *b)
{
    if (!b->failed && !b->data)
        reserve(b, 0);
    if (b->failed) {
        form_buf_free(b);
        return NULL;
    }
    if (b->data)
        b->data[b->len] = '\0';
    char *s = b->data;
    memset(b, 0, sizeof *b);
    return s;
}

void form_buf_free(struct form_buf *b)
{
    if (!b)
        return;
    free(b->data);
    memset(b, 0, sizeof *b);
}
