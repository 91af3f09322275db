/* test_money.c - amount tokens: groups, tails, prefixes, multipliers, compounds, qty x price. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "money.h"

static void expect_amount(const char *tok, int64_t amount, int qty, bool marked)
{
    struct money m;
    enum money_status st = money_parse(tok, strlen(tok), &m);
    if (st != MONEY_OK || m.amount != amount || m.qty != qty || m.marked != marked)
        fail_msg("%s: status %d amount %lld qty %d marked %d", tok, (int)st, (long long)m.amount,
                 m.qty, (int)m.marked);
    assert_int_equal(m.kind, MONEY_AMOUNT);
}

static void expect_status(const char *tok, enum money_status want)
{
    struct money m;
    enum money_status st = money_parse(tok, strlen(tok), &m);
    if (st != want)
        fail_msg("%s: status %d, want %d", tok, (int)st, (int)want);
}

static void test_plain_and_groups(void **state)
{
    (void)state;
    expect_amount("45000", 45000, 0, false);
    expect_amount("500", 500, 0, false);
    expect_amount("45.000", 45000, 0, true);
    expect_amount("45,000", 45000, 0, true);
    expect_amount("1.250.000", 1250000, 0, true);
    expect_amount("1,250,000", 1250000, 0, true);
    expect_amount("45.000,00", 45000, 0, true);
    expect_amount("45.000,-", 45000, 0, true);
    expect_amount("45000,-", 45000, 0, false);
    expect_amount("45000,00", 45000, 0, false);
    expect_amount("1.000.000.000", 1000000000, 0, true);
}

static void test_prefixes(void **state)
{
    (void)state;
    expect_amount("rp45.000", 45000, 0, true);
    expect_amount("rp.45.000", 45000, 0, true);
    expect_amount("rp45000", 45000, 0, true);
    expect_amount("idr45000", 45000, 0, true);
    expect_amount("rp.45.000,-", 45000, 0, true);
    expect_amount("rp45rb", 45000, 0, true);
    expect_status("rp", MONEY_NOT);
    expect_status("idris", MONEY_NOT);
    expect_status("rumah", MONEY_NOT);
}

static void test_multipliers(void **state)
{
    (void)state;
    expect_amount("45rb", 45000, 0, true);
    expect_amount("45ribu", 45000, 0, true);
    expect_amount("45rebu", 45000, 0, true);
    expect_amount("45k", 45000, 0, true);
    expect_amount("2jt", 2000000, 0, true);
    expect_amount("2juta", 2000000, 0, true);
    expect_amount("1,5jt", 1500000, 0, true);
    expect_amount("1.5jt", 1500000, 0, true);
    expect_amount("2,5rb", 2500, 0, true);
    expect_amount("1,25jt", 1250000, 0, true);
    expect_amount("1jt250rb", 1250000, 0, true);
    expect_amount("1juta250ribu", 1250000, 0, true);
    expect_amount("1jt250", 1250000, 0, true);
    expect_amount("1jt5", 1500000, 0, true);
    expect_amount("45rb500", 45500, 0, true);
    expect_amount("1000jt", 1000000000, 0, true);
    /* Javanese: ewu (èwu once accents are stripped) and yuto */
    expect_amount("30ewu", 30000, 0, true);
    expect_amount("2,5ewu", 2500, 0, true);
    expect_amount("2yuto", 2000000, 0, true);
    expect_amount("1,5yuto", 1500000, 0, true);
    expect_amount("1yuto250ewu", 1250000, 0, true);
    expect_amount("1jt250ewu", 1250000, 0, true);
    expect_amount("1000yuto", 1000000000, 0, true);
    expect_status("1001yuto", MONEY_TOO_LARGE);
    expect_status("30ewuu", MONEY_BAD);
    expect_status("1ewu1yuto", MONEY_BAD); /* a compound goes from larger to smaller */
}

static void test_quantity(void **state)
{
    (void)state;
    expect_amount("3x15rb", 45000, 3, true);
    expect_amount("3@15rb", 45000, 3, true);
    expect_amount("3@15.000", 45000, 3, true);
    expect_amount("10x2.500", 25000, 10, true);
    expect_amount("3xrp15.000", 45000, 3, true);
    expect_amount("@15rb", 15000, 0, true);
    struct money m;
    static const char two_kg[] = "2kg";
    assert_int_equal(money_parse(two_kg, 3, &m), MONEY_OK);
    assert_int_equal(m.kind, MONEY_QTY);
    assert_int_equal(m.qty, 2);
    assert_int_equal(m.unit_len, 2);
    assert_memory_equal("kg", &two_kg[m.unit_off], 2);
    assert_int_equal(money_parse("12bungkus", 9, &m), MONEY_OK);
    assert_int_equal(m.kind, MONEY_QTY);
    assert_int_equal(m.qty, 12);
}

static void test_errors(void **state)
{
    (void)state;
    expect_status("1.5", MONEY_BAD);
    expect_status("45.00", MONEY_BAD);
    expect_status("1,5", MONEY_BAD);
    expect_status("45.0000", MONEY_BAD);
    expect_status("1.25.000", MONEY_BAD);
    expect_status("1.250,000", MONEY_BAD);
    expect_status("45rbu", MONEY_BAD);
    expect_status("45kg2", MONEY_BAD);
    expect_status("0", MONEY_BAD);
    expect_status("0x15rb", MONEY_BAD);
    expect_status("1,2345rb", MONEY_BAD);
    expect_status("250rb1jt", MONEY_BAD);
    expect_status("1.2.3jt", MONEY_BAD);
    expect_status("3x", MONEY_BAD);
    expect_status("1000000001", MONEY_TOO_LARGE);
    expect_status("5000000000", MONEY_TOO_LARGE);
    expect_status("1.000.000.001", MONEY_TOO_LARGE);
    expect_status("1001jt", MONEY_TOO_LARGE);
    expect_status("1000x2jt", MONEY_TOO_LARGE);
    expect_status("99999999999999999999999999999999", MONEY_TOO_LARGE);
    expect_status("999999999999jt", MONEY_TOO_LARGE);
    expect_status("", MONEY_NOT);
    expect_status("abon", MONEY_NOT);
    expect_status("x", MONEY_NOT);
    expect_status("3in1", MONEY_NOT); /* digits, then a word: an item word */
    expect_status("17an", MONEY_NOT);
    expect_status("2gelas", MONEY_NOT);
}

static void test_words(void **state)
{
    (void)state;
    assert_true(money_is_multiplier("rb", 2));
    assert_true(money_is_multiplier("juta", 4));
    assert_true(money_is_multiplier("k", 1));
    assert_false(money_is_multiplier("kg", 2));
    assert_true(money_is_multiplier("ewu", 3));
    assert_true(money_is_multiplier("yuto", 4));
    assert_false(money_is_multiplier("ew", 2));
    assert_false(money_is_multiplier("", 0));
    assert_true(money_is_prefix("rp", 2));
    assert_true(money_is_prefix("idr", 3));
    assert_false(money_is_prefix("rpx", 3));
    const char *units[] = {"bks",    "bungkus", "pcs", "buah",  "biji", "kg",
                           "lembar", "botol",   "pak", "porsi", "ikat", "liter"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        assert_true(money_is_unit(units[i], strlen(units[i])));
    assert_false(money_is_unit("abon", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_groups), cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_multipliers),      cmocka_unit_test(test_quantity),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
