/* test_render.c - how every text to a person is rendered (domain_render): long names and items
 * shortened at a word, the spaces an empty value leaves behind removed, the shipped templates'
 * one-SMS replies with the longest values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "domain.h"
#include "sms.h"
#include "templates.h"

static struct templates *shipped(void)
{
    char err[256];
    struct templates *t = templates_load(CATAT_SOURCE_DIR "/templates", err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

static void long_names_and_items_are_cut_at_a_word(void **state)
{
    (void)state;
    struct templates *t = shipped();
    const char *name = "Sri Rahayu Ningsih Kusumawardhani Putri";
    struct template_var v[] = {{"name", name}, {"group", "KPUK07"}};
    char out[512];
    assert_true(domain_render(t, "id", "register_already", v, 2, out, sizeof out) > 0);
    /* "Sri Rahayu Ningsih" is the longest run of whole words within DOMAIN_NAME_SHOWN. */
    assert_string_equal(out, "Anda sudah terdaftar sebagai Sri Rahayu Ningsih di grup KPUK07.");
    assert_true(strlen("Sri Rahayu Ningsih") <= DOMAIN_NAME_SHOWN);
    /* One word longer than the limit is cut inside it. */
    struct template_var w[] = {{"name", "Kusumawardhaniningsihputri"}, {"group", "KPUK07"}};
    assert_true(domain_render(t, "id", "register_already", w, 2, out, sizeof out) > 0);
    assert_non_null(strstr(out, "sebagai Kusumawardhaniningsi di"));
    struct template_var e[] = {{"cmd", "Penjualan"},
                               {"amount", "Rp1.000.000.000"},
                               {"item", " 3 bungkus abon ikan tongkol pedas manis khas blitar"},
                               {"ref", "K7QX"}};
    assert_true(domain_render(t, "id", "entry_ok", e, 4, out, sizeof out) > 0);
    assert_string_equal(out, "Penjualan Rp1.000.000.000 3 bungkus abon ikan dicatat. Ref K7QX. "
                             "Salah? Kirim BATAL K7QX");
    templates_free(t);
}

static void empty_values_leave_no_double_space(void **state)
{
    (void)state;
    struct templates *t = shipped();
    /* no_loan with no loan code: "pinjaman aktif  atas" would have two spaces. */
    struct template_var v[] = {{"loan", ""}, {"name", "Siti"}};
    char out[512];
    assert_true(domain_render(t, "id", "no_loan", v, 2, out, sizeof out) > 0);
    assert_null(strstr(out, "  "));
    assert_string_equal(out,
                        "Tidak ada pinjaman aktif atas nama Anda. Tanyakan pada bendahara grup.");
    /* and none before a full stop or a comma */
    struct template_var n[] = {{"loan", ""}, {"name", "Siti"}};
    assert_true(domain_render(t, "id", "no_loan_member", n, 2, out, sizeof out) > 0);
    assert_string_equal(out, "Siti tidak punya pinjaman aktif.");
    assert_int_equal(domain_render(t, "id", "no_such_key", NULL, 0, out, sizeof out), -1);
    templates_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_names_and_items_are_cut_at_a_word),
        cmocka_unit_test(empty_values_leave_no_double_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
