/* fuzz_parse.c - libFuzzer target: the message parser, its JSON (jansson and the direct writer,
 * which must agree byte for byte), and phone normalisation. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parse_json.h"
#include "phone.h"

/* Feeds one input to every pure entry point and checks the invariants callers rely on. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_result r;
    const char *text = (const char *)data;
    parse_message(text, size, &r);
    if (r.n_commands < 1 || r.n_commands > PARSE_MAX_COMMANDS)
        abort();
    for (int i = 0; i < r.n_commands; i++) {
        const struct parse_command *c = &r.commands[i];
        if (c->amount < 0 || c->amount > PARSE_AMOUNT_MAX || c->n_answers < 0 ||
            c->n_answers > PARSE_MAX_ANSWERS)
            abort();
        if (c->cmd == PARSE_CMD_NONE && c->error == PARSE_ERR_OK)
            abort();
        if (memchr(c->body, '\0', sizeof(c->body)) == NULL ||
            memchr(c->item, '\0', sizeof(c->item)) == NULL ||
            memchr(c->name, '\0', sizeof(c->name)) == NULL)
            abort();
    }
    json_t *j = parse_result_to_json(text, size, &r);
    if (j) {
        char *s = json_dumps(j, JSON_COMPACT);
        if (s) {
            json_error_t err;
            json_t *back = json_loads(s, JSON_ALLOW_NUL, &err);
            if (!back)
                abort(); /* our output must always be valid JSON */
            json_decref(back);
            /* the direct writer: the same bytes, and a prefix when the buffer is short */
            size_t n = strlen(s);
            char *w = malloc(n + 1);
            if (w) {
                if (parse_result_write_json(text, size, &r, w, n + 1) != n || memcmp(w, s, n + 1))
                    abort();
                size_t half = n / 2 + 1;
                if (parse_result_write_json(text, size, &r, w, half) != n ||
                    memcmp(w, s, half - 1) != 0 || w[half - 1] != '\0')
                    abort();
                free(w);
            }
            char *cmds = json_dumps(json_object_get(j, "commands"), JSON_COMPACT);
            char *fast = parse_commands_dumps(&r);
            if (cmds && fast && strcmp(cmds, fast) != 0)
                abort();
            free(fast);
            free(cmds);
            free(s);
        }
        json_decref(j);
    }
    char e164[PHONE_E164_MAX], masked[32];
    if (phone_normalize(text, size, "62", e164) == 0) {
        if (e164[0] != '+' || strlen(e164) < 9 || strlen(e164) > 16)
            abort();
        phone_mask(e164, masked, sizeof(masked));
    }
    char *z = malloc(size + 1); /* phone_mask takes a NUL-terminated string */
    if (z) {
        memcpy(z, data, size);
        z[size] = '\0';
        phone_mask(z, masked, sizeof(masked));
        free(z);
    }
    return 0;
}
