/* phone.h - phone numbers to E.164 (+<country><number>), pure. */
#ifndef CATAT_PHONE_H
#define CATAT_PHONE_H

#include <stddef.h>

#define PHONE_E164_MAX 17 /* '+', up to 15 digits, NUL */

/* Normalises a phone number as members and providers write it: "08123456789", "628123456789",
 * "+62 812-3456-789", "whatsapp:+628123456789", "(0812) 3456 789". country_code is digits
 * without '+' ("62"). Writes "+628123456789" into out. Returns 0, or -1 when the input is not a
 * phone number (letters, too few or too many digits); out is then an empty string. */
int phone_normalize(const char *in, size_t len, const char *country_code, char out[PHONE_E164_MAX]);

/* Writes a masked form for logs into out: "+62812****789". */
void phone_mask(const char *e164, char *out, size_t outsz);

#endif
