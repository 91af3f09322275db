/* parse_json.c - struct parse_result to the JSON of `catat parse`: a jansson tree, or the same
 * bytes written straight into a caller's buffer (the fast path of `catat parse` and the gateway).
 */
#include "parse_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* The fields of a command between "cmd" and "answers", in their JSON order; both the jansson
 * builder and the direct writer expand this list, so a new field is one line here.
 * INT(field): an integer, present when > 0. STR(field): a char array, present when not empty. */
#define PARSE_JSON_FIELDS(INT, STR)                                                                \
    INT(amount)                                                                                    \
    INT(qty)                                                                                       \
    STR(unit)                                                                                      \
    STR(item)                                                                                      \
    STR(ref)                                                                                       \
    STR(member)                                                                                    \
    STR(name)                                                                                      \
    STR(group)                                                                                     \
    STR(session)                                                                                   \
    STR(lang)                                                                                      \
    STR(target)                                                                                    \
    STR(body)

/* A copy of text in which every byte that is not valid UTF-8 is U+FFFD; *out_len its length.
 * New memory (free()), NULL on no memory. */
static char *json_valid_utf8(const char *text, size_t len, size_t *out_len)
{
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t n = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            out[n++] = (char)c;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0) {
            memcpy(out + n, "\xEF\xBF\xBD", 3);
            n += 3;
            i++;
        } else {
            memcpy(out + n, text + i, (size_t)r);
            n += (size_t)r;
            i += (size_t)r;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* Sets key to a string when s is not empty; false on failure. */
static bool json_put_string(json_t *o, const char *key, const char *s, size_t max)
{
    if (s[0] == '\0')
        return true;
    size_t n = strnlen(s, max);
    size_t vl;
    char *v = json_valid_utf8(s, n, &vl);
    if (!v)
        return false;
    int rc = json_object_set_new(o, key, json_stringn(v, vl));
    free(v);
    return rc == 0;
}

json_t *parse_command_to_json(const struct parse_command *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    bool ok = true;
    if (c->cmd != PARSE_CMD_NONE)
        ok = ok && json_object_set_new(o, "cmd", json_string(parse_cmd_name(c->cmd))) == 0;
#define PUT_INT(field)                                                                             \
    if (c->field > 0)                                                                              \
        ok = ok && json_object_set_new(o, #field, json_integer(c->field)) == 0;
#define PUT_STR(field) ok = ok && json_put_string(o, #field, c->field, sizeof(c->field));
    PARSE_JSON_FIELDS(PUT_INT, PUT_STR)
#undef PUT_INT
#undef PUT_STR
    if (c->n_answers > 0) {
        json_t *arr = json_array();
        ok = ok && arr && json_object_set_new(o, "answers", arr) == 0;
        for (int i = 0; ok && i < c->n_answers && i < PARSE_MAX_ANSWERS; i++) {
            char a[2] = {c->answers[i].a, '\0'};
            ok = json_array_append_new(
                     arr, json_pack("{s:i,s:s}", "q", c->answers[i].q, "a", a[0] ? a : "?")) == 0;
        }
    }
    if (c->typo)
        ok = ok && json_object_set_new(o, "typo", json_true()) == 0;
    if (c->error != PARSE_ERR_OK)
        ok = ok && json_object_set_new(o, "error", json_string(parse_error_name(c->error))) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *parse_result_to_json(const char *text, size_t len, const struct parse_result *r)
{
    size_t vl = 0;
    char *valid = json_valid_utf8(text ? text : "", text ? len : 0, &vl);
    json_t *o = json_object();
    json_t *cmds = json_array();
    bool ok = valid && o && cmds;
    ok = ok && json_object_set_new(o, "text", json_stringn(valid, vl)) == 0;
    free(valid);
    if (ok) {
        ok = json_object_set_new(o, "commands", cmds) == 0;
    } else {
        json_decref(cmds);
    }
    for (int i = 0; ok && i < r->n_commands && i < PARSE_MAX_COMMANDS; i++) {
        json_t *c = parse_command_to_json(&r->commands[i]);
        ok = c && json_array_append_new(cmds, c) == 0;
    }
    if (ok && r->truncated)
        ok = json_object_set_new(o, "truncated", json_true()) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The direct writer. It makes the bytes json_dumps(..., JSON_COMPACT) makes of the tree above:
 * keys in insertion order, no spaces, strings escaped as jansson escapes them (\" \\ \b \f \n
 * \r \t, other bytes below 0x20 as \u00XX in upper-case hex, everything else as is), each byte
 * that does not start valid UTF-8 (by utf8proc, as json_valid_utf8) as U+FFFD. */

/* Output into buf[0..cap) with snprintf's contract: n counts every byte, written or not. */
struct json_out {
    char *p;   /* next byte to write */
    char *end; /* one before the last byte of the buffer: room is kept for the NUL */
    size_t n;  /* bytes the whole JSON takes so far */
};

static void out_bytes(struct json_out *o, const char *s, size_t len)
{
    size_t room = (size_t)(o->end - o->p);
    size_t w = len < room ? len : room;
    if (w > 0) { /* memcpy's pointers must not be NULL, even for 0 bytes */
        memcpy(o->p, s, w);
        o->p += w;
    }
    o->n += len;
}

#define OUT_LITERAL(o, lit) out_bytes((o), (lit), sizeof(lit) - 1)

static void out_byte(struct json_out *o, char c)
{
    if (o->p < o->end)
        *o->p++ = c;
    o->n++;
}

/* A decimal integer, as jansson's "%" JSON_INTEGER_FORMAT prints it. */
static void out_int(struct json_out *o, int64_t v)
{
    char digits[24];
    char *d = digits + sizeof(digits);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--d = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--d = '-';
    out_bytes(o, d, (size_t)(digits + sizeof(digits) - d));
}

/* 0: an ASCII byte that is copied as is; 1: an ASCII byte that is escaped; 2: the first byte of
 * a multi-byte sequence or an invalid byte, decoded with utf8proc. */
static unsigned char json_byte_class(unsigned char c)
{
    if (c >= 0x80)
        return 2;
    return c < 0x20 || c == '"' || c == '\\';
}

/* A JSON string of s[0..len), quotes included. */
static void out_string(struct json_out *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    out_byte(o, '"');
    size_t run = 0; /* start of the bytes not yet written, all copied as they are */
    size_t i = 0;
    while (i < len) {
        unsigned char k = json_byte_class(u[i]);
        if (k == 0) {
            i++;
            continue;
        }
        if (k == 2) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t r = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
            if (r > 0) { /* valid: part of the run */
                i += (size_t)r;
                continue;
            }
        }
        out_bytes(o, s + run, i - run);
        if (k == 2) {
            OUT_LITERAL(o, "\xEF\xBF\xBD");
        } else {
            char e[6] = {'\\', 0, 0, 0, 0, 0};
            size_t el = 2;
            switch (u[i]) {
            case '"':
                e[1] = '"';
                break;
            case '\\':
                e[1] = '\\';
                break;
            case '\b':
                e[1] = 'b';
                break;
            case '\f':
                e[1] = 'f';
                break;
            case '\n':
                e[1] = 'n';
                break;
            case '\r':
                e[1] = 'r';
                break;
            case '\t':
                e[1] = 't';
                break;
            default:
                e[1] = 'u';
                e[2] = '0';
                e[3] = '0';
                e[4] = hex[u[i] >> 4];
                e[5] = hex[u[i] & 0xf];
                el = 6;
            }
            out_bytes(o, e, el);
        }
        i++;
        run = i;
    }
    out_bytes(o, s + run, i - run);
    out_byte(o, '"');
}

/* ,"key": before a member; the first member of an object has no comma. */
static void out_key(struct json_out *o, bool *first, const char *key, size_t key_len)
{
    if (!*first)
        out_byte(o, ',');
    *first = false;
    out_byte(o, '"');
    out_bytes(o, key, key_len);
    OUT_LITERAL(o, "\":");
}

#define OUT_KEY(o, first, lit) out_key((o), (first), (lit), sizeof(lit) - 1)

static void out_command(struct json_out *o, const struct parse_command *c)
{
    bool first = true;
    out_byte(o, '{');
    if (c->cmd != PARSE_CMD_NONE) {
        const char *name = parse_cmd_name(c->cmd);
        OUT_KEY(o, &first, "cmd");
        out_string(o, name, strlen(name));
    }
#define OUT_INT(field)                                                                             \
    if (c->field > 0) {                                                                            \
        OUT_KEY(o, &first, #field);                                                                \
        out_int(o, c->field);                                                                      \
    }
#define OUT_STR(field)                                                                             \
    if (c->field[0] != '\0') {                                                                     \
        OUT_KEY(o, &first, #field);                                                                \
        out_string(o, c->field, strnlen(c->field, sizeof(c->field)));                              \
    }
    PARSE_JSON_FIELDS(OUT_INT, OUT_STR)
#undef OUT_INT
#undef OUT_STR
    if (c->n_answers > 0) {
        OUT_KEY(o, &first, "answers");
        out_byte(o, '[');
        for (int i = 0; i < c->n_answers && i < PARSE_MAX_ANSWERS; i++) {
            if (i > 0)
                out_byte(o, ',');
            OUT_LITERAL(o, "{\"q\":");
            out_int(o, c->answers[i].q);
            OUT_LITERAL(o, ",\"a\":");
            char a = c->answers[i].a ? c->answers[i].a : '?';
            out_string(o, &a, 1);
            out_byte(o, '}');
        }
        out_byte(o, ']');
    }
    if (c->typo) {
        OUT_KEY(o, &first, "typo");
        OUT_LITERAL(o, "true");
    }
    if (c->error != PARSE_ERR_OK) {
        const char *name = parse_error_name(c->error);
        OUT_KEY(o, &first, "error");
        out_string(o, name, strlen(name));
    }
    out_byte(o, '}');
}

static void out_commands(struct json_out *o, const struct parse_result *r)
{
    out_byte(o, '[');
    for (int i = 0; i < r->n_commands && i < PARSE_MAX_COMMANDS; i++) {
        if (i > 0)
            out_byte(o, ',');
        out_command(o, &r->commands[i]);
    }
    out_byte(o, ']');
}

/* Starts output into buf; a buffer of 0 bytes takes nothing, not even the NUL. */
static struct json_out out_start(char *buf, size_t bufsz)
{
    struct json_out o = {.p = buf, .end = bufsz > 0 ? buf + bufsz - 1 : buf, .n = 0};
    return o;
}

static size_t out_finish(struct json_out *o, size_t bufsz)
{
    if (bufsz > 0)
        *o->p = '\0';
    return o->n;
}

size_t parse_result_write_json(const char *text, size_t len, const struct parse_result *r,
                               char *buf, size_t bufsz)
{
    struct json_out o = out_start(buf, bufsz);
    OUT_LITERAL(&o, "{\"text\":");
    out_string(&o, text ? text : "", text ? len : 0);
    OUT_LITERAL(&o, ",\"commands\":");
    out_commands(&o, r);
    if (r->truncated)
        OUT_LITERAL(&o, ",\"truncated\":true");
    out_byte(&o, '}');
    return out_finish(&o, bufsz);
}

size_t parse_commands_write_json(const struct parse_result *r, char *buf, size_t bufsz)
{
    struct json_out o = out_start(buf, bufsz);
    out_commands(&o, r);
    return out_finish(&o, bufsz);
}

char *parse_commands_dumps(const struct parse_result *r)
{
    char small[1024];
    size_t n = parse_commands_write_json(r, small, sizeof(small));
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n < sizeof(small))
        memcpy(s, small, n + 1);
    else
        parse_commands_write_json(r, s, n + 1);
    return s;
}
