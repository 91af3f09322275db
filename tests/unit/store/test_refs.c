/* test_refs.c - entry ids as reference codes: every four-character code is the code of exactly
 * one id, the lengths follow each other without a gap, codes decode back to their ids, what is
 * not a code decodes to nothing, and neighbouring ids get unrelated codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"

#define FOUR 456976LL   /* 26^4 */
#define FIVE 11881376LL /* 26^5 */
#define SIX 308915776LL /* 26^6 */
#define SEVEN 8031810176LL

/* The code's value in base 26, or -1 when a character is not in the alphabet. */
static int64_t value_of(const char *code)
{
    int64_t v = 0;
    for (const char *c = code; *c; c++) {
        const char *at = strchr(refs_alphabet, *c);
        if (!at || !*c)
            return -1;
        v = v * 26 + (at - refs_alphabet);
    }
    return v;
}

static void every_four_character_code_names_one_id(void **state)
{
    (void)state;
    assert_int_equal(strlen(refs_alphabet), 26);
    unsigned char *seen = calloc((size_t)FOUR, 1);
    assert_non_null(seen);
    char code[8];
    for (int64_t id = 1; id <= FOUR; id++) {
        assert_int_equal(refs_encode(id, code), 0);
        assert_int_equal(strlen(code), 4);
        int64_t v = value_of(code);
        assert_true(v >= 0 && v < FOUR);
        assert_int_equal(seen[v], 0); /* no two ids share a code */
        seen[v] = 1;
        assert_int_equal(refs_decode(code), id);
    }
    free(seen); /* FOUR ids, FOUR distinct codes: every code is taken exactly once */
}

static void lengths_follow_each_other(void **state)
{
    (void)state;
    const struct {
        int64_t id;
        size_t len;
    } cases[] = {
        {1, 4},
        {FOUR, 4},
        {FOUR + 1, 5},
        {FOUR + FIVE, 5},
        {FOUR + FIVE + 1, 6},
        {FOUR + FIVE + SIX, 6},
        {FOUR + FIVE + SIX + 1, 7},
        {FOUR + FIVE + SIX + SEVEN, 7},
    };
    char code[8];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(refs_encode(cases[i].id, code), 0);
        assert_int_equal(strlen(code), cases[i].len);
        assert_int_equal(refs_decode(code), cases[i].id);
    }
    assert_int_equal(refs_encode(FOUR + FIVE + SIX + SEVEN + 1, code), -1);
    assert_int_equal(refs_encode(0, code), -1);
    assert_int_equal(refs_encode(-5, code), -1);
    /* Ids spread over the longer lengths come back too. */
    for (int64_t id = FOUR + 1; id < FOUR + FIVE + SIX + SEVEN; id += 7919 * 104729LL) {
        assert_int_equal(refs_encode(id, code), 0);
        assert_int_equal(refs_decode(code), id);
    }
}

static void what_is_not_a_code_names_nothing(void **state)
{
    (void)state;
    const char *bad[] = {"",     "K7Q",  "K7QXK7QX", "k7qx", "K0QX", "KOQX", "K1QX", "KIQX",
                         "K2QX", "KZQX", "K5QX",     "KSQX", "K8QX", "KBQX", "K7Q ", "K7Q\xc3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(refs_decode(bad[i]), 0);
}

/* How many places two codes of one length differ in. */
static int differences(const char *a, const char *b)
{
    int n = 0;
    for (; *a && *b; a++, b++)
        n += *a != *b;
    return n;
}

static void neighbouring_ids_get_unrelated_codes(void **state)
{
    (void)state;
    /* Random codes differ from the next one in a single place 4 * 25 / 26^4 of the time, about
     * twice in 10,000 pairs; a counter written in letters would do it almost every time. */
    char a[8], b[8];
    int close = 0;
    assert_int_equal(refs_encode(1, a), 0);
    for (int64_t id = 2; id <= 10001; id++) {
        assert_int_equal(refs_encode(id, b), 0);
        close += differences(a, b) <= 1;
        memcpy(a, b, sizeof a);
    }
    assert_true(close < 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_four_character_code_names_one_id),
        cmocka_unit_test(lengths_follow_each_other),
        cmocka_unit_test(what_is_not_a_code_names_nothing),
        cmocka_unit_test(neighbouring_ids_get_unrelated_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
