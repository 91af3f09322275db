/* test_parse_json.c - the direct JSON writer makes exactly the bytes of the jansson builder. */
#define _POSIX_C_SOURCE 200809L /* getline, rand_r */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "corpus_table.h"
#include "parse_json.h"

/* The writer's output for every buffer size from 0 to n + 1 (all of them for short outputs, a
 * spread for long ones): the same length returned, a NUL-terminated prefix of want written. */
static void check_buffer_sizes(const char *want, size_t n, const char *text, size_t len,
                               const struct parse_result *r)
{
    char *buf = malloc(n + 2);
    assert_non_null(buf);
    size_t step = n < 400 ? 1 : n / 37 + 1;
    for (size_t sz = 0; sz <= n + 1; sz = sz + step > n && sz < n ? n : sz + step) {
        memset(buf, 'Z', n + 2);
        assert_int_equal(parse_result_write_json(text, len, r, sz ? buf : NULL, sz), n);
        if (sz == 0) {
            assert_int_equal(buf[0], 'Z');
            continue;
        }
        size_t kept = sz - 1 < n ? sz - 1 : n;
        assert_memory_equal(buf, want, kept);
        assert_int_equal(buf[kept], '\0');
        assert_int_equal(buf[kept + 1], 'Z');
    }
    free(buf);
}

/* The writer against json_dumps(parse_result_to_json(...), JSON_COMPACT) for one result, and
 * the commands array alone against json_dumps of the "commands" member. */
static void check_same(const char *text, size_t len, const struct parse_result *r)
{
    json_t *j = parse_result_to_json(text, len, r);
    assert_non_null(j);
    char *want = json_dumps(j, JSON_COMPACT);
    char *want_cmds = json_dumps(json_object_get(j, "commands"), JSON_COMPACT);
    assert_non_null(want);
    assert_non_null(want_cmds);
    size_t n = strlen(want); /* jansson writes a NUL in a string as \u0000: no NUL inside */

    char small[64];
    size_t got_n = parse_result_write_json(text, len, r, small, sizeof(small));
    assert_int_equal(got_n, n);
    char *got = malloc(n + 1);
    assert_non_null(got);
    assert_int_equal(parse_result_write_json(text, len, r, got, n + 1), n);
    if (strcmp(got, want) != 0)
        print_error("want %s\ngot  %s\n", want, got);
    assert_string_equal(got, want);

    size_t cn = strlen(want_cmds);
    assert_int_equal(parse_commands_write_json(r, NULL, 0), cn);
    char *cmds = parse_commands_dumps(r);
    assert_non_null(cmds);
    assert_string_equal(cmds, want_cmds);

    if (n < 4096)
        check_buffer_sizes(want, n, text, len, r);
    free(cmds);
    free(got);
    free(want_cmds);
    free(want);
    json_decref(j);
}

static void check_message(const char *text, size_t len)
{
    static struct parse_result r;
    parse_message(text, len, &r);
    check_same(text, len, &r);
}

/* Every message of a table, and every whole line of it as a message too (tabs, quotes,
 * backslashes and JSON in the text). Returns the number of messages checked. */
static int run_table(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CATAT_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int cases = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)got;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        check_message(line, len);
        cases++;
        char *tab = memchr(line, '\t', len);
        if (len == 0 || line[0] == '#' || !tab)
            continue;
        check_message(line, corpus_unescape(line, (size_t)(tab - line)));
        cases++;
    }
    free(line);
    fclose(f);
    print_message("%s: %d messages\n", name, cases);
    return cases;
}

static void test_tables(void **state)
{
    (void)state;
    assert_true(run_table("parse_corpus.tsv") > 50);
    assert_true(run_table("parse_more.tsv") > 300);
}

/* Strings that break naive encoders, each alone and where the parser copies text into a field
 * (a broadcast body, a name, an item, a reference). */
static void test_hostile(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
    } hostile[] = {
#define H(lit) {lit, sizeof(lit) - 1}
        H(""),
        H("\""),
        H("\\"),
        H("\\\""),
        H("\"\\\"\\\\"),
        H("a\x00b"),
        H("\x00"),
        H("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"),
        H("\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"),
        H("/ </script> \\/ \\u0000"),
        H("\xff"),
        H("\xfe\xff"),
        H("\x80\xbf"),
        H("\xc0\xaf"),             /* overlong '/' */
        H("\xe0\x80\xaf"),         /* overlong, three bytes */
        H("\xed\xa0\x80"),         /* a UTF-16 surrogate */
        H("\xf4\x90\x80\x80"),     /* above U+10FFFF */
        H("\xf8\x88\x80\x80\x80"), /* five bytes */
        H("\xe2\x82"),             /* cut short */
        H("abc\xf0\x9f\x98"),      /* cut short at the end */
        H("\xc3\xa9\xc3"),
        H("\xf0\x9f\x98\x80\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9"), /* emoji, ZWJ */
        H("\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbe\xef\xbf\xbf"), /* U+2028 BOM U+FFFF */
        H("\xef\xbc\xaa\xef\xbc\xb5\xef\xbc\xa1\xef\xbc\xac 45rb"),        /* full-width JUAL */
        H("JUAL 45rb \"abon\" \\ ikan\t\x01"),
        H("KIRIM KPUK07 \"Rapat\"\\\n\tbesok\x1b[0m\xff"),
        H("DAFTAR Siti \"\\\" \x01 #MAWAR"),
        H("JAWAB 1A 2\" 3\\ 4\x01 5\xff"),
        H("BATAL \"K7QX\\"),
        H("SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO;SALDO"),
#undef H
    };
    static const char *const prefixes[] = {"",           "KIRIM KPUK07 ", "DAFTAR ",
                                           "JUAL 45rb ", "BATAL ",        "JAWAB 1A "};
    char msg[256];
    for (size_t h = 0; h < sizeof(hostile) / sizeof(hostile[0]); h++) {
        for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
            size_t pl = strlen(prefixes[p]);
            memcpy(msg, prefixes[p], pl);
            memcpy(msg + pl, hostile[h].s, hostile[h].len);
            check_message(msg, pl + hostile[h].len);
        }
    }
    for (int b = 0; b < 256; b++) { /* every byte, alone and inside a field */
        msg[0] = (char)b;
        check_message(msg, 1);
        int n = snprintf(msg, sizeof(msg), "KIRIM KPUK07 a%cb", b ? b : ' ');
        msg[14] = (char)b;
        check_message(msg, (size_t)n);
    }
    check_message(NULL, 0);
}

static void test_very_long(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    char *big = malloc(len);
    assert_non_null(big);
    static const char mix[] =
        "KIRIM KPUK07 \"q\" \\ \x01\xff\xf0\x9f\x98\x80\xc3\xa9\t\n;JUAL 45rb ";
    for (size_t i = 0; i < len; i++)
        big[i] = mix[i % (sizeof(mix) - 1)];
    check_message(big, len);
    memset(big, '"', len);
    check_message(big, len);
    memset(big, '\xff', len);
    check_message(big, len);
    free(big);
}

static void test_random_bytes(void **state)
{
    (void)state;
    unsigned seed = 4242;
    char buf[300];
    for (int round = 0; round < 5000; round++) {
        size_t len = (size_t)(rand_r(&seed) % (int)sizeof(buf));
        for (size_t i = 0; i < len; i++) {
            static const char pool[] = "KIRIM KPUK07 jual 45rb daftar \"\\;\n#";
            buf[i] = rand_r(&seed) % 2 ? pool[rand_r(&seed) % (int)(sizeof(pool) - 1)]
                                       : (char)(rand_r(&seed) & 0xff);
        }
        check_message(buf, len);
    }
}

/* Results the parser never makes but the writer must still match on: every field set, full
 * to its last byte (no NUL), hostile bytes in every field, every command and error name. */
static void test_built_results(void **state)
{
    (void)state;
    static struct parse_result r;
    unsigned seed = 99;
    for (int round = 0; round < 400; round++) {
        memset(&r, 0, sizeof(r));
        r.n_commands = 1 + round % PARSE_MAX_COMMANDS;
        r.truncated = round % 3 == 0;
        for (int i = 0; i < r.n_commands; i++) {
            struct parse_command *c = &r.commands[i];
            c->cmd = (enum parse_cmd)((round + i) % PARSE_CMD_COUNT);
            c->error = (enum parse_error)((round / 2 + i) % PARSE_ERR_COUNT);
            c->typo = (round + i) % 2;
            c->amount = round % 5 == 0 ? 0 : (int64_t)rand_r(&seed) * (round % 7 - 1);
            c->qty = round % 4 == 0 ? 0 : rand_r(&seed) % 1000 - 10;
            char *fields[] = {c->unit,  c->item,    c->ref,  c->member, c->name,
                              c->group, c->session, c->lang, c->target, c->body};
            size_t sizes[] = {sizeof(c->unit),    sizeof(c->item), sizeof(c->ref),
                              sizeof(c->member),  sizeof(c->name), sizeof(c->group),
                              sizeof(c->session), sizeof(c->lang), sizeof(c->target),
                              sizeof(c->body)};
            for (size_t f = 0; f < sizeof(sizes) / sizeof(sizes[0]); f++) {
                size_t n = (size_t)rand_r(&seed) % (sizes[f] + 1); /* sizes[f]: no NUL at all */
                for (size_t k = 0; k < n; k++) {
                    static const char pool[] = "aZ \"\\\x01\x1f\x7f\xc3\xa9\xf0\x9f\x98\x80";
                    fields[f][k] = rand_r(&seed) % 3 ? pool[rand_r(&seed) % (sizeof(pool) - 1)]
                                                     : (char)(rand_r(&seed) & 0xff);
                }
                if (n > 0 && fields[f][0] == '\0')
                    fields[f][0] = 'x';
                if (n < sizes[f])
                    fields[f][n] = '\0';
            }
            c->n_answers = round % 6 == 0 ? PARSE_MAX_ANSWERS : rand_r(&seed) % 4;
            for (int a = 0; a < c->n_answers; a++) {
                static const char letters[] = "ABCDEYN\"\\";
                c->answers[a].q = round % 11 == 0 ? -a : a + 1;
                c->answers[a].a = a == 3 ? '\0' : letters[rand_r(&seed) % (sizeof(letters) - 1)];
            }
        }
        check_same("JUAL 45rb", 9, &r);
    }
    memset(&r, 0, sizeof(r));
    r.n_commands = 1;
    r.commands[0].amount = INT64_MAX;
    r.commands[0].qty = 2147483647;
    check_same("", 0, &r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_very_long),     cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_built_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
