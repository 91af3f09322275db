/* test_parse_bare.c - whether a command's amount was written as a bare number (what catat asks
 * about when it is very small: "jual 50 abon" may mean Rp50.000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "parse.h"

static void bare_numbers_are_told_from_money_marked_ones(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t amount;
        bool bare;
    } cases[] = {
        {"jual 50 abon", 50, true},       {"jual Rp50 abon", 50, false},
        {"jual 50rb abon", 50000, false}, {"jual 45.000 abon", 45000, false},
        {"jual 45000 abon", 45000, true}, {"jual 3 bks abon 45rb", 45000, false},
        {"tabung 100", 100, true},        {"jual 2 porsi pecel @ 10.000", 20000, false},
    };
    static struct parse_result r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse_message(cases[i].text, strlen(cases[i].text), &r);
        assert_int_equal(r.n_commands, 1);
        assert_int_equal(r.commands[0].error, PARSE_ERR_OK);
        assert_int_equal(r.commands[0].amount, cases[i].amount);
        if (r.commands[0].amount_bare != cases[i].bare)
            fail_msg("%s: amount_bare %d", cases[i].text, r.commands[0].amount_bare);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bare_numbers_are_told_from_money_marked_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
