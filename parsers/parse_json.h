/* parse_json.h - a parse result as the JSON object of `catat parse` (product.md section 4). */
#ifndef CATAT_PARSE_JSON_H
#define CATAT_PARSE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "parse.h"

/* Builds {"text": ..., "commands": [{"cmd": ..., fields that are set..., "error": ...}]}.
 * text (len bytes, borrowed) is the message as received; invalid UTF-8 in it becomes U+FFFD.
 * r is borrowed. Returns a new reference (the caller json_decref()s it), NULL on no memory. */
json_t *parse_result_to_json(const char *text, size_t len, const struct parse_result *r);

/* The command alone as a JSON object (new reference; NULL on no memory). c is borrowed. */
json_t *parse_command_to_json(const struct parse_command *c);

/* Writes the same JSON as json_dumps(parse_result_to_json(text, len, r), JSON_COMPACT), byte for
 * byte, into buf (caller-owned, bufsz bytes), without allocating. Like snprintf: returns the
 * length of the whole JSON (without its NUL); when that is bufsz or more, buf holds a
 * NUL-terminated prefix only and the caller retries with a buffer of the returned length + 1.
 * text (len bytes) and r are borrowed; text may be NULL when len is 0. */
size_t parse_result_write_json(const char *text, size_t len, const struct parse_result *r,
                               char *buf, size_t bufsz);

/* The commands array alone, [{"cmd": ...}, ...], as parse_result_write_json writes it inside the
 * object (what the gateway stores with each message). Same buffer contract. r is borrowed. */
size_t parse_commands_write_json(const struct parse_result *r, char *buf, size_t bufsz);

/* The commands array as a new NUL-terminated string (the caller free()s it), NULL on no memory:
 * a drop-in for json_dumps() of the "commands" member of parse_result_to_json. */
char *parse_commands_dumps(const struct parse_result *r);

#endif
