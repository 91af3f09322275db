/* whatsapp.h - the WhatsApp driver's notification decoders, for its tests and fuzz target (the
 * core reaches the driver through channel_whatsapp in the registry). */
#ifndef CATAT_WHATSAPP_H
#define CATAT_WHATSAPP_H

#include "channel.h"

enum whatsapp_decoder {
    WHATSAPP_JANSSON,          /* the full decoder: every message type, every refusal */
    WHATSAPP_PLAIN,            /* the fast path only: CHANNEL_NOT_FOUND when it declines */
    WHATSAPP_PLAIN_OR_JANSSON, /* what the driver does: the fast path, else the full one */
};

/* Decodes a notification's body into ev (empty before). The fast path takes plain ASCII text
 * messages and sent/delivered/read statuses and must yield exactly what the full decoder
 * yields for them. CHANNEL_OK, or a refusal with err (ev then empty). */
enum channel_rc whatsapp_decode_body(const char *body, size_t len, enum whatsapp_decoder how,
                                     struct channel_events *ev, char *err, size_t errsz);

#endif
