/* test_form.c - form-urlencoded parsing and encoding. */
#include "channel_test.h"

#include "form.h"

static void test_parse_table(void **unused)
{
    struct {
        const char *input;
        int rc;
        size_t n;
        const char *pairs[8][2];
    } cases[] = {
        {"", 0, 0, {{NULL}}},
        {"a=1", 0, 1, {{"a", "1"}}},
        {"a=1&b=two+words&c=%2B62%20812", 0, 3, {{"a", "1"}, {"b", "two words"}, {"c", "+62 812"}}},
        {"a=1&&b=2&", 0, 2, {{"a", "1"}, {"b", "2"}}},
        {"flag&x=", 0, 2, {{"flag", ""}, {"x", ""}}},
        {"=v", 0, 1, {{"", "v"}}},
        {"k=a=b", 0, 1, {{"k", "a=b"}}},
        {"Digits=1234&Digits=5678", 0, 2, {{"Digits", "1234"}, {"Digits", "5678"}}},
        {"t=%e2%82%AC%3d", 0, 1, {{"t", "\xe2\x82\xac="}}},
        {"na%6De=v", 0, 1, {{"name", "v"}}},
        {"t=50%", -1, 0, {{NULL}}},
        {"t=50%2", -1, 0, {{NULL}}},
        {"t=%zz", -1, 0, {{NULL}}},
        {"t=%00", -1, 0, {{NULL}}},
        {"t=%C3%28", -1, 0, {{NULL}}},           /* invalid UTF-8 */
        {"t=%ED%A0%80", -1, 0, {{NULL}}},        /* a surrogate */
        {"t=%C0%AF", -1, 0, {{NULL}}},           /* overlong */
        {"a=1&t=%F4%90%80%80", -1, 0, {{NULL}}}, /* past U+10FFFF */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct form f;
        char err[128] = "";
        int rc = form_parse(cases[i].input, strlen(cases[i].input), &f, err, sizeof err);
        print_message("case %s -> %d %s\n", cases[i].input, rc, err);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(f.n, cases[i].n);
        for (size_t k = 0; k < cases[i].n; k++) {
            assert_string_equal(f.fields[k].name, cases[i].pairs[k][0]);
            assert_string_equal(f.fields[k].value, cases[i].pairs[k][1]);
        }
        if (rc)
            assert_true(err[0]);
        form_free(&f);
    }
}

static void test_parse_not_terminated(void **unused)
{
    /* The parser reads exactly len bytes: "a=12" cut after "a=1". */
    struct form f;
    char err[128];
    assert_int_equal(form_parse("a=12", 3, &f, err, sizeof err), 0);
    assert_string_equal(form_get(&f, "a"), "1");
    assert_null(form_get(&f, "b"));
    form_free(&f);
    /* An escape cut by len is bad. */
    assert_int_equal(form_parse("a=%41", 4, &f, err, sizeof err), -1);
    /* An embedded NUL byte is bad. */
    assert_int_equal(form_parse("a=1\0b", 5, &f, err, sizeof err), -1);
    form_free(NULL);
}

static void test_encode(void **unused)
{
    struct form_buf b = {0};
    form_buf_add(&b, "http://h/p?");
    form_buf_add_pair(&b, "text", "Halo Bu, 45.000*2-1_x~!");
    form_buf_add_pair(&b, "to", "+62 812");
    form_buf_add_pair(&b, "u", "\xe2\x82\xac&=%/?");
    char *s = form_buf_steal(&b);
    assert_string_equal(s, "http://h/p?text=Halo+Bu%2C+45.000*2-1_x%7E%21&to=%2B62+812&u=%E2%82%"
                           "AC%26%3D%25%2F%3F");
    assert_null(b.data);
    /* What was encoded parses back to itself. */
    struct form f;
    char err[128];
    assert_int_equal(form_parse(s + 11, strlen(s + 11), &f, err, sizeof err), 0);
    assert_string_equal(form_get(&f, "text"), "Halo Bu, 45.000*2-1_x~!");
    assert_string_equal(form_get(&f, "to"), "+62 812");
    assert_string_equal(form_get(&f, "u"), "\xe2\x82\xac&=%/?");
    form_free(&f);
    free(s);
    struct form_buf empty = {0};
    s = form_buf_steal(&empty);
    assert_string_equal(s, "");
    free(s);
    form_buf_free(NULL);
}

static void test_utf8(void **unused)
{
    assert_true(form_utf8_valid("", 0));
    assert_true(form_utf8_valid("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    assert_false(form_utf8_valid("\x80", 1));
    assert_false(form_utf8_valid("\xe2\x82", 2));
    assert_false(form_utf8_valid("\xf0\x9f\x98", 3));
    assert_false(form_utf8_valid("\xff", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_not_terminated),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
