/* test_sms.c - GSM-7 membership and SMS segment counts. */
#include "channel_test.h"

#include "sms.h"

/* A string of n copies of unit (n * strlen(unit) < size). */
static const char *repeat(char *buf, size_t size, const char *unit, size_t n)
{
    size_t len = strlen(unit), at = 0;
    assert_true(n * len < size);
    for (size_t i = 0; i < n; i++, at += len)
        memcpy(buf + at, unit, len);
    buf[at] = '\0';
    return buf;
}

static void test_gsm7(void **unused)
{
    struct {
        const char *text;
        bool gsm7;
    } cases[] = {
        {"", true},
        {"Penjualan Rp45.000 dicatat. BATAL K7QX", true},
        {"@$_!\"#%&'()*+,-./:;<=>?\n\r", true},
        {"[]{}\\^~|\f", true},  /* extension table */
        {"\xe2\x82\xac", true}, /* euro, extension */
        {"\xc3\xa9\xc3\xa8\xc3\x85\xce\x94\xc2\xa3\xc2\xbf\xc2\xa1\xc3\x9f", true}, /* éèÅΔ£¿¡ß */
        {"`", false},
        {"\t", false},
        {"\xc3\xa7", false},              /* ç: only Ç is in the alphabet */
        {"\xc3\x87", true},               /* Ç */
        {"Halo \xf0\x9f\x98\x80", false}, /* emoji */
        {"\xc3\xa1", false},              /* á */
        {"\xff", false},                  /* not UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case %zu\n", i);
        assert_int_equal(sms_is_gsm7(cases[i].text, strlen(cases[i].text)), cases[i].gsm7);
    }
}

static void test_segments(void **unused)
{
    static char buf[4096];
    struct {
        const char *unit;
        size_t n;
        int segments;
        bool ucs2;
    } cases[] = {
        {"a", 0, 1, false},
        {"a", 1, 1, false},
        {"a", 160, 1, false},
        {"a", 161, 2, false},
        {"a", 306, 2, false},
        {"a", 307, 3, false},
        {"a", 459, 3, false},
        {"a", 460, 4, false},
        {"\xe2\x82\xac", 80, 1, false},  /* 160 septets */
        {"\xe2\x82\xac", 81, 2, false},  /* 162 */
        {"\xe2\x82\xac", 153, 3, false}, /* 76 per part (an escape pair is never split) */
        {"\xc3\xa1", 70, 1, true},
        {"\xc3\xa1", 71, 2, true},
        {"\xc3\xa1", 134, 2, true},
        {"\xc3\xa1", 135, 3, true},
        {"\xf0\x9f\x98\x80", 35, 1, true}, /* emoji: 2 UTF-16 units each */
        {"\xf0\x9f\x98\x80", 36, 2, true},
        {"\xf0\x9f\x98\x80", 67, 3, true}, /* 33 per part: a pair is never split */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *text = repeat(buf, sizeof buf, cases[i].unit, cases[i].n);
        bool ucs2 = !cases[i].ucs2;
        print_message("case %zu\n", i);
        assert_int_equal(sms_segments(text, strlen(text), &ucs2), cases[i].segments);
        assert_int_equal(ucs2, cases[i].ucs2);
    }
    /* 159 GSM characters and one euro: 161 septets, two parts. */
    repeat(buf, sizeof buf, "a", 159);
    memcpy(buf + 159, "\xe2\x82\xac", 4);
    assert_int_equal(sms_segments(buf, strlen(buf), NULL), 2);
    /* One emoji among GSM text turns the whole text into UCS-2. */
    repeat(buf, sizeof buf, "a", 69);
    memcpy(buf + 69, "\xf0\x9f\x98\x80", 5);
    assert_int_equal(sms_segments(buf, strlen(buf), NULL), 2);
}

/* Every ASCII byte, against GSM 03.38 written out here: 81 copies of a default-alphabet
 * character are 81 septets (one SMS), of an extension character 162 (two), and of a character
 * outside GSM-7 81 UCS-2 units (two, as UCS-2). */
static void test_every_ascii_byte(void **unused)
{
    static const char extension[] = "\f^{}\\[~]|";
    char buf[128];
    for (int c = 1; c < 128; c++) {
        bool ext = strchr(extension, c) != NULL;
        bool gsm = ext || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F && c != '`');
        memset(buf, c, 81);
        buf[81] = '\0';
        bool ucs2 = gsm;
        print_message("byte 0x%02x\n", c);
        assert_int_equal(sms_is_gsm7(buf, 1), gsm);
        assert_int_equal(sms_segments(buf, 81, &ucs2), gsm && !ext ? 1 : 2);
        assert_int_equal(ucs2, !gsm);
        /* beside a non-ASCII character, counted one character at a time */
        memcpy(buf, "\xc3\x89", 2); /* É, one septet */
        buf[2] = (char)c;
        assert_int_equal(sms_is_gsm7(buf, 3), gsm);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsm7),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_every_ascii_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
