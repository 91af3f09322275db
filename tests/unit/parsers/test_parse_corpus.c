/* test_parse_corpus.c - the parser against the tables parse_corpus.tsv and parse_more.tsv. */
#define _POSIX_C_SOURCE 200809L /* getline */
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

/* Every key of want is in got with an equal value; a null in want means the key is absent. */
static int subset_match(json_t *want, json_t *got, char *why, size_t whysz)
{
    if (!json_is_array(want) || !json_is_array(got) ||
        json_array_size(want) != json_array_size(got)) {
        snprintf(why, whysz, "expected %zu commands, got %zu", json_array_size(want),
                 json_array_size(got));
        return 0;
    }
    for (size_t i = 0; i < json_array_size(want); i++) {
        json_t *w = json_array_get(want, i), *g = json_array_get(got, i);
        const char *key;
        json_t *v;
        json_object_foreach(w, key, v)
        {
            json_t *gv = json_object_get(g, key);
            if (json_is_null(v) ? gv != NULL : !json_equal(v, gv)) {
                char *gs = gv ? json_dumps(gv, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                snprintf(why, whysz, "command %zu key %s: got %s", i, key, gs ? gs : "(absent)");
                free(gs);
                return 0;
            }
        }
    }
    return 1;
}

static int run_table(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CATAT_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("cannot open %s\n", path);
        return -1;
    }
    struct parse_result *r = malloc(sizeof(*r));
    assert_non_null(r);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, failures = 0, cases = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        line[len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *tab = strrchr(line, '\t');
        if (!tab) {
            print_error("%s:%d: no tab\n", name, lineno);
            failures++;
            continue;
        }
        *tab = '\0';
        json_error_t err;
        json_t *want = json_loads(tab + 1, 0, &err);
        if (!want) {
            print_error("%s:%d: bad JSON: %s\n", name, lineno, err.text);
            failures++;
            continue;
        }
        size_t tlen = corpus_unescape(line, (size_t)(tab - line));
        parse_message(line, tlen, r);
        json_t *got = parse_result_to_json(line, tlen, r);
        assert_non_null(got);
        char why[512];
        if (!subset_match(want, json_object_get(got, "commands"), why, sizeof(why))) {
            char *gs = json_dumps(got, JSON_COMPACT);
            print_error("%s:%d: %s\n  want %s\n  got  %s\n", name, lineno, why, tab + 1, gs);
            free(gs);
            failures++;
        }
        cases++;
        json_decref(want);
        json_decref(got);
    }
    free(line);
    free(r);
    fclose(f);
    print_message("%s: %d cases, %d failures\n", name, cases, failures);
    return cases > 0 ? failures : -1;
}

static void test_corpus(void **state)
{
    (void)state;
    assert_int_equal(run_table("parse_corpus.tsv"), 0);
}

static void test_more(void **state)
{
    (void)state;
    assert_int_equal(run_table("parse_more.tsv"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
