/* keyword.h - command keywords of the message language: exact lookup and one-edit typo match. */
#ifndef CATAT_KEYWORD_H
#define CATAT_KEYWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"

#define KEYWORD_MAX_LEN 32 /* longer words are never keywords */

/* Looks up a lower-case word (ASCII letters or UTF-8; word is borrowed, len bytes). Returns the
 * command whose keyword equals the word; failing that, the one command with a keyword of four or
 * more letters one edit away (insert, delete, substitute, swap of neighbours), with *typo set.
 * The keywords of stop and start match only exactly. Returns PARSE_CMD_NONE when nothing or
 * keywords of two different commands match. typo may be NULL. */
enum parse_cmd keyword_lookup(const char *word, size_t len, bool *typo);

/* True when a (alen bytes) and b (blen bytes) are exactly one edit apart: one insertion,
 * deletion, substitution, or swap of two neighbouring bytes. Equal strings are not. */
bool keyword_one_edit(const char *a, size_t alen, const char *b, size_t blen);

#endif
