/* web_form.h - the fields of a submitted form: application/x-www-form-urlencoded (through
 * channels/form.c) or multipart/form-data (RFC 7578, a file upload). Pure: bytes in, fields
 * out. */
#ifndef CATAT_WEB_FORM_H
#define CATAT_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_FORM_MAX_FIELDS 64

struct web_field {
    char *name;     /* new, NUL-terminated */
    char *value;    /* new, NUL-terminated; may hold NUL bytes inside for a file (see len) */
    size_t len;     /* bytes of value */
    char *filename; /* new, for a file part; NULL otherwise */
};

/* The fields in the order they came. Zero-initialise; web_form_free. */
struct web_form {
    struct web_field field[WEB_FORM_MAX_FIELDS];
    size_t n;
};

/* Decodes body (len bytes) sent with content_type into out (zeroed). A body that is not a
 * well-formed form of that type, more than WEB_FORM_MAX_FIELDS fields, or a field name or a
 * non-file value that is not UTF-8, is an error: returns -1 with err, out left empty. An
 * empty or missing content type with an empty body is an empty form. Returns 0 otherwise. */
int web_form_decode(const char *content_type, const char *body, size_t len, struct web_form *out,
                    char *err, size_t errsz);
/* The first field called name, or NULL; borrowed from f. */
const struct web_field *web_form_field(const struct web_form *f, const char *name);
/* Its value, or "" when absent. */
const char *web_form_get(const struct web_form *f, const char *name);
void web_form_free(struct web_form *f);

#endif
