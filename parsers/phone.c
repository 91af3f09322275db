/* phone.c - phone numbers as members and providers write them, to E.164, and masked for logs. */
#include "phone.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define PHONE_MIN_DIGITS 8
#define PHONE_MAX_DIGITS 15

static bool phone_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skips a case-insensitive scheme such as "whatsapp:" or "tel:". */
static size_t phone_scheme(const char *in, size_t len)
{
    static const char *const schemes[] = {"whatsapp:", "tel:", "sms:"};
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t l = strlen(schemes[i]);
        if (len >= l && strncasecmp(in, schemes[i], l) == 0)
            return l;
    }
    return 0;
}

int phone_normalize(const char *in, size_t len, const char *country_code, char out[PHONE_E164_MAX])
{
    out[0] = '\0';
    if (!in)
        return -1;
    const char *cc = country_code && country_code[0] ? country_code : "62";
    size_t ccl = strlen(cc);
    if (ccl > 3)
        return -1;
    for (size_t i = 0; i < ccl; i++)
        if (!phone_is_digit(cc[i]))
            return -1;

    size_t i = phone_scheme(in, len);
    char digits[PHONE_MAX_DIGITS + 1];
    size_t nd = 0;
    bool plus = false;
    for (; i < len; i++) {
        char c = in[i];
        if (phone_is_digit(c)) {
            if (nd >= PHONE_MAX_DIGITS)
                return -1; /* more than 15 digits */
            digits[nd++] = c;
        } else if (c == '+') {
            if (plus || nd > 0)
                return -1;
            plus = true;
        } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '\t' ||
                   c == '/') {
            continue;
        } else {
            return -1; /* letters and anything else */
        }
    }
    if (nd < PHONE_MIN_DIGITS)
        return -1;

    const char *d = digits;
    size_t dl = nd;
    char e164[PHONE_E164_MAX];
    size_t n = 0;
    e164[n++] = '+';
    if (!plus && dl > 2 && d[0] == '0' && d[1] == '0') {
        d += 2; /* 00 international prefix */
        dl -= 2;
        plus = true;
    }
    if (plus) {
        /* "+62 0812...": the trunk 0 after the country code is a common slip */
        if (dl > ccl + 1 && memcmp(d, cc, ccl) == 0 && d[ccl] == '0') {
            memcpy(e164 + n, d, ccl);
            n += ccl;
            d += ccl + 1;
            dl -= ccl + 1;
        }
    } else if (d[0] == '0') {
        memcpy(e164 + n, cc, ccl); /* national number with its trunk 0 */
        n += ccl;
        d++;
        dl--;
    }
    /* otherwise digits already begin with a country code ("628123456789") */
    if (n - 1 + dl > PHONE_MAX_DIGITS || n - 1 + dl < PHONE_MIN_DIGITS || dl == 0 ||
        (d[0] == '0' && n == 1))
        return -1;
    memcpy(e164 + n, d, dl);
    n += dl;
    e164[n] = '\0';
    memcpy(out, e164, n + 1);
    return 0;
}

void phone_mask(const char *e164, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return;
    out[0] = '\0';
    if (!e164)
        return;
    size_t len = strnlen(e164, 64);
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        if (phone_is_digit(e164[i]))
            digits++;
    /* country code and three more digits, and the last three; at least three are hidden */
    size_t keep_head = 5, keep_tail = 3;
    if (digits < keep_head + keep_tail + 3) {
        keep_head = digits > 6 ? digits - 6 : 0;
        keep_tail = digits > 3 ? 3 : 0;
        if (keep_head + keep_tail + 3 > digits)
            keep_tail = 0;
    }
    size_t n = 0, seen = 0;
    for (size_t i = 0; i < len && n + 1 < outsz; i++) {
        char c = e164[i];
        if (phone_is_digit(c)) {
            seen++;
            if (seen > keep_head && seen <= digits - keep_tail)
                c = '*';
        } else if (c != '+') {
            continue; /* anything else is dropped */
        }
        out[n++] = c;
    }
    out[n] = '\0';
}
