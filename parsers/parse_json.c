/* parse_json.c - struct parse_result to the JSON of `catat parse`, with jansson. */
#include "parse_json.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

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
    if (c->amount > 0)
        ok = ok && json_object_set_new(o, "amount", json_integer(c->amount)) == 0;
    if (c->qty > 0)
        ok = ok && json_object_set_new(o, "qty", json_integer(c->qty)) == 0;
#define PUT(field) ok = ok && json_put_string(o, #field, c->field, sizeof(c->field))
    PUT(unit);
    PUT(item);
    PUT(ref);
    PUT(member);
    PUT(name);
    PUT(group);
    PUT(session);
    PUT(lang);
    PUT(target);
    PUT(body);
#undef PUT
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
