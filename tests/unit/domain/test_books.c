/* test_books.c - the books to the rupiah: loan schedules with interest, repayments spread over
 * instalments and loans, what may be paid and withdrawn, periods, and the commands that use them
 * (BAYAR above what is owed, TARIK, BATAL of a report, TUNGGAKAN, SALDO) on a temporary
 * database. Expected figures are worked out here from the inputs, never read from the code. */
#include "domain_test.h"

#include "books.h"

static void count_one(const struct store_io_entry_row *r, void *arg)
{
    (void)r;
    (*(int64_t *)arg)++;
}

/* Every entry in the ledger, cancelled ones too. */
static int64_t count_entries(struct world *w)
{
    int64_t n = 0;
    assert_int_equal(store_io_each_entry(w->s, count_one, &n), 0);
    return n;
}

/* Runs text from phone and returns the ref of its reply in ref (which must have one). */
static void send_ref(struct world *w, const char *phone, const char *text, int64_t at, char *ref)
{
    world_send(w, phone, text, at);
    if (w->fx.errors)
        fail_msg("%s: %s", text, w->fx.reply);
    world_reply_ref(w, ref, 16);
}

static void confirm(struct world *w, const char *ref, int64_t at)
{
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, at, &ani, &ctx);
    assert_int_equal(domain_confirm(&ctx, ref), 0);
}

/* A weekly loan with its instalment given (interest when instalment x n > principal). */
static void loan_with(struct world *w, int64_t person_id, const char *code, int64_t principal,
                      int64_t instalment, int n, const char *first_due)
{
    struct loan_terms t = {.principal = principal, .instalment = instalment, .instalments = n};
    assert_true(loans_parse_date(first_due, &t.first_y, &t.first_m, &t.first_d));
    char why[256] = "", disbursed[16];
    if (loans_check(&t, why, sizeof why) != 0)
        fail_msg("loans_check: %s", why);
    struct store_io_instalment *schedule = calloc((size_t)n, sizeof *schedule);
    assert_non_null(schedule);
    loans_schedule(&t, schedule);
    loans_default_disbursed(&t, disbursed);
    struct store_io_loan l = {
        .code = code,
        .frequency = "weekly",
        .first_due = first_due,
        .disbursed = disbursed,
        .person_id = person_id,
        .principal = principal,
        .instalment = t.instalment,
        .interest = t.interest,
        .instalments = n,
        .schedule = schedule,
    };
    assert_true(store_io_loan_upsert(w->s, &l, w->now) >= 0);
    free(schedule);
    assert_int_equal(books_reallocate(w->s, person_id), 0);
}

/* ---- schedules ---- */

static void schedule_with_interest_sums_to_the_loan(void **state)
{
    (void)state;
    /* Every principal, count and instalment from the smallest that covers the principal up
     * to a quarter more: the parts add up to the principal and the interest exactly, no part is
     * negative, and interest is spread evenly (parts differ by at most one rupiah). */
    static const int64_t principals[] = {10, 999, 1000000, 1000001, 1234567, 2500000, 99999999};
    static const int counts[] = {1, 3, 4, 7, 10, 12, 50};
    struct store_io_instalment out[64];
    for (size_t a = 0; a < sizeof principals / sizeof principals[0]; a++)
        for (size_t b = 0; b < sizeof counts / sizeof counts[0]; b++) {
            int64_t p = principals[a];
            int n = counts[b];
            int64_t least = (p + n - 1) / n;
            for (int64_t inst = least; inst <= least + least / 4 + 3; inst += 1 + least / 40) {
                struct loan_terms t = {.principal = p, .instalment = inst, .instalments = n};
                t.first_y = 2026, t.first_m = 1, t.first_d = 5;
                char why[256];
                assert_int_equal(loans_check(&t, why, sizeof why), 0);
                assert_int_equal(t.interest, inst * n - p);
                loans_schedule(&t, out);
                int64_t amounts = 0, principal_parts = 0, interest_parts = 0;
                int64_t lo = INT64_MAX, hi = 0;
                for (int i = 0; i < n; i++) {
                    assert_true(out[i].interest >= 0);
                    assert_true(out[i].interest <= out[i].amount);
                    amounts += out[i].amount;
                    principal_parts += out[i].amount - out[i].interest;
                    interest_parts += out[i].interest;
                    lo = out[i].interest < lo ? out[i].interest : lo;
                    hi = out[i].interest > hi ? out[i].interest : hi;
                }
                assert_int_equal(amounts, inst * n);
                assert_int_equal(principal_parts, p);
                assert_int_equal(interest_parts, inst * n - p);
                if (t.interest)
                    assert_true(hi - lo <= 1);
            }
        }
}

static void schedule_hand_counted(void **state)
{
    (void)state;
    struct store_io_instalment out[4];
    /* 1000000 over 3 at 340000: interest 20000. 1000000 = 333333 x 3 + 1, the odd rupiah of
     * principal on the first instalment. */
    struct loan_terms t = {.principal = 1000000, .instalment = 340000, .instalments = 3};
    t.first_y = 2026, t.first_m = 1, t.first_d = 5;
    char why[256];
    assert_int_equal(loans_check(&t, why, sizeof why), 0);
    assert_int_equal(t.interest, 20000);
    loans_schedule(&t, out);
    assert_int_equal(out[0].interest, 340000 - 333334);
    assert_int_equal(out[1].interest, 340000 - 333333);
    assert_int_equal(out[2].interest, 340000 - 333333);
    assert_string_equal(out[2].due, "2026-01-19");
    /* The case where the rest given to the last instalment would make its interest negative:
     * 10 over 4 at 3 (interest 2). */
    struct loan_terms u = {.principal = 10, .instalment = 3, .instalments = 4};
    u.first_y = 2026, u.first_m = 1, u.first_d = 5;
    assert_int_equal(loans_check(&u, why, sizeof why), 0);
    loans_schedule(&u, out);
    assert_int_equal(out[0].interest + out[1].interest + out[2].interest + out[3].interest, 2);
    for (int i = 0; i < 4; i++)
        assert_true(out[i].interest >= 0);
    /* Short of the principal by more than half an instalment is a mistake. */
    struct loan_terms v = {.principal = 1000000, .instalment = 90000, .instalments = 10};
    assert_int_equal(loans_check(&v, why, sizeof why), -1);
    assert_non_null(strstr(why, "less than principal"));
}

static void default_disbursement_and_periods(void **state)
{
    (void)state;
    char d[16], from[11], to[11];
    struct loan_terms t = {.first_y = 2026, .first_m = 1, .first_d = 5};
    loans_default_disbursed(&t, d);
    assert_string_equal(d, "2025-12-29");
    t.monthly = true;
    t.first_m = 3, t.first_d = 31;
    loans_default_disbursed(&t, d);
    assert_string_equal(d, "2026-02-28");
    t.first_y = 2024;
    loans_default_disbursed(&t, d);
    assert_string_equal(d, "2024-02-29");
    t.first_m = 1, t.first_d = 15;
    loans_default_disbursed(&t, d);
    assert_string_equal(d, "2023-12-15");

    assert_int_equal(books_parse_period("2026-11", from, to), 0);
    assert_string_equal(from, "2026-11-01");
    assert_string_equal(to, "2026-11-30");
    assert_int_equal(books_parse_period("2024-02", from, to), 0);
    assert_string_equal(to, "2024-02-29");
    assert_int_equal(books_parse_period("2026Q4", from, to), 0);
    assert_string_equal(from, "2026-10-01");
    assert_string_equal(to, "2026-12-31");
    assert_int_equal(books_parse_period("2025Q1", from, to), 0);
    assert_string_equal(to, "2025-03-31");
    static const char *const bad[] = {"2026Q5", "2026Q0",  "2026-13", "2026-00", "2026-1",
                                      "26-11",  "2026/11", "",        "2026Q44", "abcd-11"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(books_parse_period(bad[i], from, to), -1);
    assert_int_equal(books_days_between("2026-11-26", "2026-12-02"), 6);
    assert_int_equal(books_days_between("2024-02-28", "2024-03-01"), 2);
}

/* ---- allocation ---- */

static void allocation_oldest_instalment_first_across_loans(void **state)
{
    (void)state;
    /* Loan 1: two instalments of 100 (20 interest each), due 01-05 and 01-19. Loan 2: two of
     * 50 (no interest), due 01-12 and 01-26. Sorted by due date they interleave. */
    struct store_instalment k[4] = {
        {.loan_id = 1, .n = 1, .due = "2026-01-05", .amount = 100, .interest = 20},
        {.loan_id = 2, .n = 1, .due = "2026-01-12", .amount = 50},
        {.loan_id = 1, .n = 2, .due = "2026-01-19", .amount = 100, .interest = 20},
        {.loan_id = 2, .n = 2, .due = "2026-01-26", .amount = 50},
    };
    /* 130 unnamed: 100 to loan 1's first (20 of it interest), 30 to loan 2's first. Then 70
     * naming loan 1: its second instalment (20 interest first). Then 60 naming loan 2: 20 to
     * its first, 40 to its second. Then 100 unnamed: 30 to loan 1's second, 10 to loan 2's
     * second, and 60 left over (more than everything owed). */
    struct store_repayment p[4] = {{.amount = 130},
                                   {.amount = 70, .loan_id = 1},
                                   {.amount = 60, .loan_id = 2},
                                   {.amount = 100}};
    loans_allocate(k, 4, p, 4);
    assert_int_equal(p[0].to_interest, 20);
    assert_int_equal(p[0].to_principal, 110);
    assert_int_equal(p[1].to_interest, 20);
    assert_int_equal(p[1].to_principal, 50);
    assert_int_equal(p[2].to_interest, 0);
    assert_int_equal(p[2].to_principal, 60);
    assert_int_equal(p[3].to_principal + p[3].to_interest, 40);
    assert_int_equal(p[3].unapplied, 60);
    for (int i = 0; i < 4; i++)
        assert_int_equal(k[i].paid, k[i].amount);
    assert_int_equal(k[2].paid_interest, 20);

    /* Part of an instalment pays its interest first. */
    struct store_instalment one = {
        .loan_id = 1, .n = 1, .due = "2026-01-05", .amount = 100, .interest = 20};
    struct store_repayment part = {.amount = 15};
    loans_allocate(&one, 1, &part, 1);
    assert_int_equal(part.to_interest, 15);
    assert_int_equal(part.to_principal, 0);
    assert_int_equal(one.paid, 15);
}

/* ---- repayments through the domain ---- */

static void repayment_above_owed_refused_and_exact_rest_closes(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    /* 600000 over 4 at 165000: interest 4 x 165000 - 600000 = 60000. */
    const int64_t principal = 600000, inst = 165000, total = 4 * inst;
    loan_with(w, siti.id, "P12", principal, inst, 4, "2026-11-25");
    struct store_loan l = world_loan_of(w, "P12");
    assert_int_equal(l.outstanding, total);
    assert_int_equal(l.interest, total - principal);

    char want[DOMAIN_REPLY_MAX], amount[32], left[32], example[64];
    /* The treasurer records 200000 for her: confirmed at once. */
    const int64_t first = 200000;
    world_send(w, TREASURER, "BAYAR A0001 200rb", w->now);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(world_loan_of(w, "P12").outstanding, total - first);

    /* She reports 100000 (waiting), then tries to pay more than the rest: refused with what is
     * left once the waiting report is counted, and nothing is stored. */
    char r1[16], r2[16];
    send_ref(w, SITI, "BAYAR 100rb", w->now + 60, r1);
    const int64_t waiting = 100000, rest = total - first - waiting;
    int64_t before = count_entries(w);
    world_send(w, SITI, "BAYAR 10jt", w->now + 120);
    assert_int_equal(w->fx.errors, 1);
    world_rupiah(rest, left, sizeof left);
    snprintf(example, sizeof example, "%s P12", left);
    struct template_var v[] = {{"amount", world_rupiah(10000000, amount, sizeof amount)},
                               {"left", left},
                               {"loan", "P12"},
                               {"suggestion", example}};
    world_expect(w, "repayment_too_much", v, 4, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_true(strlen(w->fx.reply) <= 160);
    assert_int_equal(count_entries(w), before);
    assert_int_equal(world_loan_of(w, "P12").outstanding, total - first);
    /* One rupiah more than the rest is refused too, naming the loan. */
    char text[64];
    snprintf(text, sizeof text, "BAYAR %lld P12", (long long)(rest + 1));
    world_send(w, SITI, text, w->now + 150);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(count_entries(w), before);

    /* Exactly the rest: accepted; once both are confirmed the loan is closed. */
    snprintf(text, sizeof text, "BAYAR %lld", (long long)rest);
    send_ref(w, SITI, text, w->now + 180, r2);
    /* Everything is now reported: more is refused until the treasurer has looked. */
    world_send(w, SITI, "BAYAR 10rb", w->now + 200);
    assert_int_equal(w->fx.errors, 1);
    assert_non_null(strstr(w->fx.reply, "menunggu konfirmasi"));
    confirm(w, r1, w->now + 240);
    assert_int_equal(w->fx.errors, 0);
    confirm(w, r2, w->now + 300);
    assert_int_equal(w->fx.errors, 0);
    l = world_loan_of(w, "P12");
    assert_int_equal(l.paid, total);
    assert_int_equal(l.outstanding, 0);
    assert_string_equal(l.next_due, "");
    /* Nothing is owed now: any repayment is refused, and the reply says she has no loan. */
    world_send(w, SITI, "BAYAR 10rb", w->now + 360);
    assert_int_equal(w->fx.errors, 1);
    assert_non_null(strstr(w->fx.reply, "Tidak ada pinjaman aktif"));

    /* Cancelling a confirmed repayment (staff) reopens what it paid. */
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 400, &ani, &ctx);
    assert_int_equal(domain_cancel(&ctx, r2), 0);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(world_loan_of(w, "P12").outstanding, rest);
}

static void several_loans_oldest_instalment_first(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    /* P1: 4 x 100000 (400000 at 100000, no interest) from 11-04. P2: 4 x 55000 for 200000
     * (interest 20000) from 11-11. Due dates by age: P1#1 11-04, P1#2 11-11 and P2#1 11-11
     * (P1 first: the older loan), P1#3 11-18, P2#2 11-18, ... */
    loan_with(w, siti.id, "P1", 400000, 100000, 4, "2026-11-04");
    loan_with(w, siti.id, "P2", 200000, 55000, 4, "2026-11-11");
    /* 250000 recorded by the treasurer: P1#1 (100000), P1#2 (100000), then 50000 to P2#1. */
    char ref[16];
    send_ref(w, TREASURER, "BAYAR A0001 250rb", w->now, ref);
    assert_int_equal(world_loan_of(w, "P1").paid, 200000);
    assert_int_equal(world_loan_of(w, "P2").paid, 250000 - 200000);
    assert_string_equal(world_loan_of(w, "P2").next_due, "2026-11-11");
    assert_int_equal(world_loan_of(w, "P2").next_due_amount, 55000 - 50000);
    /* Naming P2 pays P2 first: 5000 finishes P2#1, 55000 P2#2, the rest 40000 P2#3. */
    send_ref(w, TREASURER, "BAYAR 100rb P2", w->now + 60, ref);
    assert_int_equal(world_loan_of(w, "P1").paid, 200000);
    assert_int_equal(world_loan_of(w, "P2").paid, 50000 + 100000);
    /* Everything she owes: 200000 on P1 and 220000 - 150000 on P2. */
    int64_t owed;
    assert_int_equal(books_owed(w->s, siti.id, 0, &owed), 0);
    assert_int_equal(owed, (400000 - 200000) + (4 * 55000 - 150000));
    /* A named loan is capped at that loan's rest. */
    char text[64];
    snprintf(text, sizeof text, "BAYAR %lld P2", (long long)(4 * 55000 - 150000 + 1));
    world_send(w, TREASURER, text, w->now + 120);
    assert_int_equal(w->fx.errors, 1);
    /* The example is the same command with the most that fits. */
    char left[32], want[64];
    snprintf(want, sizeof want, "BAYAR %s P2", world_rupiah(4 * 55000 - 150000, left, sizeof left));
    assert_non_null(strstr(w->fx.reply, want));
    snprintf(text, sizeof text, "BAYAR %lld P2", (long long)(4 * 55000 - 150000));
    send_ref(w, TREASURER, text, w->now + 180, ref);
    assert_int_equal(world_loan_of(w, "P2").outstanding, 0);
    assert_int_equal(world_loan_of(w, "P1").outstanding, 200000);
}

/* ---- withdrawals ---- */

static void withdrawal_never_below_confirmed_savings(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    int64_t before = count_entries(w);
    /* Nothing saved: refused. A saving reported but not confirmed does not count. */
    world_send(w, SITI, "TARIK 10rb", w->now);
    assert_int_equal(w->fx.errors, 1);
    assert_non_null(strstr(w->fx.reply, "Belum ada tabungan"));
    assert_non_null(strstr(w->fx.reply, "TARIK 50rb"));
    char s1[16], w1[16], w2[16];
    send_ref(w, SITI, "TABUNG 50rb", w->now + 10, s1);
    world_send(w, SITI, "AMBIL 10rb", w->now + 20);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(count_entries(w), before + 1);
    confirm(w, s1, w->now + 30);
    assert_int_equal(store_savings_total(w->s, siti.id), 50000);

    /* 30000 reported, waiting: the next may take only the 20000 left. */
    send_ref(w, SITI, "tarik tabungan 30rb", w->now + 40, w1);
    assert_non_null(strstr(w->fx.reply, "menunggu konfirmasi"));
    world_send(w, SITI, "TARIK 25rb", w->now + 50);
    assert_int_equal(w->fx.errors, 1);
    char left[32];
    assert_non_null(strstr(w->fx.reply, world_rupiah(50000 - 30000, left, sizeof left)));
    send_ref(w, SITI, "WITHDRAW 20rb", w->now + 60, w2);
    /* Nothing is taken out until staff confirm. */
    assert_int_equal(store_savings_total(w->s, siti.id), 50000);
    confirm(w, w1, w->now + 70);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(store_savings_total(w->s, siti.id), 50000 - 30000);

    /* Staff cancel the saving itself: 20000 - 50000 would be below zero, refused. */
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 80, &ani, &ctx);
    assert_int_equal(domain_cancel(&ctx, s1), 0);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(store_savings_total(w->s, siti.id), 20000);
    confirm(w, w2, w->now + 90);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(store_savings_total(w->s, siti.id), 0);

    /* Staff on her behalf: confirmed at once, same limit. */
    world_send(w, TREASURER, "TARIK A0001 1rb", w->now + 100);
    assert_int_equal(w->fx.errors, 1);
    /* A minus sign is a bad amount: nothing recorded. */
    int64_t n = count_entries(w);
    world_send(w, SITI, "tabung -10rb", w->now + 110);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(count_entries(w), n);
}

static void withdrawal_confirm_rechecks_savings(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    char s1[16], w1[16];
    send_ref(w, SITI, "TABUNG 50rb", w->now, s1);
    confirm(w, s1, w->now + 10);
    send_ref(w, SITI, "TARIK 50rb", w->now + 20, w1);
    /* Staff cancel the saving before confirming the withdrawal (0 left, allowed), then the
     * withdrawal no longer fits. */
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 30, &ani, &ctx);
    assert_int_equal(domain_cancel(&ctx, s1), 0);
    assert_int_equal(w->fx.errors, 0);
    confirm(w, w1, w->now + 40);
    assert_int_equal(w->fx.errors, 1);
    assert_non_null(strstr(w->fx.reply, w1));
    assert_int_equal(store_savings_total(w->s, siti.id), 0);
}

/* ---- cancelling ---- */

static void member_cancel_of_a_report_tells_the_treasurer(void **state)
{
    struct world *w = *state;
    char ref[16], amount[32];
    send_ref(w, SITI, "TABUNG 15rb", w->now, ref);
    char text[32];
    snprintf(text, sizeof text, "BATAL %s", ref);
    world_send(w, SITI, text, w->now + 60);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(w->fx.n_notices, 1);
    assert_string_equal(w->fx.notices[0].to.phone, TREASURER);
    assert_non_null(strstr(w->fx.notices[0].text, ref));
    assert_non_null(strstr(w->fx.notices[0].text, world_rupiah(15000, amount, sizeof amount)));
    assert_non_null(strstr(w->fx.notices[0].text, "Siti"));
    assert_true(strlen(w->fx.notices[0].text) <= 160);

    /* Confirmed by the treasurer: hers no more to cancel; the treasurer may. */
    send_ref(w, SITI, "TABUNG 20rb", w->now + 120, ref);
    confirm(w, ref, w->now + 180);
    snprintf(text, sizeof text, "BATAL %s", ref);
    world_send(w, SITI, text, w->now + 240);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
    struct store_entry e;
    assert_int_equal(store_entry_by_ref(w->s, ref, &e), 1);
    assert_string_equal(e.status, "confirmed");
    world_send(w, TREASURER, text, w->now + 300);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(w->fx.n_notices, 0); /* staff cancelling: no notice to herself */
    assert_int_equal(store_entry_by_ref(w->s, ref, &e), 1);
    assert_string_equal(e.status, "cancelled");
}

/* ---- TUNGGAKAN and SALDO ---- */

static void arrears_list_oldest_first(void **state)
{
    struct world *w = *state;
    /* Today is 2026-12-02 in Jakarta. Siti: 100000 due 11-18 and 11-25 unpaid (14 days);
     * Rina: 50000 due 11-26 unpaid (6 days). */
    loan_with(w, world_person_of(w, SITI).id, "P1", 400000, 100000, 4, "2026-11-18");
    loan_with(w, world_person_of(w, RINA).id, "P2", 200000, 50000, 4, "2026-11-26");
    world_send(w, SITI, "TUNGGAKAN", w->now);
    assert_int_equal(w->fx.errors, 1); /* members may not */
    world_send(w, TREASURER, "TUNGGAKAN", w->now);
    assert_int_equal(w->fx.errors, 0);
    char amount[32];
    const char *siti = strstr(w->fx.reply, "Siti"), *rina = strstr(w->fx.reply, "Rina");
    assert_non_null(siti);
    assert_non_null(rina);
    assert_true(siti < rina); /* oldest first */
    assert_non_null(strstr(siti, world_rupiah(2 * 100000, amount, sizeof amount)));
    assert_non_null(strstr(siti, "14 hari"));
    assert_non_null(strstr(rina, world_rupiah(50000, amount, sizeof amount)));
    assert_non_null(strstr(rina, "6 hari"));
    assert_non_null(strstr(w->fx.reply, world_rupiah(250000, amount, sizeof amount)));
    assert_true(strlen(w->fx.reply) <= 3 * 153);

    /* SALDO: the late instalment, the Indonesian date, and what waits for confirmation. */
    char ref[16];
    send_ref(w, RINA, "TABUNG 20rb", w->now, ref);
    world_send(w, RINA, "SALDO", w->now);
    assert_int_equal(w->fx.errors, 0);
    assert_non_null(strstr(w->fx.reply, "tgl 26 Nov, terlambat 6 hari"));
    assert_non_null(strstr(w->fx.reply, "(+Rp20.000 menunggu)"));
    assert_true(strlen(w->fx.reply) <= 160);
}

static void arrears_fit_three_sms(void **state)
{
    struct world *w = *state;
    struct store_group g;
    assert_int_equal(store_group_by_code(w->s, GROUP, &g), 1);
    /* Forty members in arrears with long names: the list stops within three SMS and says how
     * many are left out. */
    for (int i = 0; i < 40; i++) {
        char phone[24], name[64], code[16], loan_code[16];
        snprintf(phone, sizeof phone, "+62812990000%02d", i);
        snprintf(name, sizeof name, "Siti Nurhayati Kusumawardani %d", i);
        snprintf(code, sizeof code, "C%04d", i);
        snprintf(loan_code, sizeof loan_code, "L%02d", i);
        struct store_person p = world_person(w, phone, name, code, "member", g.id);
        loan_with(w, p.id, loan_code, 1000000000, 100000000, 10, "2026-10-01");
    }
    world_send(w, TREASURER, "TUNGGAKAN " GROUP, w->now);
    assert_int_equal(w->fx.errors, 0);
    if (strlen(w->fx.reply) > 3 * 153)
        fail_msg("%zu: %s", strlen(w->fx.reply), w->fx.reply);
    assert_non_null(strstr(w->fx.reply, "orang lagi"));
}

static void balance_fits_one_sms_with_the_largest_values(void **state)
{
    struct world *w = *state;
    struct store_group g;
    assert_int_equal(store_group_by_code(w->s, GROUP, &g), 1);
    /* A long name, a 23-character loan code, a billion everywhere, waiting savings and
     * withdrawals and repayments, an instalment late by years. */
    struct store_person big =
        world_person(w, "+6281100000077", "Raden Ajeng Siti Nurhayati Kusumawardani Putri", "A9999",
                     "member", g.id);
    loan_with(w, big.id, "PINJAMAN-2024-KPUK07-01", 1000000000, 1000000000, 1, "2020-01-05");
    loan_with(w, big.id, "PINJAMAN-2024-KPUK07-02", 1000000000, 999999999, 2, "2020-01-05");
    char ref[16];
    send_ref(w, "+6281100000077", "TABUNG 1000jt", w->now, ref);
    confirm(w, ref, w->now + 1);
    send_ref(w, "+6281100000077", "TABUNG 999jt", w->now + 2, ref);
    send_ref(w, "+6281100000077", "TARIK 999jt", w->now + 3, ref);
    send_ref(w, "+6281100000077", "BAYAR 999jt", w->now + 4, ref);
    send_ref(w, "+6281100000077", "JUAL 1000jt kain", w->now + 5, ref);
    send_ref(w, "+6281100000077", "BELI 999jt benang", w->now + 6, ref);
    static const char *const langs[] = {"SALDO", "BAHASA EN", "SALDO"};
    for (size_t i = 0; i < 3; i++) {
        world_send(w, "+6281100000077", langs[i], w->now + 10);
        assert_int_equal(w->fx.errors, 0);
        if (strlen(w->fx.reply) > 160)
            fail_msg("%zu: %s", strlen(w->fx.reply), w->fx.reply);
    }
    /* What must stay: savings, the loan, the next instalment, its date and its lateness. */
    assert_non_null(strstr(w->fx.reply, "Rp1.000.000.000"));
    assert_non_null(strstr(w->fx.reply, "PINJAMAN-2024-KPUK07-01"));
    assert_non_null(strstr(w->fx.reply, "5 Jan"));
    assert_non_null(strstr(w->fx.reply, "days late"));
}

static void network_digest_counts_only_its_groups_messages(void **state)
{
    struct world *w = *state;
    struct store_io_group g = {.code = GROUP, .network = "JARPUK1"};
    assert_int_equal(store_io_group_upsert(w->s, &g, "+07:00", w->now), 0);
    struct store_group grp;
    assert_int_equal(store_group_by_code(w->s, GROUP, &grp), 1);
    assert_true(grp.network_id != 0);
    /* One message of a member not understood, two from a stranger (of no group, so of no
     * network): the network counts one. */
    const char *from[] = {SITI, "+6289900000001", "+6289900000001"};
    const char *status[] = {"not_understood", "unregistered", "not_understood"};
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "n%d", i);
        struct store_inbound m = {.channel = "console",
                                  .provider_id = id,
                                  .phone = from[i],
                                  .text = "halo",
                                  .media = "",
                                  .received_at = w->now + i};
        int64_t mid = store_message_insert(w->s, &m);
        assert_true(mid > 0);
        assert_int_equal(store_message_set_status(w->s, mid, status[i], NULL), 0);
    }
    struct store_digest d;
    assert_int_equal(store_digest_figures(w->s, 0, grp.network_id, w->now - 10, w->now + 10, &d),
                     0);
    assert_int_equal(d.not_understood, 1);
    assert_int_equal(store_digest_figures(w->s, grp.id, 0, w->now - 10, w->now + 10, &d), 0);
    assert_int_equal(d.not_understood, 1);
    /* Savings and withdrawals waiting are counted apart from repayments waiting. */
    char ref[16];
    send_ref(w, SITI, "TABUNG 30rb", w->now, ref);
    confirm(w, ref, w->now + 1);
    send_ref(w, SITI, "TABUNG 15rb", w->now + 2, ref);
    send_ref(w, SITI, "TARIK 20rb", w->now + 3, ref);
    assert_int_equal(store_digest_figures(w->s, grp.id, 0, w->now - 10, w->now + 10, &d), 0);
    assert_int_equal(d.savings_waiting, 15000);
    assert_int_equal(d.withdrawals_waiting, 20000);
    assert_int_equal(d.repaid_waiting, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedule_with_interest_sums_to_the_loan),
        cmocka_unit_test(schedule_hand_counted),
        cmocka_unit_test(default_disbursement_and_periods),
        cmocka_unit_test(allocation_oldest_instalment_first_across_loans),
        cmocka_unit_test_setup_teardown(repayment_above_owed_refused_and_exact_rest_closes,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(several_loans_oldest_instalment_first, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(withdrawal_never_below_confirmed_savings, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(withdrawal_confirm_rechecks_savings, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(member_cancel_of_a_report_tells_the_treasurer, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(arrears_list_oldest_first, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(arrears_fit_three_sms, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(balance_fits_one_sms_with_the_largest_values, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(network_digest_counts_only_its_groups_messages, world_setup,
                                        world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
