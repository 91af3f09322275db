/* test_web_form.c - the web app's form decoder: URL-encoded bodies and multipart/form-data
 * uploads, from a table of bodies and the fields each must give (or the error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web_form.h"

#define MP "multipart/form-data; boundary=XyZ"

static void test_table(void **unused)
{
    (void)unused;
    struct {
        const char *type, *body;
        size_t body_len; /* 0: strlen */
        int rc;
        size_t n;
        const char *fields[4][3]; /* name, value, filename (NULL for none) */
    } cases[] = {
        {"application/x-www-form-urlencoded",
         "phone=%2B62812&code=123456",
         0,
         0,
         2,
         {{"phone", "+62812", NULL}, {"code", "123456", NULL}}},
        {"application/x-www-form-urlencoded; charset=UTF-8",
         "a=b+c",
         0,
         0,
         1,
         {{"a", "b c", NULL}}},
        {"", "", 0, 0, 0, {{NULL}}},
        {"", "a=1", 0, -1, 0, {{NULL}}}, /* a body without a type */
        {"text/plain", "a=1", 0, -1, 0, {{NULL}}},
        {"application/x-www-form-urlencoded", "a=%zz", 0, -1, 0, {{NULL}}},
        {MP,
         "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n"
         "Content-Type: text/csv\r\n\r\nphone,name\r\n0812,Siti\r\n\r\n--XyZ--\r\n",
         0,
         0,
         2,
         {{"csrf", "abc", NULL}, {"file", "phone,name\r\n0812,Siti\r\n", "m.csv"}}},
        {"multipart/form-data; boundary=\"a b\"",
         "preamble\r\n--a b\r\ncontent-disposition: form-data; name=x\r\n\r\n1\r\n--a b--",
         0,
         0,
         1,
         {{"x", "1", NULL}}},
        {MP,
         "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno end",
         0,
         -1,
         0,
         {{NULL}}},
        {MP, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", 0, -1, 0, {{NULL}}},
        {MP,
         "--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--XyZ--",
         0,
         -1,
         0,
         {{NULL}}},
        {MP,
         "--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\xc3\x28\r\n--XyZ--",
         0,
         -1,
         0,
         {{NULL}}},                                            /* a text field that is not UTF-8 */
        {"multipart/form-data", "--\r\n", 0, -1, 0, {{NULL}}}, /* no boundary */
        {MP, "nothing of the kind", 0, -1, 0, {{NULL}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct web_form f;
        char err[160] = "";
        size_t len = cases[i].body_len ? cases[i].body_len : strlen(cases[i].body);
        int rc = web_form_decode(cases[i].type, cases[i].body, len, &f, err, sizeof err);
        print_message("case %zu -> %d %s\n", i, rc, err);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(f.n, cases[i].n);
        if (rc != 0)
            assert_true(err[0] != '\0');
        for (size_t k = 0; k < cases[i].n; k++) {
            assert_string_equal(f.field[k].name, cases[i].fields[k][0]);
            assert_string_equal(f.field[k].value, cases[i].fields[k][1]);
            if (cases[i].fields[k][2])
                assert_string_equal(f.field[k].filename, cases[i].fields[k][2]);
            else
                assert_null(f.field[k].filename);
        }
        web_form_free(&f);
    }
}

static void test_binary_file_and_lookup(void **unused)
{
    (void)unused;
    static const char body[] = "--B\r\nContent-Disposition: form-data; name=\"f\"; "
                               "filename=\"x.csv\"\r\n\r\na\0b\r\n--B--\r\n";
    struct web_form f;
    char err[160];
    assert_int_equal(web_form_decode("multipart/form-data; boundary=B", body, sizeof body - 1, &f,
                                     err, sizeof err),
                     0);
    const struct web_field *file = web_form_field(&f, "f");
    assert_non_null(file);
    assert_int_equal(file->len, 3);
    assert_memory_equal(file->value, "a\0b", 3);
    assert_string_equal(web_form_get(&f, "missing"), "");
    web_form_free(&f);
    web_form_free(&f); /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_binary_file_and_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
