/* fuzz_books.c - libFuzzer target: the `--period` decoder and the loan arithmetic. Input: a
 * period text, or (first byte 'L') loan terms and repayments as bytes; the schedule and the
 * spreading of repayments must keep their sums exact whatever the terms. */
#include "books.h"
#include "loans.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int64_t take(const uint8_t **p, size_t *n, int bytes)
{
    int64_t v = 0;
    for (int i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
        v = v << 8 | **p;
    return v;
}

static void loan_arithmetic(const uint8_t *data, size_t size)
{
    struct loan_terms t = {.first_y = 2026, .first_m = 1, .first_d = 31};
    t.principal = take(&data, &size, 4) % 1000000001;
    t.instalments = (int)(take(&data, &size, 2) % (LOANS_MAX_INSTALMENTS + 1));
    t.instalment = take(&data, &size, 4) % 1000000001;
    t.monthly = take(&data, &size, 1) & 1;
    char why[256];
    if (loans_check(&t, why, sizeof why) != 0)
        return;
    struct store_io_instalment *out = calloc((size_t)t.instalments, sizeof *out);
    struct store_instalment *slots = calloc((size_t)t.instalments, sizeof *slots);
    struct store_repayment pays[8];
    if (!out || !slots)
        abort();
    loans_schedule(&t, out);
    int64_t amounts = 0, interest = 0;
    for (int i = 0; i < t.instalments; i++) {
        if (out[i].interest < 0 || out[i].interest > out[i].amount || out[i].amount <= 0)
            abort();
        amounts += out[i].amount;
        interest += out[i].interest;
        slots[i].loan_id = 1 + (i & 1);
        slots[i].amount = out[i].amount;
        slots[i].interest = out[i].interest;
    }
    if (amounts - interest != t.principal || interest != t.interest)
        abort();
    size_t n_pays = 0;
    int64_t paid_in = 0;
    while (size >= 4 && n_pays < 8) {
        pays[n_pays] = (struct store_repayment){.amount = take(&data, &size, 3),
                                                .loan_id = take(&data, &size, 1) % 3};
        paid_in += pays[n_pays++].amount;
    }
    loans_allocate(slots, (size_t)t.instalments, pays, n_pays);
    int64_t paid = 0, split = 0, unapplied = 0;
    for (int i = 0; i < t.instalments; i++) {
        if (slots[i].paid < 0 || slots[i].paid > slots[i].amount ||
            slots[i].paid_interest > slots[i].interest || slots[i].paid_interest > slots[i].paid)
            abort();
        paid += slots[i].paid;
    }
    for (size_t p = 0; p < n_pays; p++) {
        split += pays[p].to_principal + pays[p].to_interest;
        unapplied += pays[p].unapplied;
    }
    if (paid != split || split + unapplied != paid_in)
        abort();
    free(out);
    free(slots);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 'L') {
        loan_arithmetic(data + 1, size - 1);
        return 0;
    }
    char text[64], from[11], to[11];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    if (books_parse_period(text, from, to) == 0 &&
        (strlen(from) != 10 || strlen(to) != 10 || strcmp(from, to) > 0))
        abort();
    return 0;
}
