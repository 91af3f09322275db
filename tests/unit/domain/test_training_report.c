/* test_training_report.c - the e-training report's arithmetic: percentages to one decimal
 * (half up), programme years October to September, and indicators that count participants,
 * not answers, by each one's latest answer, against a temporary database filled through the
 * same JAWAB messages the pipeline applies. */
#include "domain_test.h"

#include "training_report.h"

#include <jansson.h>

static int setup(void **state)
{
    *state = world_new(NULL);
    return 0;
}

static int teardown(void **state)
{
    world_free(*state);
    return 0;
}

static void percent_tenths_round_half_up(void **state)
{
    (void)state;
    assert_int_equal(training_percent_tenths(3, 7), 429);       /* 42.857 */
    assert_int_equal(training_percent_tenths(1, 3), 333);       /* 33.333 */
    assert_int_equal(training_percent_tenths(2, 3), 667);       /* 66.667 */
    assert_int_equal(training_percent_tenths(1, 16), 63);       /* 6.25 half up */
    assert_int_equal(training_percent_tenths(1, 8), 125);       /* 12.5 exactly */
    assert_int_equal(training_percent_tenths(1774, 2029), 874); /* seed 004's 87% */
    assert_int_equal(training_percent_tenths(1027, 2029), 506); /* and its 51% */
    assert_int_equal(training_percent_tenths(94, 133), 707);
    assert_int_equal(training_percent_tenths(7, 7), 1000);
    assert_int_equal(training_percent_tenths(0, 7), 0);
    assert_int_equal(training_percent_tenths(0, 0), 0); /* no participants: no division */
}

static void programme_years_run_october_to_september(void **state)
{
    (void)state;
    assert_int_equal(training_programme_year(2019, 10), 2019);
    assert_int_equal(training_programme_year(2020, 9), 2019);
    assert_int_equal(training_programme_year(2020, 6), 2019); /* JAPRI WEE's 1 Juni 2020 */
    assert_int_equal(training_programme_year(2020, 10), 2020);
    assert_int_equal(training_programme_year(2021, 8), 2020);
    assert_int_equal(training_programme_year(2021, 1), 2020);
}

#define N_PEOPLE 7
static const char *const people[N_PEOPLE] = {"+6281200000001", "+6281200000002", "+6281200000003",
                                             "+6281200000004", "+6281200000005", "+6281200000006",
                                             "+6281200000007"};
static const char trainer[] = "+6281200000099";

static void question(struct world *w, int64_t batch, int session, int q, bool yesno,
                     const char *indicator, const char *agree)
{
    struct store_question sq = {
        .batch_id = batch, .session = session, .question = q, .yesno = yesno};
    snprintf(sq.text, sizeof sq.text, "pertanyaan %d", q);
    snprintf(sq.indicator, sizeof sq.indicator, "%s", indicator);
    snprintf(sq.agree, sizeof sq.agree, "%s", agree);
    assert_int_equal(store_question_upsert(w->s, &sq), 0);
}

/* Sends text from people[i]; expects it refused or not. */
static void say(struct world *w, int i, const char *text, bool refused)
{
    world_send(w, people[i], text, w->now);
    if ((w->fx.errors != 0) != refused)
        fail_msg("%s -> %s", text, w->fx.reply);
}

static json_t *indicator(json_t *figure, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(figure, "indicators"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "indicator")), name) == 0)
            return v;
    }
    fail_msg("no indicator %s", name);
    return NULL;
}

static json_int_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not a number", key);
    return json_integer_value(v);
}

static void indicators_count_participants_by_latest_answer(void **state)
{
    struct world *w = *state;
    world_person(w, trainer, "Bu Rum", "T0001", "trainer", 0);
    int64_t batch = store_batch_ensure(w->s, "GT07", w->now);
    for (int n = 1; n <= 3; n++)
        assert_int_equal(store_session_upsert(w->s, batch, n, 0, "Sesi", "materi"), 0);
    question(w, batch, 1, 1, true, "akses_setara", "Y");
    question(w, batch, 3, 1, true, "akses_setara", "Y");
    question(w, batch, 3, 2, false, "champion", "AB");
    for (int i = 0; i < N_PEOPLE; i++) {
        int64_t id = store_person_ensure(w->s, people[i], "Peserta", "console", w->now);
        assert_true(id > 0);
        struct store_participant_row p = {.batch_id = batch,
                                          .person_id = id,
                                          .sex = 'L',
                                          .district = i < 4 ? "Blitar" : "Kediri",
                                          .disability = i == 0,
                                          .programme = "PWD"};
        assert_int_equal(store_participant_upsert(w->s, &p, w->now), 0);
    }

    world_send(w, trainer, "SESI GT07 1", w->now);
    assert_int_equal(w->fx.errors, 0);
    say(w, 0, "JAWAB YA", false);
    say(w, 1, "JAWAB 1Y", false);
    say(w, 2, "JAWAB TIDAK", false);
    say(w, 3, "JAWAB 1YA", false);
    say(w, 3, "JAWAB 1TIDAK", false); /* her latest answer: no */
    say(w, 4, "JAWAB 1B", true);      /* a yes/no question takes no letter: nothing recorded */
    say(w, 4, "JAWAB 2A", true);      /* session 1 has no question 2 */
    world_send(w, trainer, "SESI GT07 2", w->now + 60);
    say(w, 5, "JAWAB 1YA", true); /* session 2 has no survey */
    world_send(w, trainer, "SESI GT07 3", w->now + 120);
    say(w, 0, "JAWAB 1YA 2A", false);
    say(w, 1, "JAWAB 1YA 2B", false);
    say(w, 1, "JAWAB 1YA 2B", false); /* the same answers again: still one participant */
    say(w, 2, "JAWAB 1YA 2C", false);
    say(w, 3, "JAWAB 1TIDAK 2B", false);
    say(w, 3, "JAWAB 2C", false); /* changes question 2 only */
    say(w, 5, "JAWAB 1YA", false);
    say(w, 5, "JAWAB 1TIDAK", false); /* latest: no */
    /* people[4] and people[6] never answer after the training; 6 sends two voice notes. */
    for (int k = 0; k < 2; k++) {
        struct store_person actor;
        struct domain_ctx ctx;
        world_ctx(w, people[6], w->now + 200 + k, &actor, &ctx);
        assert_int_equal(domain_media(&ctx, "audio"), 0);
        assert_non_null(strstr(w->fx.reply, "diskusi sesi 3 GT07"));
    }
    {
        struct store_person actor;
        struct domain_ctx ctx;
        world_ctx(w, trainer, w->now + 300, &actor, &ctx); /* staff: not a participant */
        assert_int_equal(domain_media(&ctx, "image"), 0);
        assert_null(strstr(w->fx.reply, "diskusi"));
    }

    int err = 0;
    json_t *r = training_report(w->s, "GT07", NULL, 7 * 3600, &err);
    assert_non_null(r);
    json_t *b = json_array_get(json_object_get(r, "batches"), 0), *t = json_object_get(r, "total");
    assert_int_equal(num(b, "participants"), N_PEOPLE);
    json_t *akses = indicator(b, "akses_setara");
    /* after: people 0, 1, 2 (3 of 7, not 4 of 8 answers); before: 0 and 1 (3's latest is no) */
    assert_int_equal(num(akses, "session"), 3);
    assert_int_equal(num(akses, "yes"), 3);
    assert_int_equal(num(akses, "of"), N_PEOPLE);
    assert_true(json_real_value(json_object_get(akses, "percent")) == 42.9);
    json_t *before = json_object_get(akses, "before");
    assert_non_null(before);
    assert_int_equal(num(before, "session"), 1);
    assert_int_equal(num(before, "yes"), 2);
    assert_true(json_real_value(json_object_get(before, "percent")) == 28.6);
    json_t *champion = indicator(b, "champion");
    assert_int_equal(num(champion, "yes"), 2); /* A and B count; 2 changed B to C */
    assert_null(json_object_get(champion, "before"));
    /* answers: one per participant and question, her latest session's. */
    json_t *q1 = json_object_get(json_object_get(b, "answers"), "1");
    assert_int_equal(num(q1, "Y"), 3);
    assert_int_equal(num(q1, "N"), 2);
    assert_int_equal(
        num(json_object_get(json_object_get(b, "by_district_disability"), "Blitar"), "yes"), 1);
    assert_int_equal(num(json_object_get(b, "by_programme"), "PWD"), N_PEOPLE);
    assert_int_equal(num(b, "discussion"), 1); /* a participant, not two voice notes */
    assert_int_equal(num(json_array_get(json_object_get(b, "sessions"), 2), "discussion"), 1);
    assert_int_equal(num(json_array_get(json_object_get(b, "sessions"), 0), "discussion"), 0);
    assert_true(json_equal(json_object_get(t, "indicators"), json_object_get(b, "indicators")));

    /* One decimal in JSON, never 42.899999999999999. */
    char *text = json_dumps(r, TRAINING_REPORT_JSON_FLAGS);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"percent\": 42.9,"));
    assert_null(strstr(text, "42.89999"));
    assert_null(strstr(text, "28.6000"));
    free(text);
    json_decref(r);

    /* Another programme: nobody, and no batch. */
    r = training_report(w->s, NULL, "WEE", 7 * 3600, &err);
    assert_non_null(r);
    assert_int_equal(json_array_size(json_object_get(r, "batches")), 0);
    assert_int_equal(num(json_object_get(r, "total"), "participants"), 0);
    json_decref(r);
    assert_null(training_report(w->s, "GT99", NULL, 0, &err));
    assert_int_equal(err, 1);
}

/* A refused JAWAB lists the valid answers, as many as fit one SMS. */
static void refused_answer_fits_one_sms(void **state)
{
    struct world *w = *state;
    world_person(w, trainer, "Bu Rum", "T0001", "trainer", 0);
    const char *code = "ANGKATAN-PANJANG-2021-X"; /* 23 characters, the longest code */
    int64_t batch = store_batch_ensure(w->s, code, w->now);
    assert_int_equal(store_session_upsert(w->s, batch, 1, 0, "Sesi", "materi"), 0);
    for (int q = 1; q <= 20; q++)
        question(w, batch, 1, q, q % 2 == 1, "", "");
    int64_t id = store_person_ensure(w->s, people[0], "Peserta", "console", w->now);
    struct store_participant_row p = {.batch_id = batch, .person_id = id};
    assert_int_equal(store_participant_upsert(w->s, &p, w->now), 0);
    char text[64];
    snprintf(text, sizeof text, "SESI %s 1", code);
    world_send(w, trainer, text, w->now);
    assert_int_equal(w->fx.errors, 0);
    say(w, 0, "JAWAB 1B", true);
    assert_true(strlen(w->fx.reply) <= 160);
    assert_non_null(strstr(w->fx.reply, "1 YA/TIDAK, 2 A-E"));
    assert_non_null(strstr(w->fx.reply, ", ..."));
    /* Nothing was recorded. */
    int err = 0;
    json_t *r = training_report(w->s, code, NULL, 0, &err);
    assert_non_null(r);
    assert_int_equal(json_object_size(json_object_get(json_object_get(r, "total"), "answers")), 0);
    json_decref(r);
    /* And SESI with a session the batch lacks names the ones it has. */
    snprintf(text, sizeof text, "SESI %s 5", code);
    world_send(w, trainer, text, w->now);
    assert_int_equal(w->fx.errors, 1);
    assert_true(strlen(w->fx.reply) <= 160);
    assert_non_null(strstr(w->fx.reply, "hanya punya sesi 1."));
    assert_int_equal(w->fx.n_notices, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percent_tenths_round_half_up),
        cmocka_unit_test(programme_years_run_october_to_september),
        cmocka_unit_test_setup_teardown(indicators_count_participants_by_latest_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_answer_fits_one_sms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
