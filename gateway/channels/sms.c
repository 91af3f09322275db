/* sms.c - GSM 03.38 alphabet membership and SMS segment counting for outgoing texts. */
#include "sms.h"

#include <stdint.h>

/* Non-ASCII code points of the GSM 03.38 default alphabet (one septet each). */
static const uint16_t gsm_basic_extra[] = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
    0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
    0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

/* Septets a code point takes in GSM-7: 1 (default alphabet), 2 (extension table, sent after
 * an escape), 0 when it cannot be sent as GSM-7 at all. */
static int gsm_septets(uint32_t cp)
{
    if (cp == '\n' || cp == '\r')
        return 1;
    if (cp == '\f' || cp == '^' || cp == '{' || cp == '}' || cp == '\\' || cp == '[' || cp == '~' ||
        cp == ']' || cp == '|' || cp == 0x20AC)
        return 2;
    if (cp >= 0x20 && cp < 0x7F)
        return cp == '`' ? 0 : 1; /* the grave accent is the one printable ASCII left out */
    for (size_t i = 0; i < sizeof gsm_basic_extra / sizeof gsm_basic_extra[0]; i++)
        if (gsm_basic_extra[i] == cp)
            return 1;
    return 0;
}

/* Decodes the code point at s[*i], advancing *i. Returns -1 (and steps one byte) when the bytes
 * there are not well-formed UTF-8. */
static int32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t need;
    uint32_t cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, cp = c & 0x07, min = 0x10000;
    } else {
        (*i)++;
        return -1;
    }
    if (len - *i <= need) {
        (*i)++;
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return -1;
    }
    *i += need + 1;
    return (int32_t)cp;
}

/* gsm_septets of each ASCII byte, so that the common all-ASCII reply is counted with one
 * look-up a byte instead of a chain of comparisons (test_sms checks every byte). */
static const signed char ascii_septets[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, /* 0x50 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, /* 0x70 */
};

/* One pass over the text: its GSM-7 septets (while every character is GSM-7), its UTF-16
 * units, and whether it is GSM-7. */
static bool count_units(const unsigned char *s, size_t len, size_t *septets, size_t *utf16)
{
    bool gsm = true;
    size_t sept = 0, units = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        int n;
        if (s[i] < 0x80) {
            n = ascii_septets[s[i]];
            i++;
            units++;
        } else {
            cp = next_cp(s, len, &i);
            n = cp < 0 ? 0 : gsm_septets((uint32_t)cp);
            units += cp > 0xFFFF ? 2 : 1;
        }
        gsm = gsm && n > 0;
        sept += (size_t)n;
    }
    *septets = sept;
    *utf16 = units;
    return gsm;
}

bool sms_is_gsm7(const char *utf8, size_t len)
{
    size_t septets, units;
    return count_units((const unsigned char *)utf8, len, &septets, &units);
}

int sms_segments(const char *utf8, size_t len, bool *ucs2)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t septets, utf16;
    bool gsm = count_units(s, len, &septets, &utf16);
    if (ucs2)
        *ucs2 = !gsm;
    int single = gsm ? 160 : 70, part = gsm ? 153 : 67;

    /* Units per character: septets, or UTF-16 code units. */
    size_t total = gsm ? septets : utf16;
    if (total <= (size_t)single)
        return 1;

    /* A long message: fill parts, moving a two-unit character that would straddle a boundary
     * into the next part, as encoders do. */
    int segments = 1;
    int used = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp = next_cp(s, len, &i);
        int units = gsm ? gsm_septets((uint32_t)cp) : (cp > 0xFFFF ? 2 : 1);
        if (used + units > part) {
            segments++;
            used = 0;
        }
        used += units;
    }
    return segments;
}
