/* money.c - rupiah amount tokens: prefixes, thousands groups, multipliers, compounds, qty x price.
 */
#include "money.h"

#include <string.h>

#include "parse.h"

/* Intermediate values saturate here, far above PARSE_AMOUNT_MAX and far below INT64_MAX. */
#define MONEY_CAP 1000000000000000LL
#define MONEY_MAX_GROUPS 8

static bool money_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool money_alpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static int64_t money_sat(int64_t v)
{
    return v > MONEY_CAP ? MONEY_CAP : v;
}

static int64_t money_mul(int64_t a, int64_t b)
{
    if (a != 0 && b > MONEY_CAP / a)
        return MONEY_CAP;
    return money_sat(a * b);
}

/* Compares with a string literal: its length is known at compile time. */
#define money_word_is(s, len, word)                                                                \
    ((len) == sizeof(word) - 1 && (s)[0] == (word)[0] && memcmp((s), (word), (len)) == 0)

/* A multiplier at p (not followed by a letter): its length, and *mult. 0 when none. */
static size_t money_multiplier_at(const char *p, const char *end, int64_t *mult)
{
    static const struct {
        const char *word;
        size_t len;
        int64_t mult;
    } mults[] = {{"juta", 4, 1000000}, {"jt", 2, 1000000}, {"yuto", 4, 1000000},
                 {"ribu", 4, 1000},    {"rebu", 4, 1000},  {"rb", 2, 1000},
                 {"ewu", 3, 1000},     {"k", 1, 1000}}; /* yuto, ewu (èwu): Javanese */
    size_t left = (size_t)(end - p);
    for (size_t i = 0; i < sizeof(mults) / sizeof(mults[0]); i++) {
        size_t l = mults[i].len;
        if (left >= l && p[0] == mults[i].word[0] && memcmp(p, mults[i].word, l) == 0 &&
            (left == l || !money_alpha(p[l]))) {
            *mult = mults[i].mult;
            return l;
        }
    }
    return 0;
}

bool money_is_multiplier(const char *s, size_t len)
{
    int64_t m;
    return len > 0 && money_multiplier_at(s, s + len, &m) == len;
}

bool money_is_prefix(const char *s, size_t len)
{
    return money_word_is(s, len, "rp") || money_word_is(s, len, "rp.") ||
           money_word_is(s, len, "idr");
}

bool money_is_unit(const char *s, size_t len)
{
    if (len < 2 || len > 7)
        return false;
    switch (s[0]) {
    case 'b':
        return money_word_is(s, len, "bks") || money_word_is(s, len, "bungkus") ||
               money_word_is(s, len, "buah") || money_word_is(s, len, "biji") ||
               money_word_is(s, len, "botol");
    case 'p':
        return money_word_is(s, len, "pcs") || money_word_is(s, len, "pak") ||
               money_word_is(s, len, "porsi");
    case 'k':
        return money_word_is(s, len, "kg");
    case 'l':
        return money_word_is(s, len, "lembar") || money_word_is(s, len, "liter");
    case 'i':
        return money_word_is(s, len, "ikat");
    default:
        return false;
    }
}

/* True when the letters at p start like a part of an amount: a multiplier, a unit, 'x', a
 * currency ("45rbu", "3kg2", "3x", "45rp"). Digits then other letters make a word ("3in1",
 * "17an", "2gelas"), an item word rather than a bad amount. */
static bool money_letters_start(const char *p, const char *end)
{
    static const char *const starts[] = {"rb",      "ribu",  "rebu", "ewu",  "k",      "jt",
                                         "juta",    "yuto",  "x",    "rp",   "idr",    "bks",
                                         "bungkus", "pcs",   "buah", "biji", "lembar", "botol",
                                         "pak",     "porsi", "ikat", "liter"};
    size_t left = (size_t)(end - p);
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        size_t l = strlen(starts[i]);
        if (left >= l && p[0] == starts[i][0] && memcmp(p, starts[i], l) == 0)
            return true;
    }
    return false;
}

/* Number of decimal digits of a power of ten (1000 -> 3). */
static int money_zeros(int64_t pow10)
{
    int n = 0;
    while (pow10 >= 10) {
        pow10 /= 10;
        n++;
    }
    return n;
}

static int64_t money_pow10(int n)
{
    int64_t v = 1;
    while (n-- > 0)
        v *= 10;
    return v;
}

/* Adds digits/10^count of mult to *v; false when that is not a whole number of rupiah. */
static bool money_add_fraction(int64_t *v, int64_t digits, int count, int64_t mult)
{
    if (count > money_zeros(mult))
        return false;
    int64_t scale = money_pow10(count);
    *v = money_sat(*v + digits * (mult / scale));
    return true;
}

/* Reads a run of digits; *count gets its length. Saturates. */
static const char *money_digits(const char *p, const char *end, int64_t *value, int *count)
{
    int64_t v = 0;
    int n = 0;
    while (p < end && money_digit(*p)) {
        v = money_sat(v * 10 + (*p - '0'));
        n++;
        p++;
    }
    *value = v;
    *count = n;
    return p;
}

/* Skips a trailing Indonesian decimal tail made of '-' (",-", ".-", "-"). */
static const char *money_dash_tail(const char *p, const char *end)
{
    if (p < end && (*p == ',' || *p == '.') && p + 1 < end && p[1] == '-')
        return p + 2;
    if (p < end && *p == '-')
        return p + 1;
    return p;
}

static enum money_status money_finish(int64_t v, int64_t *out)
{
    if (v >= MONEY_CAP || v > PARSE_AMOUNT_MAX)
        return MONEY_TOO_LARGE;
    if (v <= 0)
        return MONEY_BAD;
    *out = v;
    return MONEY_OK;
}

/* An amount from p to end: [prefix] number [multiplier [compound]] [tail]. */
static enum money_status money_price(const char *p, const char *end, int64_t *out, bool *marked)
{
    *marked = false;
    if (end - p >= 2 && p[0] == 'r' && p[1] == 'p') {
        p += 2;
        if (p < end && *p == '.')
            p++;
        *marked = true;
    } else if (end - p >= 3 && memcmp(p, "idr", 3) == 0) {
        p += 3;
        *marked = true;
    }
    if (p >= end || !money_digit(*p))
        return MONEY_NOT;

    int64_t group[MONEY_MAX_GROUPS];
    int count[MONEY_MAX_GROUPS];
    char sep[MONEY_MAX_GROUPS];
    int n = 0;
    bool too_many = false;
    for (;;) {
        int64_t g;
        int c;
        p = money_digits(p, end, &g, &c);
        if (n < MONEY_MAX_GROUPS) {
            group[n] = g;
            count[n] = c;
            n++;
        } else {
            too_many = true;
        }
        if (p + 1 < end && (*p == '.' || *p == ',') && money_digit(p[1])) {
            if (n < MONEY_MAX_GROUPS)
                sep[n] = *p;
            p++;
            continue;
        }
        break;
    }
    if (too_many)
        return MONEY_BAD;

    int64_t mult = 0;
    size_t ml = money_multiplier_at(p, end, &mult);
    int64_t v;
    if (ml > 0) {
        p += ml;
        *marked = true;
        if (n == 1) {
            v = money_mul(group[0], mult);
        } else if (n == 2) { /* a decimal before a multiplier: 1,5jt */
            v = money_mul(group[0], mult);
            if (!money_add_fraction(&v, group[1], count[1], mult))
                return MONEY_BAD;
        } else {
            return MONEY_BAD;
        }
        /* Compounds: 1jt250rb, and 1jt250 / 45rb5 as decimals of the last multiplier. */
        while (p < end && money_digit(*p)) {
            int64_t r;
            int rc;
            p = money_digits(p, end, &r, &rc);
            int64_t m2 = 0;
            size_t l2 = money_multiplier_at(p, end, &m2);
            if (l2 > 0) {
                if (m2 >= mult)
                    return MONEY_BAD;
                v = money_sat(v + money_mul(r, m2));
                mult = m2;
                p += l2;
            } else {
                if (!money_add_fraction(&v, r, rc, mult))
                    return MONEY_BAD;
                break;
            }
        }
        p = money_dash_tail(p, end);
    } else {
        /* 45.000,00 and 45.000,-: the decimal tail is dropped. */
        if (n >= 2 && sep[n - 1] == ',' && count[n - 1] <= 2 && group[n - 1] == 0)
            n--;
        p = money_dash_tail(p, end);
        if (n == 1) {
            v = group[0];
            if (count[0] > 15)
                v = MONEY_CAP;
        } else {
            if (count[0] > 3)
                return MONEY_BAD;
            v = group[0];
            for (int i = 1; i < n; i++) {
                if (count[i] != 3 || sep[i] != sep[1])
                    return MONEY_BAD;
                v = money_sat(money_mul(v, 1000) + group[i]);
            }
            *marked = true;
        }
    }
    if (p != end)
        return MONEY_BAD;
    return money_finish(v, out);
}

enum money_status money_parse(const char *s, size_t len, struct money *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = MONEY_AMOUNT;
    const char *p = s, *end = s + len;
    if (len == 0)
        return MONEY_NOT;
    if (money_digit(*p)) {
        int64_t q;
        int qc;
        const char *after = money_digits(p, end, &q, &qc);
        if (after < end && money_alpha(*after) && !money_letters_start(after, end))
            return MONEY_NOT;
        if (after < end && (*after == 'x' || *after == '@') && after + 1 < end) {
            /* quantity times unit price: the amount is the total */
            int64_t price;
            bool marked;
            enum money_status st = money_price(after + 1, end, &price, &marked);
            if (st == MONEY_NOT)
                return MONEY_BAD;
            if (st != MONEY_OK)
                return st;
            if (q <= 0 || qc > 6)
                return MONEY_BAD;
            out->qty = (int)q;
            out->marked = true;
            return money_finish(money_mul(q, price), &out->amount);
        }
        if (after < end && money_is_unit(after, (size_t)(end - after))) {
            if (q <= 0 || qc > 6)
                return MONEY_BAD;
            out->kind = MONEY_QTY;
            out->qty = (int)q;
            out->unit_off = (size_t)(after - s);
            out->unit_len = (size_t)(end - after);
            return MONEY_OK;
        }
        enum money_status st = money_price(p, end, &out->amount, &out->marked);
        return st == MONEY_NOT ? MONEY_BAD : st;
    }
    if ((*p == 'x' || *p == '@') && len > 1) {
        /* a unit price on its own: "@15rb" */
        enum money_status st = money_price(p + 1, end, &out->amount, &out->marked);
        out->marked = true;
        out->unit_price = true;
        return st;
    }
    return money_price(p, end, &out->amount, &out->marked);
}
