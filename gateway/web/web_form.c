/* web_form.c - decoding submitted forms: URL-encoded bodies and multipart/form-data uploads. */
#define _GNU_SOURCE /* memmem */
#include "web_form.h"

#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70 /* RFC 2046 */

static char *copy(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static int add(struct web_form *out, const char *name, size_t name_len, const char *value,
               size_t value_len, const char *filename, size_t filename_len, char *err, size_t errsz)
{
    if (out->n == WEB_FORM_MAX_FIELDS) {
        snprintf(err, errsz, "more than %d fields", WEB_FORM_MAX_FIELDS);
        return -1;
    }
    struct web_field *f = &out->field[out->n];
    f->name = copy(name, name_len);
    f->value = copy(value, value_len);
    f->len = value_len;
    f->filename = filename ? copy(filename, filename_len) : NULL;
    if (!f->name || !f->value || (filename && !f->filename)) {
        free(f->name);
        free(f->value);
        free(f->filename);
        memset(f, 0, sizeof *f);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    out->n++;
    return 0;
}

/* The value of parameter param ("boundary", "name") in a header value such as
 * `form-data; name="x"; filename="y.csv"`, quoted or not, into out. Returns its length or -1. */
static int header_param(const char *h, size_t hlen, const char *param, char *out, size_t outsz)
{
    size_t pl = strlen(param);
    for (size_t i = 0; i + pl < hlen; i++) {
        if ((i > 0 && h[i - 1] != ';' && h[i - 1] != ' ' && h[i - 1] != '\t') ||
            strncasecmp(h + i, param, pl) != 0 || h[i + pl] != '=')
            continue;
        size_t v = i + pl + 1, o = 0;
        if (v < hlen && h[v] == '"') {
            for (v++; v < hlen && h[v] != '"'; v++) {
                if (h[v] == '\\' && v + 1 < hlen)
                    v++;
                if (o + 1 >= outsz)
                    return -1;
                out[o++] = h[v];
            }
            if (v >= hlen)
                return -1; /* unterminated quote */
        } else {
            for (; v < hlen && h[v] != ';' && h[v] != ' ' && h[v] != '\t'; v++) {
                if (o + 1 >= outsz)
                    return -1;
                out[o++] = h[v];
            }
        }
        out[o] = '\0';
        return (int)o;
    }
    return -1;
}

/* Reads one part's headers in [p, end): the Content-Disposition's name and filename. */
static int part_headers(const char *p, const char *end, char *name, size_t namesz, char *filename,
                        size_t filenamesz, bool *is_file)
{
    *is_file = false;
    name[0] = '\0';
    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol || eol + 1 >= end || eol[1] != '\n')
            eol = end;
        size_t len = (size_t)(eol - p);
        static const char cd[] = "content-disposition:";
        if (len > sizeof cd - 1 && strncasecmp(p, cd, sizeof cd - 1) == 0) {
            const char *v = p + sizeof cd - 1;
            size_t vl = len - (sizeof cd - 1);
            while (vl && (*v == ' ' || *v == '\t'))
                v++, vl--;
            if (vl < 9 || strncasecmp(v, "form-data", 9) != 0)
                return -1;
            if (header_param(v, vl, "name", name, namesz) < 0)
                return -1;
            if (header_param(v, vl, "filename", filename, filenamesz) >= 0)
                *is_file = true;
        }
        p = eol + 2;
    }
    return name[0] ? 0 : -1;
}

static int decode_multipart(const char *content_type, const char *body, size_t len,
                            struct web_form *out, char *err, size_t errsz)
{
    char boundary[BOUNDARY_MAX + 1];
    int bl =
        header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary);
    if (bl <= 0) {
        snprintf(err, errsz, "multipart/form-data without a boundary");
        return -1;
    }
    /* delimiter: CRLF "--" boundary; the first may stand at the very start. */
    char delim[BOUNDARY_MAX + 5];
    int dl = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const char *end = body + len;
    const char *p;
    if (len >= (size_t)dl - 2 && memcmp(body, delim + 2, (size_t)dl - 2) == 0) {
        p = body + dl - 2;
    } else {
        p = memmem(body, len, delim, (size_t)dl);
        if (!p) {
            snprintf(err, errsz, "multipart body without its boundary");
            return -1;
        }
        p += dl;
    }
    for (;;) {
        /* after a delimiter: "--" (the end) or CRLF and a part */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            break;
        p += 2;
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        const char *content;
        if (hend) {
            content = hend + 4;
        } else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p; /* no headers at all */
            content = p + 2;
        } else {
            break;
        }
        char name[128], filename[256] = "";
        bool is_file;
        if (part_headers(p, hend, name, sizeof name, filename, sizeof filename, &is_file) != 0) {
            snprintf(err, errsz, "a part without Content-Disposition: form-data; name=...");
            return -1;
        }
        const char *next = memmem(content, (size_t)(end - content), delim, (size_t)dl);
        if (!next)
            break;
        size_t vlen = (size_t)(next - content);
        if (!form_utf8_valid(name, strlen(name)) ||
            (!is_file && (!form_utf8_valid(content, vlen) || memchr(content, '\0', vlen)))) {
            snprintf(err, errsz, "a field that is not UTF-8 text");
            return -1;
        }
        if (add(out, name, strlen(name), content, vlen, is_file ? filename : NULL, strlen(filename),
                err, errsz) != 0)
            return -1;
        p = next + dl;
    }
    snprintf(err, errsz, "the multipart body ends before its closing boundary");
    return -1;
}

int web_form_decode(const char *content_type, const char *body, size_t len, struct web_form *out,
                    char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    const char *ct = content_type ? content_type : "";
    int rc;
    if (strncasecmp(ct, "multipart/form-data", 19) == 0) {
        rc = decode_multipart(ct, body, len, out, err, errsz);
    } else if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 ||
               (!ct[0] && len == 0)) {
        struct form f = {0};
        rc = form_parse(body, len, &f, err, errsz);
        for (size_t i = 0; rc == 0 && i < f.n; i++)
            rc = add(out, f.fields[i].name, strlen(f.fields[i].name), f.fields[i].value,
                     strlen(f.fields[i].value), NULL, 0, err, errsz);
        form_free(&f);
    } else {
        snprintf(err, errsz,
                 "a form must be application/x-www-form-urlencoded or "
                 "multipart/form-data");
        rc = -1;
    }
    if (rc != 0)
        web_form_free(out);
    return rc;
}

const struct web_field *web_form_field(const struct web_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->field[i].name, name) == 0)
            return &f->field[i];
    return NULL;
}

const char *web_form_get(const struct web_form *f, const char *name)
{
    const struct web_field *x = web_form_field(f, name);
    return x ? x->value : "";
}

void web_form_free(struct web_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->field[i].name);
        free(f->field[i].value);
        free(f->field[i].filename);
    }
    memset(f, 0, sizeof *f);
}
