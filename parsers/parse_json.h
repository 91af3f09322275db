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

#endif
