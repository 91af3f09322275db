/* test_parse_robust.c - random and invalid bytes, control characters, huge and many commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "parse.h"
#include "parse_json.h"
#include "phone.h"

static bool valid_utf8(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t len = strlen(s);
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

/* Every invariant a caller relies on, whatever the input. */
static void check_sane(const char *text, size_t len, const struct parse_result *r)
{
    assert_true(r->n_commands >= 1 && r->n_commands <= PARSE_MAX_COMMANDS);
    for (int i = 0; i < r->n_commands; i++) {
        const struct parse_command *c = &r->commands[i];
        assert_true((unsigned)c->cmd < PARSE_CMD_COUNT);
        assert_true((unsigned)c->error < PARSE_ERR_COUNT);
        assert_true(c->cmd != PARSE_CMD_NONE || c->error != PARSE_ERR_OK);
        assert_true(c->amount >= 0 && c->amount <= PARSE_AMOUNT_MAX);
        assert_true(c->n_answers >= 0 && c->n_answers <= PARSE_MAX_ANSWERS);
        const char *fields[] = {c->unit,    c->item, c->ref,    c->name, c->group,
                                c->session, c->lang, c->target, c->body};
        const size_t sizes[] = {sizeof(c->unit), sizeof(c->item),   sizeof(c->ref),
                                sizeof(c->name), sizeof(c->group),  sizeof(c->session),
                                sizeof(c->lang), sizeof(c->target), sizeof(c->body)};
        for (size_t f = 0; f < sizeof(sizes) / sizeof(sizes[0]); f++) {
            assert_true(strnlen(fields[f], sizes[f]) < sizes[f]);
            assert_true(valid_utf8(fields[f]));
        }
    }
    json_t *j = parse_result_to_json(text, len, r);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    json_error_t err;
    json_t *back = json_loads(s, JSON_ALLOW_NUL, &err);
    assert_non_null(back);
    json_decref(back);
    free(s);
    json_decref(j);
}

static void test_random_bytes(void **state)
{
    (void)state;
    struct parse_result *r = malloc(sizeof(*r));
    assert_non_null(r);
    unsigned seed = 12345;
    char buf[512];
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % (int)sizeof(buf));
        for (size_t i = 0; i < len; i++) {
            int k = rand_r(&seed) % 8;
            /* bias towards bytes that matter: digits, keyword letters, separators, UTF-8 */
            static const char pool[] = "jual45rb.,;\n#*@x rp jt 0123456789kbayar daftar";
            buf[i] = k < 4 ? pool[rand_r(&seed) % (int)(sizeof(pool) - 1)]
                           : (char)(rand_r(&seed) & 0xff);
        }
        parse_message(buf, len, r);
        check_sane(buf, len, r);
        char e164[PHONE_E164_MAX];
        if (phone_normalize(buf, len, "62", e164) == 0)
            assert_int_equal(e164[0], '+');
    }
    free(r);
}

static void test_control_and_invalid(void **state)
{
    (void)state;
    struct parse_result r;
    const char msg[] = "JUAL\x00 45rb\x1b\x7f abon\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80";
    parse_message(msg, sizeof(msg) - 1, &r);
    check_sane(msg, sizeof(msg) - 1, &r);
    assert_int_equal(r.commands[0].cmd, PARSE_CMD_SALE);
    assert_int_equal(r.commands[0].amount, 45000);

    const char body[] = "KIRIM KPUK07 Rapat\x01 \xff besok";
    parse_message(body, sizeof(body) - 1, &r);
    check_sane(body, sizeof(body) - 1, &r);
    assert_string_equal(r.commands[0].body, "Rapat  \xEF\xBF\xBD besok");

    json_t *j = parse_result_to_json("\xff\xfe", 2, &r);
    assert_string_equal(json_string_value(json_object_get(j, "text")), "\xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref(j);

    parse_message(NULL, 0, &r);
    assert_int_equal(r.n_commands, 1);
    assert_int_equal(r.commands[0].error, PARSE_ERR_EMPTY);
}

static void test_huge_message(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    char *big = malloc(len);
    assert_non_null(big);
    struct parse_result r;
    /* one endless line of words */
    for (size_t i = 0; i < len; i++)
        big[i] = "JUAL 45rb abon ikan "[i % 20];
    clock_t t0 = clock();
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.n_commands, 1);
    assert_int_equal(r.commands[0].cmd, PARSE_CMD_SALE);
    assert_int_equal(r.commands[0].error, PARSE_ERR_AMBIGUOUS_AMOUNT);
    /* many commands: only the first PARSE_MAX_COMMANDS are kept */
    for (size_t i = 0; i < len; i++)
        big[i] = "JUAL 45rb;"[i % 10];
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.n_commands, PARSE_MAX_COMMANDS);
    assert_true(r.truncated);
    /* one huge word, a huge broadcast, and all-emoji */
    memset(big, 'a', len);
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.commands[0].error, PARSE_ERR_UNKNOWN_COMMAND);
    memcpy(big, "KIRIM KPUK07 ", 13);
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.commands[0].cmd, PARSE_CMD_BROADCAST);
    assert_int_equal(strlen(r.commands[0].body), sizeof(r.commands[0].body) - 1);
    for (size_t i = 0; i + 4 <= len; i += 4)
        memcpy(big + i, "\xF0\x9F\x98\x80", 4);
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.commands[0].error, PARSE_ERR_UNKNOWN_COMMAND);
    /* a broadcast followed by half a million continuation lines */
    memcpy(big, "KIRIM KPUK07 ", 13);
    for (size_t i = 13; i + 2 <= len; i += 2)
        memcpy(big + i, "\nx", 2);
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.n_commands, 1);
    assert_int_equal(r.commands[0].cmd, PARSE_CMD_BROADCAST);
    assert_true(strlen(r.commands[0].body) >= sizeof(r.commands[0].body) - 2);
    /* digits without end, and a million newlines */
    memset(big, '9', len);
    memcpy(big, "JUAL ", 5);
    parse_message(big, len, &r);
    check_sane(big, len, &r);
    assert_int_equal(r.commands[0].error, PARSE_ERR_AMOUNT_TOO_LARGE);
    memset(big, '\n', len);
    parse_message(big, len, &r);
    assert_int_equal(r.commands[0].error, PARSE_ERR_EMPTY);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("8 messages of 1 MB in %.3f s\n", secs);
    assert_true(secs < 10.0);
    free(big);
}

static void test_long_fields(void **state)
{
    (void)state;
    struct parse_result r;
    char msg[2048];
    size_t n = 0;
    n += (size_t)snprintf(msg, sizeof(msg), "DAFTAR ");
    while (n + 8 < sizeof(msg)) {
        memcpy(msg + n, "\xC3\xA9tiaa ", 7); /* é: stripped to e */
        n += 7;
    }
    parse_message(msg, n, &r);
    check_sane(msg, n, &r);
    assert_int_equal(r.commands[0].cmd, PARSE_CMD_REGISTER);
    assert_true(strlen(r.commands[0].name) > 50);
    n = (size_t)snprintf(msg, sizeof(msg), "JUAL 45rb ");
    while (n + 3 < 400) {
        memcpy(msg + n, "\xD0\x96 ", 3); /* Cyrillic: kept, two bytes */
        n += 3;
    }
    parse_message(msg, n, &r);
    check_sane(msg, n, &r);
    assert_int_equal(r.commands[0].amount, 45000);
    assert_true(strlen(r.commands[0].item) >= sizeof(r.commands[0].item) - 3);
    n = (size_t)snprintf(msg, sizeof(msg), "JAWAB ");
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%dA ", i + 1);
    parse_message(msg, n, &r);
    check_sane(msg, n, &r);
    assert_int_equal(r.commands[0].error, PARSE_ERR_BAD_ANSWER);
}

static void test_truncated_json(void **state)
{
    (void)state;
    struct parse_result r;
    const char msg[] = "SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO";
    parse_message(msg, sizeof(msg) - 1, &r);
    assert_int_equal(r.n_commands, 8);
    assert_true(r.truncated);
    json_t *j = parse_result_to_json(msg, sizeof(msg) - 1, &r);
    assert_true(json_is_true(json_object_get(j, "truncated")));
    assert_int_equal(json_array_size(json_object_get(j, "commands")), 8);
    json_decref(j);
    parse_message(msg, 47, &r); /* exactly eight */
    assert_int_equal(r.n_commands, 8);
    assert_false(r.truncated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_bytes),   cmocka_unit_test(test_control_and_invalid),
        cmocka_unit_test(test_huge_message),   cmocka_unit_test(test_long_fields),
        cmocka_unit_test(test_truncated_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
