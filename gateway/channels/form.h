/* form.h - application/x-www-form-urlencoded bodies and query strings: parsing and building. */
#ifndef CATAT_FORM_H
#define CATAT_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* One decoded name=value pair; both NUL-terminated, valid UTF-8, without NUL bytes inside. */
struct form_field {
    char *name;
    char *value;
};

/* The fields of one form in the order they came, repeated names kept. Zero-initialise it;
 * form_free releases it. */
struct form {
    struct form_field *fields;
    size_t n, cap;
};

/* Parses buf (len bytes, need not be NUL-terminated) into out, which must be zeroed or freed.
 * '+' is a space, %XX a byte; a '%' without two hex digits, an encoded NUL or invalid UTF-8 is
 * an error: returns -1 with a message in err and leaves out empty. Returns 0 otherwise. Empty
 * segments ("a=1&&b=2") are skipped; a segment without '=' is a name with an empty value. */
int form_parse(const char *buf, size_t len, struct form *out, char *err, size_t errsz);

/* The value of the first field called name (borrowed from f), or NULL. */
const char *form_get(const struct form *f, const char *name);

/* Frees the fields of f and zeroes it; NULL is fine. */
void form_free(struct form *f);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
bool form_utf8_valid(const char *s, size_t len);

/* A growing string for building bodies and URLs. Zero-initialise it. An allocation failure
 * sticks (failed) and makes form_buf_steal return NULL, so callers check once at the end. */
struct form_buf {
    char *data;
    size_t len, cap;
    bool failed;
};

/* Appends s as it is. */
void form_buf_add(struct form_buf *b, const char *s);
/* Appends s[0..len) form-encoded: letters, digits and "*-._" kept, space as '+', the rest %XX. */
void form_buf_add_encoded(struct form_buf *b, const char *s, size_t len);
/* Appends "name=value" (value encoded), preceded by '&' unless b is empty or ends with '?' or
 * '&'. */
void form_buf_add_pair(struct form_buf *b, const char *name, const char *value);
/* Hands over the built string (new, malloc'd; "" when nothing was added), or NULL when an
 * allocation failed; b is left empty either way. */
char *form_buf_steal(struct form_buf *b);
/* Frees whatever b holds; NULL is fine. */
void form_buf_free(struct form_buf *b);

#endif
