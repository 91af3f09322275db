/* sms.h - SMS encoding facts: is a text GSM-7, and how many segments does it take. */
#ifndef CATAT_SMS_H
#define CATAT_SMS_H

#include <stdbool.h>
#include <stddef.h>

/* True when every character of utf8[0..len) is in the GSM 03.38 default alphabet or its
 * extension table, so the text can go as 7-bit. Invalid UTF-8 is not GSM-7. */
bool sms_is_gsm7(const char *utf8, size_t len);

/* The number of SMS segments utf8[0..len) takes: GSM-7 160 septets in one, 153 per part of a
 * long message (extension characters count 2 and are never split); otherwise UCS-2, 70 UTF-16
 * units in one, 67 per part (characters beyond U+FFFF count 2 and are never split). An empty
 * text is 1 segment. *ucs2 (when not NULL) says which encoding was counted. Invalid UTF-8 bytes
 * count as one UCS-2 unit each (they would go as U+FFFD). */
int sms_segments(const char *utf8, size_t len, bool *ucs2);

#endif
