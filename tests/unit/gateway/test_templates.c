/* test_templates.c - loading the shipped templates, fallback, placeholders, bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "templates.h"

static void shipped_templates_render_in_both_languages(void **state)
{
    char err[256];
    struct templates *t = templates_load(CATAT_SOURCE_DIR "/templates", err, sizeof err);
    assert_non_null(t);
    struct template_var v[] = {
        {"cmd", "Penjualan"}, {"amount", "Rp45.000"}, {"item", " abon"}, {"ref", "K7QX"}};
    char out[512];
    assert_true(templates_render(t, "id", "entry_ok", v, 4, out, sizeof out) > 0);
    assert_string_equal(out, "Penjualan Rp45.000 abon dicatat. Ref K7QX. Salah? Kirim BATAL K7QX");
    assert_true(templates_render(t, "en", "language_ok", NULL, 0, out, sizeof out) > 0);
    assert_string_equal(out, "Language set to English.");
    /* An unknown language falls back to Indonesian; an unknown key is an error. */
    assert_true(templates_render(t, "fr", "language_ok", NULL, 0, out, sizeof out) > 0);
    assert_string_equal(out, "Bahasa diganti ke Bahasa Indonesia.");
    assert_int_equal(templates_render(t, "id", "no_such_key", NULL, 0, out, sizeof out), -1);
    /* Every key of id.ini is in en.ini. */
    const char *id_keys[256], *en_keys[256];
    size_t n_id = templates_keys(t, "id", id_keys, 256),
           n_en = templates_keys(t, "en", en_keys, 256);
    assert_true(n_id > 40);
    for (size_t i = 0; i < n_id; i++) {
        bool found = false;
        for (size_t j = 0; j < n_en && !found; j++)
            found = strcmp(id_keys[i], en_keys[j]) == 0;
        if (!found)
            fail_msg("en.ini lacks %s", id_keys[i]);
    }
    templates_free(t);
}

static void placeholders_and_truncation(void **state)
{
    char dir[] = "/tmp/catat-tpl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/id.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# comment\n[reply]\nhelp = Halo {name}, {unknown} {name}\\nbaris dua\n", f);
    fclose(f);
    char err[256];
    struct templates *t = templates_load(dir, err, sizeof err);
    assert_non_null(t);
    struct template_var v[] = {{"name", "Siti"}};
    char out[64];
    templates_render(t, "id", "help", v, 1, out, sizeof out);
    assert_string_equal(out, "Halo Siti, {unknown} Siti\nbaris dua");
    char small[8];
    templates_render(t, "id", "help", v, 1, small, sizeof small);
    assert_string_equal(small, "Halo Si");
    templates_free(t);
    f = fopen(path, "w");
    fputs("help\n", f); /* no '=' */
    fclose(f);
    assert_null(templates_load(dir, err, sizeof err));
    assert_non_null(strstr(err, "id.ini:1"));
    unlink(path);
    assert_null(templates_load(dir, err, sizeof err)); /* no id.ini at all */
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_templates_render_in_both_languages),
        cmocka_unit_test(placeholders_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
