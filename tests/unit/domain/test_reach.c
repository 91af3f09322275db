/* test_reach.c - reach_failed: the provider's opt-out, and the SMS fallback for a person
 * WhatsApp cannot reach (once, cut to REACH_FALLBACK_SEGMENTS, linked to the WhatsApp row). */
#include "domain_test.h"

#include "channel.h"
#include "sms.h"

#include <sqlite3.h>

#define SARI "+6281200000001"

/* Queues text to who on channel (from sender) and reads the row back. */
static struct store_outbox_row queued(struct world *w, const struct store_person *who,
                                      const char *channel, const char *text)
{
    int64_t id = reach_queue(&w->reach, w->s, who, channel, text, "reminder", NULL, 0, w->now, 0);
    assert_true(id > 0);
    struct store_outbox_row row;
    assert_int_equal(store_outbox_get(w->s, id, &row), 1);
    assert_int_equal(store_outbox_fail(w->s, id, "HTTP 400: 131026: Message undeliverable"), 0);
    return row;
}

/* The integer answer of sql, read on a connection of its own (the store commits each write). */
static int64_t world_scalar(struct world *w, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(w->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t count(struct world *w, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE %s", where);
    return world_scalar(w, sql);
}

static void test_fallback_once_and_cut(void **unused)
{
    struct world *w = world_new("[kannel]\nenabled = true\n");
    assert_string_equal(w->reach.sms_fallback, "kannel");
    int64_t g = world_group(w, "KPUK07");
    struct store_person sari = world_person(w, SARI, "Sari", "A0001", "member", g);
    /* A long WhatsApp text (a digest): 30 lines of 30 characters, over three SMS. */
    char text[1024] = "";
    for (int i = 0; i < 30; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "Baris %02d: Rp1.000.000 abon\n",
                 i);
    assert_true(sms_segments(text, strlen(text), NULL) > REACH_FALLBACK_SEGMENTS);
    struct store_outbox_row row = queued(w, &sari, "whatsapp", text);
    int64_t fb = reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_UNDELIVERABLE,
                              "HTTP 400: 131026", w->now);
    assert_true(fb > 0);
    struct store_outbox_row sms;
    assert_int_equal(store_outbox_get(w->s, fb, &sms), 1);
    assert_string_equal(sms.channel, "kannel");
    assert_string_equal(sms.phone, SARI);
    assert_int_equal(sms.fallback_of, row.id);
    int segments = sms_segments(sms.text, strlen(sms.text), NULL);
    assert_true(segments >= 1 && segments <= REACH_FALLBACK_SEGMENTS);
    size_t len = strlen(sms.text);
    assert_true(len > 3 && strcmp(sms.text + len - 3, "...") == 0);
    /* cut at a line end: everything before the mark is a prefix of the original lines */
    assert_int_equal(strncmp(sms.text, text, len - 4), 0);
    assert_int_equal(sms.text[len - 4], '\n');
    char where[64];
    snprintf(where, sizeof where, "id = %lld AND error LIKE '%%sent by SMS instead%%'",
             (long long)row.id);
    assert_int_equal(count(w, where), 1);
    /* Once only: the same failure again queues nothing. */
    assert_int_equal(
        reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_UNDELIVERABLE, "again", w->now), 0);
    /* The SMS itself failing never falls back again. */
    assert_int_equal(
        reach_failed(&w->reach, w->s, &sms, CHANNEL_FAILURE_UNDELIVERABLE, "x", w->now), 0);
    /* Other failures change nothing. */
    assert_int_equal(reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_OTHER, "x", w->now), 0);
    assert_int_equal(count(w, "channel = 'kannel'"), 1);
    store_outbox_rows_free(&sms, 1);
    store_outbox_rows_free(&row, 1);

    /* Opted out: no fallback to her. */
    struct store_person dewi = world_person(w, "+6281200000002", "Dewi", "A0002", "member", g);
    assert_int_equal(store_person_set_opted_out(w->s, dewi.id, true), 0);
    row = queued(w, &dewi, "whatsapp", "Pengingat");
    assert_int_equal(
        reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_UNDELIVERABLE, "x", w->now), 0);
    store_outbox_rows_free(&row, 1);
    world_free(w);
}

static void test_no_sms_channel_no_fallback(void **unused)
{
    struct world *w = world_new(NULL);
    assert_null(w->reach.sms_fallback);
    struct store_person sari =
        world_person(w, SARI, "Sari", "A0001", "member", world_group(w, "G1"));
    struct store_outbox_row row = queued(w, &sari, "whatsapp", "Pengingat");
    assert_int_equal(
        reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_UNDELIVERABLE, "x", w->now), 0);
    assert_int_equal(count(w, "1"), 1);
    store_outbox_rows_free(&row, 1);
    world_free(w);
}

static void test_provider_opt_out(void **unused)
{
    struct world *w = world_new("[kannel]\nenabled = true\n");
    struct store_person sari =
        world_person(w, SARI, "Sari", "A0001", "member", world_group(w, "G1"));
    struct store_outbox_row row = queued(w, &sari, "twilio", "Pengingat");
    assert_int_equal(
        reach_failed(&w->reach, w->s, &row, CHANNEL_FAILURE_OPTED_OUT, "21610: failed", w->now), 0);
    struct store_person after;
    assert_int_equal(store_person_by_phone(w->s, SARI, &after), 1);
    assert_true(after.opted_out);
    assert_int_equal(world_scalar(w, "SELECT count(*) FROM people WHERE opted_out_reason ="
                                     " 'twilio 21610: failed' AND opted_out_at IS NOT NULL"),
                     1);
    /* START clears it as for STOP. */
    assert_int_equal(store_person_set_opted_out(w->s, after.id, false), 0);
    assert_int_equal(world_scalar(w, "SELECT count(*) FROM people WHERE opted_out_reason IS NULL"),
                     1);
    /* Opted out people are not reached by reminders (they are skipped as after STOP). */
    store_outbox_rows_free(&row, 1);
    world_free(w);
}

static void test_sender_and_window(void **unused)
{
    struct world *w = world_new(NULL);
    /* She wrote to a Twilio WhatsApp sender: what goes to her on twilio goes out from it. */
    assert_int_equal(
        store_person_touch_via(w->s, SARI, "twilio", "whatsapp:+14155238886", "ID.77", w->now), 0);
    struct store_person sari;
    assert_int_equal(store_person_by_phone(w->s, SARI, &sari), 1);
    assert_string_equal(sari.last_to, "whatsapp:+14155238886");
    assert_string_equal(sari.user_id, "ID.77");
    int64_t id = reach_queue(&w->reach, w->s, &sari, NULL, "Saldo", "reply", NULL, 0, w->now, 0);
    struct store_outbox_row row;
    assert_int_equal(store_outbox_get(w->s, id, &row), 1);
    assert_string_equal(row.sender, "whatsapp:+14155238886");
    store_outbox_rows_free(&row, 1);
    /* On another channel, the configured sender. */
    id = reach_queue(&w->reach, w->s, &sari, "kannel", "Saldo", "reply", NULL, 0, w->now, 0);
    assert_int_equal(store_outbox_get(w->s, id, &row), 1);
    assert_string_equal(row.sender, "");
    store_outbox_rows_free(&row, 1);
    /* A later message without an address keeps the remembered one. */
    assert_int_equal(store_person_touch_via(w->s, SARI, "twilio", NULL, NULL, w->now + 1), 0);
    assert_int_equal(store_person_by_phone(w->s, SARI, &sari), 1);
    assert_string_equal(sari.last_to, "whatsapp:+14155238886");
    /* Twilio's window applies to its whatsapp: senders only. */
    const struct channel_driver *t = channel_find("twilio");
    int64_t old = w->now - 2 * TEST_DAY;
    assert_false(reach_in_window_from(t, "whatsapp:+14155238886", old, w->now));
    assert_true(reach_in_window_from(t, "whatsapp:+14155238886", w->now - TEST_HOUR, w->now));
    assert_true(reach_in_window_from(t, "+15017122661", old, w->now));
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallback_once_and_cut),
        cmocka_unit_test(test_no_sms_channel_no_fallback),
        cmocka_unit_test(test_provider_opt_out),
        cmocka_unit_test(test_sender_and_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
