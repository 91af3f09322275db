/* fuzz_web_form.c - libFuzzer target: the web app's form decoder (URL-encoded bodies and
 * multipart/form-data uploads) on arbitrary bodies and Content-Type headers. */
#include "web_form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Up to the first newline: the Content-Type (when it starts with 'm', multipart with that
     * line's boundary; else URL-encoded); the rest is the body. */
    const char *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - (const char *)data) : 0;
    char ctype[256];
    if (head >= sizeof ctype)
        head = sizeof ctype - 1;
    memcpy(ctype, data, head);
    ctype[head] = '\0';
    if (memchr(ctype, '\0', head))
        return 0;
    const char *body = nl ? nl + 1 : (const char *)data;
    size_t len = size - (size_t)(body - (const char *)data);
    const char *type = ctype[0] == 'm' ? ctype : "application/x-www-form-urlencoded";
    char mct[300];
    if (ctype[0] == 'm') {
        snprintf(mct, sizeof mct, "multipart/form-data; boundary=%s", ctype + 1);
        type = mct;
    }
    struct web_form f;
    char err[160];
    if (web_form_decode(type, body, len, &f, err, sizeof err) == 0) {
        for (size_t i = 0; i < f.n; i++) {
            /* every field is NUL-terminated at its length, and found by its name */
            if (f.field[i].value[f.field[i].len] != '\0' || !web_form_field(&f, f.field[i].name))
                abort();
        }
        web_form_free(&f);
    } else if (f.n != 0) {
        abort(); /* an error leaves the form empty */
    }
    return 0;
}
