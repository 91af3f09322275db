/* console.c - the development channel: JSON {"from","text","id"} in, replies printed and returned.
 */
#include "channel.h"
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int console_init(void **state, const struct config *cfg, char *err, size_t errsz)
{
    *state = NULL;
    return 0;
}

static void console_fini(void *state)
{
}

/* Copies a JSON string member into dst; returns false when absent, not a string or too long. */
static bool member(json_t *obj, const char *key, char *dst, size_t dstsz)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return false;
    return channel_copy(dst, dstsz, json_string_value(v));
}

static enum channel_rc console_decode(void *state, const struct channel_request *req,
                                      struct channel_events *ev, char *err, size_t errsz)
{
    if (req->sub[0])
        return CHANNEL_NOT_FOUND;
    if (strcmp(req->method, "POST") != 0)
        return CHANNEL_BAD_METHOD;
    json_error_t jerr;
    json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errsz, "malformed JSON: %s", jerr.text);
        return CHANNEL_BAD_REQUEST;
    }
    enum channel_rc rc = CHANNEL_BAD_REQUEST;
    json_t *text = json_object_get(root, "text");
    char from[CHANNEL_ADDR_MAX], id[CHANNEL_ID_MAX] = "";
    if (!json_is_object(root)) {
        snprintf(err, errsz, "expected a JSON object");
    } else if (!member(root, "from", from, sizeof from) || !from[0]) {
        snprintf(err, errsz, "\"from\" must be a phone number string");
    } else if (!json_is_string(text)) {
        snprintf(err, errsz, "\"text\" must be a string");
    } else if (json_object_get(root, "id") && !member(root, "id", id, sizeof id)) {
        snprintf(err, errsz, "\"id\" must be a string of at most %d bytes", CHANNEL_ID_MAX - 1);
    } else {
        struct channel_inbound *in =
            channel_events_add_inbound(ev, json_string_value(text), json_string_length(text));
        if (in) {
            channel_copy(in->from, sizeof in->from, from);
            channel_copy(in->provider_id, sizeof in->provider_id, id);
            rc = CHANNEL_OK;
        } else {
            snprintf(err, errsz, "out of memory");
        }
    }
    json_decref(root);
    return rc;
}

static int console_build_send(void *state, const struct channel_message *msg,
                              struct channel_send *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out); /* method NULL: delivered locally, nothing to send */
    return 0;
}

static int console_read_send_response(void *state, long http_status, const char *body, size_t len,
                                      char *provider_id, size_t idsz, char *err, size_t errsz)
{
    provider_id[0] = '\0';
    return 0;
}

static const struct config_setting console_settings[] = {
    {"enabled", "true", CONFIG_BOOL},
    {NULL, NULL, CONFIG_TEXT},
};

const struct channel_driver channel_console = {
    .name = "console",
    .settings = console_settings,
    .replies_in_answer = true,
    .init = console_init,
    .fini = console_fini,
    .decode = console_decode,
    .build_send = console_build_send,
    .read_send_response = console_read_send_response,
};
