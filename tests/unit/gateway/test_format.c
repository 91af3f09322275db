/* test_format.c - rupiah, time zones, ISO 8601 and week boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "format.h"

static void rupiah_is_written_the_indonesian_way(void **state)
{
    static const struct {
        int64_t amount;
        const char *text;
    } cases[] = {
        {0, "Rp0"},          {500, "Rp500"},           {1000, "Rp1.000"},
        {45000, "Rp45.000"}, {1250000, "Rp1.250.000"}, {1000000000, "Rp1.000.000.000"},
        {-5000, "-Rp5.000"}, {999, "Rp999"},           {100000, "Rp100.000"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(format_rupiah(cases[i].amount, out, sizeof out), cases[i].text);
}

static void time_zones_of_indonesia(void **state)
{
    int s;
    assert_int_equal(format_parse_tz("+07:00", &s), 0);
    assert_int_equal(s, 7 * 3600);
    assert_int_equal(format_parse_tz("+09:00", &s), 0);
    assert_int_equal(s, 9 * 3600);
    assert_int_equal(format_parse_tz("-03:30", &s), 0);
    assert_int_equal(s, -(3 * 3600 + 1800));
    assert_int_equal(format_parse_tz("07:00", &s), -1);
    assert_int_equal(format_parse_tz("+7", &s), -1);
    assert_int_equal(format_parse_tz("+25:00", &s), -1);
    assert_int_equal(format_parse_tz(NULL, &s), -1);
}

static void iso8601_round_trip(void **state)
{
    int64_t t;
    char out[40];
    assert_int_equal(format_parse_time("2026-11-23T08:00:00+07:00", &t), 0);
    assert_int_equal(t, 1795395600); /* 01:00 UTC */
    assert_string_equal(format_iso8601(t, 7 * 3600, out, sizeof out), "2026-11-23T08:00:00+07:00");
    assert_string_equal(format_iso8601(t, 9 * 3600, out, sizeof out), "2026-11-23T10:00:00+09:00");
    assert_string_equal(format_iso8601(t, 0, out, sizeof out), "2026-11-23T01:00:00Z");
    assert_int_equal(format_parse_time("2026-11-23T01:00Z", &t), 0);
    assert_int_equal(t, 1795395600);
    assert_int_equal(format_parse_time("2026-11-23", &t), 0);
    assert_int_equal(t, 1795392000);
    assert_int_equal(format_parse_time("2026-13-01", &t), -1);
    assert_int_equal(format_parse_time("2026-11-23T8:00", &t), -1);
    assert_int_equal(format_parse_time("2026-11-23T08:00+7", &t), -1);
    assert_int_equal(format_parse_time("yesterday", &t), -1);
    assert_string_equal(format_date(1795395600, 7 * 3600, out, sizeof out), "2026-11-23");
    /* 23:30 UTC on the 22nd is already the 23rd in Jayapura. */
    assert_string_equal(format_date(1795361400, 9 * 3600, out, sizeof out), "2026-11-23");
    assert_string_equal(format_date(1795361400, 0, out, sizeof out), "2026-11-22");
}

static void weeks_start_on_monday_local_midnight(void **state)
{
    int64_t monday;
    assert_int_equal(format_parse_time("2026-11-23T00:00:00+07:00", &monday), 0); /* a Monday */
    int64_t thursday_evening;
    assert_int_equal(format_parse_time("2026-11-26T20:00:00+07:00", &thursday_evening), 0);
    assert_int_equal(format_week_start(thursday_evening, 7 * 3600), monday);
    assert_int_equal(format_week_start(monday, 7 * 3600), monday);
    /* One second before Monday belongs to the week before. */
    assert_int_equal(format_week_start(monday - 1, 7 * 3600), monday - 7 * 86400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rupiah_is_written_the_indonesian_way),
        cmocka_unit_test(time_zones_of_indonesia),
        cmocka_unit_test(iso8601_round_trip),
        cmocka_unit_test(weeks_start_on_monday_local_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
