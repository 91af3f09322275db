/* test_keyword.c - keyword lookup: every keyword, one-edit typos, ambiguity, consent words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "keyword.h"

static void expect(const char *word, enum parse_cmd cmd, bool typo)
{
    bool t = !typo;
    enum parse_cmd got = keyword_lookup(word, strlen(word), &t);
    if (got != cmd || t != typo)
        fail_msg("%s: got %s typo %d, want %s typo %d", word, parse_cmd_name(got), (int)t,
                 parse_cmd_name(cmd), (int)typo);
}

static void test_every_keyword(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        enum parse_cmd cmd;
    } all[] = {
        {"daftar", PARSE_CMD_REGISTER},
        {"register", PARSE_CMD_REGISTER},
        {"join", PARSE_CMD_REGISTER},
        {"jual", PARSE_CMD_SALE},
        {"penjualan", PARSE_CMD_SALE},
        {"laku", PARSE_CMD_SALE},
        {"sale", PARSE_CMD_SALE},
        {"sell", PARSE_CMD_SALE},
        {"sold", PARSE_CMD_SALE},
        {"beli", PARSE_CMD_EXPENSE},
        {"modal", PARSE_CMD_EXPENSE},
        {"biaya", PARSE_CMD_EXPENSE},
        {"belanja", PARSE_CMD_EXPENSE},
        {"keluar", PARSE_CMD_EXPENSE},
        {"buy", PARSE_CMD_EXPENSE},
        {"expense", PARSE_CMD_EXPENSE},
        {"spend", PARSE_CMD_EXPENSE},
        {"bayar", PARSE_CMD_REPAYMENT},
        {"angsur", PARSE_CMD_REPAYMENT},
        {"angsuran", PARSE_CMD_REPAYMENT},
        {"cicil", PARSE_CMD_REPAYMENT},
        {"pay", PARSE_CMD_REPAYMENT},
        {"repay", PARSE_CMD_REPAYMENT},
        {"tabung", PARSE_CMD_SAVINGS},
        {"tabungan", PARSE_CMD_SAVINGS},
        {"simpan", PARSE_CMD_SAVINGS},
        {"nabung", PARSE_CMD_SAVINGS},
        {"save", PARSE_CMD_SAVINGS},
        {"saldo", PARSE_CMD_BALANCE},
        {"cek", PARSE_CMD_BALANCE},
        {"balance", PARSE_CMD_BALANCE},
        {"hadir", PARSE_CMD_ATTENDANCE},
        {"absen", PARSE_CMD_ATTENDANCE},
        {"present", PARSE_CMD_ATTENDANCE},
        {"attend", PARSE_CMD_ATTENDANCE},
        {"jawab", PARSE_CMD_ANSWER},
        {"answer", PARSE_CMD_ANSWER},
        {"batal", PARSE_CMD_CANCEL},
        {"hapus", PARSE_CMD_CANCEL},
        {"cancel", PARSE_CMD_CANCEL},
        {"undo", PARSE_CMD_CANCEL},
        {"bantuan", PARSE_CMD_HELP},
        {"tolong", PARSE_CMD_HELP},
        {"menu", PARSE_CMD_HELP},
        {"info", PARSE_CMD_HELP},
        {"?", PARSE_CMD_HELP},
        {"help", PARSE_CMD_HELP},
        {"berhenti", PARSE_CMD_STOP},
        {"stop", PARSE_CMD_STOP},
        {"unreg", PARSE_CMD_STOP},
        {"unsubscribe", PARSE_CMD_STOP},
        {"mulai", PARSE_CMD_START},
        {"lanjut", PARSE_CMD_START},
        {"start", PARSE_CMD_START},
        {"subscribe", PARSE_CMD_START},
        {"bahasa", PARSE_CMD_LANGUAGE},
        {"lang", PARSE_CMD_LANGUAGE},
        {"language", PARSE_CMD_LANGUAGE},
        {"laporan", PARSE_CMD_REPORT},
        {"rekap", PARSE_CMD_REPORT},
        {"report", PARSE_CMD_REPORT},
        {"kirim", PARSE_CMD_BROADCAST},
        {"siarkan", PARSE_CMD_BROADCAST},
        {"broadcast", PARSE_CMD_BROADCAST},
        {"konfirm", PARSE_CMD_CONFIRM},
        {"sah", PARSE_CMD_CONFIRM},
        {"confirm", PARSE_CMD_CONFIRM},
        {"sesi", PARSE_CMD_SESSION},
        {"session", PARSE_CMD_SESSION},
        /* new commands */
        {"tarik", PARSE_CMD_WITHDRAWAL},
        {"ambil", PARSE_CMD_WITHDRAWAL},
        {"withdraw", PARSE_CMD_WITHDRAWAL},
        {"ya", PARSE_CMD_YES},
        {"iya", PARSE_CMD_YES},
        {"yes", PARSE_CMD_YES},
        {"tunggakan", PARSE_CMD_ARREARS},
        {"arrears", PARSE_CMD_ARREARS},
        /* Javanese (issue 19) */
        {"adol", PARSE_CMD_SALE},
        {"ngedol", PARSE_CMD_SALE},
        {"didol", PARSE_CMD_SALE},
        {"dodol", PARSE_CMD_SALE},
        {"payu", PARSE_CMD_SALE},
        {"sade", PARSE_CMD_SALE},
        {"tuku", PARSE_CMD_EXPENSE},
        {"tumbas", PARSE_CMD_EXPENSE},
        {"kulak", PARSE_CMD_EXPENSE},
        {"blanja", PARSE_CMD_EXPENSE},
        {"nyicil", PARSE_CMD_REPAYMENT},
        {"mbayar", PARSE_CMD_REPAYMENT},
        {"nyelengi", PARSE_CMD_SAVINGS},
        {"celengan", PARSE_CMD_SAVINGS},
        {"saldone", PARSE_CMD_BALANCE},
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        expect(all[i].word, all[i].cmd, false);
}

static void test_typos(void **state)
{
    (void)state;
    expect("jaul", PARSE_CMD_SALE, true);  /* swap */
    expect("jul", PARSE_CMD_SALE, true);   /* delete */
    expect("juall", PARSE_CMD_SALE, true); /* insert */
    expect("jusl", PARSE_CMD_SALE, true);  /* substitute */
    expect("bayr", PARSE_CMD_REPAYMENT, true);
    expect("tabng", PARSE_CMD_SAVINGS, true);
    expect("slado", PARSE_CMD_BALANCE, true);
    expect("bali", PARSE_CMD_EXPENSE, true);
    expect("penjualn", PARSE_CMD_SALE, true);
    expect("angsura", PARSE_CMD_REPAYMENT, true); /* near two keywords of one command */
    expect("sal", PARSE_CMD_SALE, true);
    expect("hlep", PARSE_CMD_HELP, true);
    expect("adoll", PARSE_CMD_SALE, true);
    expect("dodl", PARSE_CMD_SALE, true);
    expect("sdae", PARSE_CMD_SALE, true);
    expect("tumbs", PARSE_CMD_EXPENSE, true);
    expect("blnja", PARSE_CMD_EXPENSE, true); /* one edit from blanja, two from belanja */
    expect("mbyar", PARSE_CMD_REPAYMENT, true);
    expect("nyelngi", PARSE_CMD_SAVINGS, true);
    expect("saldne", PARSE_CMD_BALANCE, true);
    expect("traik", PARSE_CMD_WITHDRAWAL, true);
    expect("tunggakn", PARSE_CMD_ARREARS, true);
}

static void test_no_guess(void **state)
{
    (void)state;
    expect("stok", PARSE_CMD_NONE, false); /* stop and start only exactly */
    expect("stopp", PARSE_CMD_NONE, false);
    expect("strat", PARSE_CMD_NONE, false);
    expect("berhent", PARSE_CMD_NONE, false);
    expect("mulia", PARSE_CMD_NONE, false);
    expect("sake", PARSE_CMD_NONE, false); /* sale and save */
    /* typos the Javanese keywords made ambiguous: one edit from keywords of two commands */
    expect("sado", PARSE_CMD_NONE, false);  /* saldo, sade */
    expect("luku", PARSE_CMD_NONE, false);  /* laku, tuku */
    expect("taku", PARSE_CMD_NONE, false);  /* laku, tuku */
    expect("modol", PARSE_CMD_NONE, false); /* modal, dodol */
    expect("dodal", PARSE_CMD_NONE, false); /* modal, dodol */
    expect("yaa", PARSE_CMD_NONE, false);   /* ya has two letters */
    expect("cekk", PARSE_CMD_NONE, false);  /* cek has three letters */
    expect("pa", PARSE_CMD_NONE, false);
    expect("halo", PARSE_CMD_NONE, false);
    expect("ju", PARSE_CMD_NONE, false);
    expect("", PARSE_CMD_NONE, false);
    expect("jualjualjualjualjualjualjualjualjual", PARSE_CMD_NONE, false);
    assert_int_equal(keyword_lookup("jual", 4, NULL), PARSE_CMD_SALE);
}

static void test_one_edit(void **state)
{
    (void)state;
    assert_true(keyword_one_edit("abcd", 4, "abdc", 4));
    assert_true(keyword_one_edit("abcd", 4, "abd", 3));
    assert_true(keyword_one_edit("abd", 3, "abcd", 4));
    assert_true(keyword_one_edit("abcd", 4, "xbcd", 4));
    assert_false(keyword_one_edit("abcd", 4, "abcd", 4));
    assert_false(keyword_one_edit("abcd", 4, "badc", 4));
    assert_false(keyword_one_edit("abcd", 4, "ab", 2));
    assert_false(keyword_one_edit("abcd", 4, "acbx", 4));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(parse_cmd_name(PARSE_CMD_SALE), "sale");
    assert_string_equal(parse_cmd_name(PARSE_CMD_NONE), "");
    assert_string_equal(parse_cmd_name(PARSE_CMD_WITHDRAWAL), "withdrawal");
    assert_string_equal(parse_cmd_name(PARSE_CMD_YES), "yes");
    assert_string_equal(parse_cmd_name(PARSE_CMD_ARREARS), "arrears");
    assert_string_equal(parse_cmd_name(PARSE_CMD_SESSION_CANCEL), "session_cancel");
    assert_string_equal(parse_cmd_name((enum parse_cmd)999), "");
    assert_string_equal(parse_error_name(PARSE_ERR_BAD_AMOUNT), "bad_amount");
    assert_string_equal(parse_error_name(PARSE_ERR_OK), "");
    assert_string_equal(parse_error_name((enum parse_error)999), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_keyword), cmocka_unit_test(test_typos),
        cmocka_unit_test(test_no_guess),      cmocka_unit_test(test_one_edit),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
