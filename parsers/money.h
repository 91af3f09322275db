/* money.h - one rupiah amount token of the message language ("Rp45.000", "1,5jt", "3x15rb"). */
#ifndef CATAT_MONEY_H
#define CATAT_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum money_status {
    MONEY_OK,  /* a whole amount (or a quantity with a unit) */
    MONEY_NOT, /* not a number: no digit, prefix, x or @ first, or digits then a word ("3in1") */
    MONEY_BAD, /* looks like a number but breaks the rules: "1.5", "45.00", "45rbu" */
    MONEY_TOO_LARGE, /* more than PARSE_AMOUNT_MAX rupiah */
};

enum money_kind {
    MONEY_AMOUNT, /* rupiah; qty set too for "3x15rb" / "3@15rb" (amount is the total) */
    MONEY_QTY,    /* a quantity glued to a unit word: "2kg", "3bks" */
};

struct money {
    enum money_kind kind;
    int64_t amount;  /* rupiah, the total */
    int qty;         /* 0 = none */
    bool marked;     /* prefix, multiplier, thousands groups, or a unit price: surely money */
    bool unit_price; /* a price per unit on its own ("@15rb", "x 15rb"): a quantity elsewhere in
                        the command multiplies it */
    size_t unit_off, unit_len; /* MONEY_QTY: the unit word inside the token */
};

/* Parses one token (lower-case ASCII, no spaces; s borrowed, len bytes) into *out. Grammar:
 * [rp|rp.|idr] digits with ./, thousands groups [,00|,-] | digits[.,digits] multiplier
 * (rb ribu rebu ewu k jt juta yuto) [compound: digits [smaller multiplier]]... | qty (x|@) amount |
 * (x|@) amount | qty unit-word. Returns the status; *out is meaningful for MONEY_OK. */
enum money_status money_parse(const char *s, size_t len, struct money *out);

/* True when the lower-case word is a multiplier on its own: rb ribu rebu ewu k jt juta yuto. */
bool money_is_multiplier(const char *s, size_t len);

/* True when the lower-case word is a currency prefix on its own: rp rp. idr. */
bool money_is_prefix(const char *s, size_t len);

/* True when the lower-case word is a unit of quantity (bks, bungkus, pcs, buah, biji, kg,
 * lembar, botol, pak, porsi, ikat, liter). */
bool money_is_unit(const char *s, size_t len);

#endif
