/* test_phone.c - phone numbers to E.164 and masking for logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "phone.h"

static void expect(const char *in, const char *cc, const char *want)
{
    char out[PHONE_E164_MAX];
    int rc = phone_normalize(in, strlen(in), cc, out);
    if (want == NULL) {
        if (rc != -1 || out[0] != '\0')
            fail_msg("%s: accepted as %s", in, out);
        return;
    }
    if (rc != 0 || strcmp(out, want) != 0)
        fail_msg("%s: rc %d out %s, want %s", in, rc, out, want);
}

static void test_normalize(void **state)
{
    (void)state;
    expect("08123456789", "62", "+628123456789");
    expect("628123456789", "62", "+628123456789");
    expect("+628123456789", "62", "+628123456789");
    expect("+62 812-3456-789", "62", "+628123456789");
    expect("whatsapp:+628123456789", "62", "+628123456789");
    expect("WhatsApp:+628123456789", "62", "+628123456789");
    expect("(0812) 3456 789", "62", "+628123456789");
    expect("0812.3456.789", "62", "+628123456789");
    expect("+62 0812 3456 789", "62", "+628123456789");
    expect("0062 812 3456 789", "62", "+628123456789");
    expect("tel:+447911123456", "62", "+447911123456");
    expect("0412345678", "61", "+61412345678");
    expect("08123456789", NULL, "+628123456789");
    expect("08123456789", "", "+628123456789");
}

static void test_reject(void **state)
{
    (void)state;
    expect("", "62", NULL);
    expect("0812abc6789", "62", NULL);
    expect("siti", "62", NULL);
    expect("0812345", "62", NULL);            /* 7 digits */
    expect("+1234567890123456", "62", NULL);  /* 16 digits */
    expect("081234567890123456", "62", NULL); /* too many */
    expect("+62+812345678", "62", NULL);
    expect("0812 3456 789+", "62", NULL);
    expect("08123456789", "6x", NULL);
    expect("08123456789\n", "62", NULL);
    char out[PHONE_E164_MAX];
    assert_int_equal(phone_normalize(NULL, 0, "62", out), -1);
}

static void test_mask(void **state)
{
    (void)state;
    char out[32];
    phone_mask("+628123456789", out, sizeof(out));
    assert_string_equal(out, "+62812****789");
    phone_mask("+6281234567890", out, sizeof(out));
    assert_string_equal(out, "+62812*****890");
    phone_mask("+12345678", out, sizeof(out));
    assert_int_equal(strlen(out), 9);
    assert_null(strstr(out, "2345678"));
    phone_mask("", out, sizeof(out));
    assert_string_equal(out, "");
    phone_mask(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    char small[6];
    phone_mask("+628123456789", small, sizeof(small));
    assert_string_equal(small, "+6281");
    phone_mask("+628123456789", out, 0); /* must not write */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
