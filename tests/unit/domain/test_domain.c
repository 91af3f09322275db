/* test_domain.c - the domain core against a real SQLite database, without HTTP: registration,
 * sales and expenses, repayments and their confirmation, entries made on a member's behalf,
 * cancelling, roles, broadcasts, training sessions, reach rules and one scheduler pass. */
#include "domain_test.h"

#include "channel.h"
#include "runtime.h"
#include "scheduler.h"

#define STRANGER "+6281100000099"

static struct store_entry entry(struct world *w, const char *ref)
{
    struct store_entry e;
    assert_int_equal(store_entry_by_ref(w->s, ref, &e), 1);
    return e;
}

/* ---- registration ---- */

static void register_known_unknown_and_again(void **state)
{
    struct world *w = *state;
    char want[DOMAIN_REPLY_MAX];

    world_send(w, STRANGER, "DAFTAR Dewi Lestari XYZ99", w->now);
    assert_int_equal(w->fx.errors, 1);
    struct template_var uv[] = {{"name", "Dewi Lestari"}, {"group", "XYZ99"}};
    world_expect(w, "register_unknown_group", uv, 2, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(world_person_of(w, STRANGER).role, ""); /* still unregistered */

    world_send(w, STRANGER, "DAFTAR Dewi Lestari " GROUP, w->now);
    assert_int_equal(w->fx.errors, 0);
    struct store_person dewi = world_person_of(w, STRANGER);
    assert_string_equal(dewi.role, "member");
    assert_string_equal(dewi.name, "Dewi Lestari");
    assert_string_equal(dewi.group_code, GROUP);
    assert_true(dewi.code[0] != '\0');
    assert_string_not_equal(dewi.code, "A0001"); /* codes are not handed out twice */
    assert_string_not_equal(dewi.code, "A0002");
    struct template_var ov[] = {{"name", "Dewi Lestari"}, {"group", GROUP}, {"code", dewi.code}};
    world_expect(w, "register_ok", ov, 3, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(w->fx.n_notices, 0);

    world_send(w, STRANGER, "DAFTAR Dewi Lain " GROUP, w->now);
    assert_int_equal(w->fx.errors, 0);
    struct template_var av[] = {{"name", "Dewi Lestari"}, {"group", GROUP}};
    world_expect(w, "register_already", av, 2, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(world_person_of(w, STRANGER).name, "Dewi Lestari"); /* not renamed */
}

/* ---- sales and expenses ---- */

static void sale_and_expense_are_stored_with_their_ref(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    char ref[16], want[64];

    world_send(w, SITI, "JUAL 45rb abon", w->now);
    assert_int_equal(w->fx.errors, 0);
    assert_non_null(strstr(w->fx.reply, "Rp45.000"));
    assert_non_null(strstr(w->fx.reply, "Penjualan"));
    world_reply_ref(w, ref, sizeof ref);
    struct store_entry e = entry(w, ref);
    assert_string_equal(e.kind, "sale");
    assert_string_equal(e.status, "confirmed");
    assert_int_equal(e.amount, 45 * 1000);
    assert_int_equal(e.person_id, siti.id);
    assert_int_equal(e.group_id, siti.group_id);
    assert_int_equal(e.created_at, w->now);

    const int64_t gas = 12500;
    world_send(w, SITI, "BELI 12500 gas", w->now + 60);
    assert_int_equal(w->fx.errors, 0);
    assert_non_null(strstr(w->fx.reply, world_rupiah(gas, want, sizeof want)));
    assert_non_null(strstr(w->fx.reply, "Pengeluaran"));
    char ref2[16];
    world_reply_ref(w, ref2, sizeof ref2);
    assert_string_not_equal(ref, ref2);
    e = entry(w, ref2);
    assert_string_equal(e.kind, "expense");
    assert_int_equal(e.amount, gas);

    /* Both count in this week's figures. */
    int64_t sales = -1, expenses = -1;
    assert_int_equal(
        store_person_week(w->s, siti.id, w->now - TEST_DAY, w->now + TEST_DAY, &sales, &expenses),
        0);
    assert_int_equal(sales, 45 * 1000);
    assert_int_equal(expenses, gas);
}

static void unregistered_sender_may_not_sell(void **state)
{
    struct world *w = *state;
    char want[DOMAIN_REPLY_MAX];
    world_send(w, STRANGER, "JUAL 45rb abon", w->now);
    assert_int_equal(w->fx.errors, 1);
    world_expect(w, "not_registered", NULL, 0, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(w->fx.n_notices, 0);
    assert_null(strstr(w->fx.reply, "Ref "));
    struct store_person p = world_person_of(w, STRANGER);
    int64_t sales = -1, expenses = -1;
    assert_int_equal(store_person_week(w->s, p.id, 0, w->now + TEST_DAY, &sales, &expenses), 0);
    assert_int_equal(sales, 0);
}

/* ---- repayments ---- */

static const int64_t PRINCIPAL = 1000000;
static const int INSTALMENTS = 10;

static void repayment_reported_then_confirmed(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    world_loan(w, siti.id, "P12", PRINCIPAL, INSTALMENTS, "2026-11-25");
    const int64_t instalment = PRINCIPAL / INSTALMENTS, paid = 150000;
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL);

    world_send(w, SITI, "BAYAR 150rb", w->now);
    assert_int_equal(w->fx.errors, 0);
    char ref[16], amount[32], want[DOMAIN_REPLY_MAX];
    world_reply_ref(w, ref, sizeof ref);
    struct store_entry e = entry(w, ref);
    assert_string_equal(e.kind, "repayment");
    assert_string_equal(e.status, "reported"); /* the group has a treasurer */
    assert_int_equal(e.amount, paid);
    assert_int_equal(e.loan_id, world_loan_of(w, "P12").id);
    struct template_var rv[] = {
        {"amount", world_rupiah(paid, amount, sizeof amount)}, {"loan", "P12"}, {"ref", ref}};
    world_expect(w, "repayment_reported", rv, 3, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(world_loan_of(w, "P12").outstanding,
                     PRINCIPAL); /* nothing paid until confirmed */

    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + TEST_HOUR, &ani, &ctx);
    assert_int_equal(domain_confirm(&ctx, ref), 0);
    assert_int_equal(w->fx.errors, 0);
    struct template_var cv[] = {
        {"cmd", "Angsuran"}, {"amount", amount}, {"ref", ref}, {"name", "Siti"}};
    world_expect(w, "confirm_ok", cv, 4, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(w->fx.n_notices, 1);
    const struct domain_notice *no = &w->fx.notices[0];
    assert_string_equal(no->to.phone, SITI);
    assert_string_equal(no->kind, "notice");
    world_expect(w, "confirmed_notice", cv, 4, want, sizeof want);
    assert_string_equal(no->text, want);
    assert_string_equal(entry(w, ref).status, "confirmed");

    /* The oldest instalment is paid first, the rest goes to the next one. */
    struct store_loan l = world_loan_of(w, "P12");
    assert_int_equal(l.paid, paid);
    assert_int_equal(l.outstanding, PRINCIPAL - paid);
    assert_int_equal(l.next_due_amount, instalment - (paid - instalment));
    assert_string_equal(l.next_due, "2026-12-02");

    /* Confirming twice is refused and changes nothing. */
    world_ctx(w, TREASURER, w->now + 2 * TEST_HOUR, &ani, &ctx);
    assert_int_equal(domain_confirm(&ctx, ref), 0);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL - paid);
}

static void treasurer_records_on_behalf(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI), ani = world_person_of(w, TREASURER);
    world_loan(w, siti.id, "P12", PRINCIPAL, INSTALMENTS, "2026-11-25");
    const int64_t paid = 150000;

    world_send(w, TREASURER, "BAYAR A0001 150rb", w->now);
    assert_int_equal(w->fx.errors, 0);
    char ref[16], amount[32], want[DOMAIN_REPLY_MAX];
    world_reply_ref(w, ref, sizeof ref);
    struct store_entry e = entry(w, ref);
    assert_string_equal(e.status, "confirmed"); /* at once */
    assert_int_equal(e.person_id, siti.id);
    assert_int_equal(e.recorded_by, ani.id);
    assert_int_equal(e.amount, paid);
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL - paid);
    struct template_var bv[] = {{"cmd", "Angsuran"},
                                {"amount", world_rupiah(paid, amount, sizeof amount)},
                                {"ref", ref},
                                {"name", "Siti"},
                                {"code", "A0001"}};
    world_expect(w, "behalf_ok", bv, 5, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(w->fx.n_notices, 1);
    assert_string_equal(w->fx.notices[0].to.phone, SITI);
    struct template_var nv[] = {
        {"cmd", "Angsuran"}, {"amount", amount}, {"ref", ref}, {"staff", "Ani"}};
    world_expect(w, "behalf_notice", nv, 4, want, sizeof want);
    assert_string_equal(w->fx.notices[0].text, want);

    /* Not hers to undo, even within the day; the treasurer may, and the loan is owed again. */
    char cancel[32];
    snprintf(cancel, sizeof cancel, "BATAL %s", ref);
    world_send(w, SITI, cancel, w->now + 60);
    assert_int_equal(w->fx.errors, 1);
    assert_string_equal(entry(w, ref).status, "confirmed");
    world_send(w, TREASURER, cancel, w->now + 120);
    assert_int_equal(w->fx.errors, 0);
    assert_string_equal(entry(w, ref).status, "cancelled");
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL);
}

static void group_without_treasurer_confirms_at_once(void **state)
{
    struct world *w = *state;
    const char *yuni = "+6281100000006";
    struct store_person y =
        world_person(w, yuni, "Yuni", "A0005", "member", world_group(w, "KPUK09"));
    world_loan(w, y.id, "P20", PRINCIPAL, INSTALMENTS, "2026-11-25");
    const int64_t paid = 2 * (PRINCIPAL / INSTALMENTS);
    char text[48], ref[16], amount[32], left[32], want[DOMAIN_REPLY_MAX];
    snprintf(text, sizeof text, "BAYAR %lld", (long long)paid);
    world_send(w, yuni, text, w->now);
    assert_int_equal(w->fx.errors, 0);
    world_reply_ref(w, ref, sizeof ref);
    assert_string_equal(entry(w, ref).status, "confirmed");
    struct store_loan l = world_loan_of(w, "P20");
    assert_int_equal(l.outstanding, PRINCIPAL - paid);
    assert_string_equal(l.next_due, "2026-12-09"); /* two instalments paid: the third is next */
    struct template_var v[] = {{"amount", world_rupiah(paid, amount, sizeof amount)},
                               {"loan", "P20"},
                               {"outstanding", world_rupiah(PRINCIPAL - paid, left, sizeof left)},
                               {"ref", ref}};
    world_expect(w, "repayment_confirmed", v, 4, want, sizeof want);
    assert_string_equal(w->fx.reply, want);

    /* The treasurer of KPUK07 does not cover KPUK09: its entries are not found for her. */
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 60, &ani, &ctx);
    assert_int_equal(domain_cancel(&ctx, ref), 0);
    assert_int_equal(w->fx.errors, 1);
    struct template_var rv[] = {{"ref", ref}};
    world_expect(w, "ref_not_found", rv, 1, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(entry(w, ref).status, "confirmed");
}

static void member_cannot_undo_what_staff_confirmed(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    world_loan(w, siti.id, "P12", PRINCIPAL, INSTALMENTS, "2026-11-25");
    const int64_t paid = 150000;
    char ref[16], cmd[32];
    world_send(w, SITI, "BAYAR 150rb", w->now);
    world_reply_ref(w, ref, sizeof ref);
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 60, &ani, &ctx);
    assert_int_equal(domain_confirm(&ctx, ref), 0);
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL - paid);

    /* The money was handed over and the treasurer said so: only staff may take that back. */
    snprintf(cmd, sizeof cmd, "BATAL %s", ref);
    world_send(w, SITI, cmd, w->now + 120);
    assert_int_equal(w->fx.errors, 1);
    char want[DOMAIN_REPLY_MAX];
    struct template_var v[] = {{"ref", ref}};
    world_expect(w, "cancel_confirmed", v, 1, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(entry(w, ref).status, "confirmed");
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL - paid);

    /* A report not yet confirmed is still hers to cancel. */
    char ref2[16];
    world_send(w, SITI, "BAYAR 50rb", w->now + 180);
    world_reply_ref(w, ref2, sizeof ref2);
    snprintf(cmd, sizeof cmd, "BATAL %s", ref2);
    world_send(w, SITI, cmd, w->now + 240);
    assert_int_equal(w->fx.errors, 0);
    assert_string_equal(entry(w, ref2).status, "cancelled");
}

/* ---- cancelling ---- */

static void cancel_within_a_day_not_after_staff_always(void **state)
{
    struct world *w = *state;
    char early[16], late[16], cmd[32];
    world_send(w, SITI, "JUAL 20rb kue", w->now);
    world_reply_ref(w, early, sizeof early);
    world_send(w, SITI, "JUAL 30rb kue", w->now);
    world_reply_ref(w, late, sizeof late);

    /* Another member cannot touch it. */
    snprintf(cmd, sizeof cmd, "BATAL %s", early);
    world_send(w, RINA, cmd, w->now + 60);
    assert_int_equal(w->fx.errors, 1);
    assert_string_equal(entry(w, early).status, "confirmed");

    /* Her own, just inside 24 hours. */
    world_send(w, SITI, cmd, w->now + 24 * TEST_HOUR - 1);
    assert_int_equal(w->fx.errors, 0);
    assert_string_equal(entry(w, early).status, "cancelled");
    world_send(w, SITI, cmd, w->now + 24 * TEST_HOUR); /* twice: already cancelled */
    assert_int_equal(w->fx.errors, 0);
    char want[DOMAIN_REPLY_MAX];
    struct template_var v[] = {{"ref", early}};
    world_expect(w, "cancel_already", v, 1, want, sizeof want);
    assert_string_equal(w->fx.reply, want);

    /* Her own, a day and a second later: too late for her, not for the treasurer. */
    snprintf(cmd, sizeof cmd, "BATAL %s", late);
    world_send(w, SITI, cmd, w->now + 24 * TEST_HOUR + 1);
    assert_int_equal(w->fx.errors, 1);
    struct template_var lv[] = {{"ref", late}};
    world_expect(w, "cancel_too_late", lv, 1, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(entry(w, late).status, "confirmed");

    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now + 3 * TEST_DAY, &ani, &ctx);
    assert_int_equal(domain_cancel(&ctx, late), 0);
    assert_int_equal(w->fx.errors, 0);
    assert_string_equal(entry(w, late).status, "cancelled");
}

/* ---- roles ---- */

static void member_cannot_confirm(void **state)
{
    struct world *w = *state;
    struct store_person siti = world_person_of(w, SITI);
    world_loan(w, siti.id, "P12", PRINCIPAL, INSTALMENTS, "2026-11-25");
    char ref[16], cmd[32], want[DOMAIN_REPLY_MAX];
    world_send(w, RINA, "TABUNG 50rb", w->now);
    world_reply_ref(w, ref, sizeof ref);
    assert_string_equal(entry(w, ref).status, "reported");

    snprintf(cmd, sizeof cmd, "KONFIRM %s", ref);
    world_send(w, SITI, cmd, w->now + 60);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
    struct template_var v[] = {{"cmd", "Konfirmasi"}};
    world_expect(w, "not_allowed", v, 1, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_string_equal(entry(w, ref).status, "reported");

    /* The same through the plain call; nor can she record for someone else. */
    struct store_person actor;
    struct domain_ctx ctx;
    world_ctx(w, SITI, w->now + 120, &actor, &ctx);
    assert_int_equal(domain_confirm(&ctx, ref), 0);
    assert_int_equal(w->fx.errors, 1);
    assert_string_equal(entry(w, ref).status, "reported");
    world_send(w, RINA, "BAYAR A0001 150rb", w->now + 180);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
    assert_int_equal(world_loan_of(w, "P12").outstanding, PRINCIPAL);
}

/* ---- broadcasts ---- */

struct outbox_count {
    const char *kind;
    int rows;
    char phones[8][24];
    char channels[8][16];
    char texts[8][DOMAIN_REPLY_MAX];
};

static void count_out(const struct store_io_message_row *r, void *arg)
{
    struct outbox_count *c = arg;
    if (strcmp(r->direction, "out") != 0 || strcmp(r->kind, c->kind) != 0)
        return;
    if (c->rows < 8) {
        snprintf(c->phones[c->rows], sizeof c->phones[0], "%s", r->phone);
        snprintf(c->channels[c->rows], sizeof c->channels[0], "%s", r->channel);
        snprintf(c->texts[c->rows], sizeof c->texts[0], "%s", r->text);
    }
    c->rows++;
}

static struct outbox_count outbox_rows(struct world *w, const char *kind)
{
    struct outbox_count c = {.kind = kind};
    assert_int_equal(store_io_each_message(w->s, count_out, &c), 0);
    return c;
}

static void broadcast_reaches_members_not_sender_nor_opted_out(void **state)
{
    struct world *w = *state;
    const char *nur = "+6281100000004", *other = "+6281100000005";
    struct store_person n =
        world_person(w, nur, "Nur", "A0003", "member", world_person_of(w, SITI).group_id);
    assert_int_equal(store_person_set_opted_out(w->s, n.id, true), 0);
    world_person(w, other, "Lain", "A0004", "member", world_group(w, "KPUK08"));
    /* Rina last wrote on kannel: her broadcast goes there. */
    assert_int_equal(store_person_touch(w->s, RINA, "kannel", w->now - TEST_HOUR), 0);

    const char *body = "Rapat kelompok besok jam 9 di balai desa";
    struct store_person ani;
    struct domain_ctx ctx;
    world_ctx(w, TREASURER, w->now, &ani, &ctx);
    assert_int_equal(domain_broadcast(&ctx, GROUP, body), 0);
    assert_int_equal(w->fx.errors, 0);

    const char *expected[] = {SITI, RINA};
    const size_t n_expected = sizeof expected / sizeof expected[0];
    assert_int_equal(w->fx.n_notices, n_expected);
    /* The text as typed, after who sent it. */
    char from[128], text[256];
    struct template_var fv[] = {{"staff", ctx.actor->name}, {"group", GROUP}};
    assert_true(domain_render(w->d.tpl, "id", "broadcast_from", fv, 2, from, sizeof from) > 0);
    assert_non_null(strstr(from, ctx.actor->name));
    snprintf(text, sizeof text, "%s %s", from, body);
    for (size_t i = 0; i < w->fx.n_notices; i++) {
        const struct domain_notice *no = &w->fx.notices[i];
        assert_string_equal(no->kind, "broadcast");
        assert_string_equal(no->text, text);
        assert_string_not_equal(no->to.phone, TREASURER);
        assert_string_not_equal(no->to.phone, nur);
        assert_string_not_equal(no->to.phone, other);
        size_t seen = 0;
        for (size_t j = 0; j < n_expected; j++)
            seen += strcmp(no->to.phone, expected[j]) == 0;
        assert_int_equal(seen, 1);
    }
    assert_string_not_equal(w->fx.notices[0].to.phone, w->fx.notices[1].to.phone);
    char count[16], want[DOMAIN_REPLY_MAX];
    snprintf(count, sizeof count, "%zu", n_expected);
    struct template_var v[] = {{"count", count}, {"group", GROUP}};
    world_expect(w, "broadcast_ok", v, 2, want, sizeof want);
    assert_string_equal(w->fx.reply, want);

    /* Queued, each on the channel that reaches her. */
    assert_int_equal(reach_queue_notices(&w->reach, w->s, &w->fx, 0, w->now), (int)n_expected);
    struct outbox_count c = outbox_rows(w, "broadcast");
    assert_int_equal(c.rows, (int)n_expected);
    for (int i = 0; i < c.rows; i++) {
        struct store_person to = world_person_of(w, c.phones[i]);
        assert_string_equal(c.channels[i], reach_channel(&w->reach, &to));
        if (strcmp(c.phones[i], RINA) == 0)
            assert_string_equal(c.channels[i], "kannel");
    }

    /* A member may not broadcast; staff may not broadcast to a group they do not cover. */
    world_send(w, SITI, "SIARKAN " GROUP " halo semua", w->now + 60);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
    world_ctx(w, TREASURER, w->now + 60, &ani, &ctx);
    assert_int_equal(domain_broadcast(&ctx, "KPUK08", body), 0);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);
}

/* ---- training ---- */

static void add_participant(struct world *w, int64_t batch_id, const char *phone, const char *name)
{
    int64_t id = store_person_ensure(w->s, phone, name, "console", w->now);
    assert_true(id > 0);
    struct store_participant_row p = {.batch_id = batch_id, .person_id = id, .sex = 'P'};
    assert_int_equal(store_participant_upsert(w->s, &p, w->now), 0);
}

static void opening_a_session_sends_material_once(void **state)
{
    struct world *w = *state;
    const char *trainer = "+6281100000010", *p1 = "+6281100000011", *p2 = "+6281100000012",
               *p3 = "+6281100000013";
    world_person(w, trainer, "Bu Guru", "T0001", "trainer", 0);
    int64_t batch = store_batch_ensure(w->s, "GT07", w->now);
    assert_true(batch > 0);
    const char *title = "Menghitung untung", *material = "Untung = penjualan - pengeluaran.";
    assert_int_equal(store_session_upsert(w->s, batch, 1, 0, title, material), 0);
    add_participant(w, batch, p1, "Sari");
    add_participant(w, batch, p2, "Wati");

    /* A member may not open it. */
    struct store_person actor;
    struct domain_ctx ctx;
    world_ctx(w, SITI, w->now, &actor, &ctx);
    assert_int_equal(domain_open_session(&ctx, "GT07", "1"), 0);
    assert_int_equal(w->fx.errors, 1);
    assert_int_equal(w->fx.n_notices, 0);

    world_ctx(w, trainer, w->now, &actor, &ctx);
    assert_int_equal(domain_open_session(&ctx, "GT07", "1"), 0);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(w->fx.n_notices, 2);
    char want[DOMAIN_NOTICE_MAX];
    struct template_var mv[] = {{"session", "1"},
                                {"batch", "GT07"},
                                {"title", title},
                                {"material", material},
                                {"survey", ""}}; /* the session has no survey questions */
    world_expect(w, "session_material", mv, 5, want, sizeof want);
    for (size_t i = 0; i < w->fx.n_notices; i++) {
        const struct domain_notice *no = &w->fx.notices[i];
        assert_string_equal(no->kind, "material");
        assert_string_equal(no->text, want);
        assert_true(no->dedupe_key[0] != '\0');
        assert_true(strcmp(no->to.phone, p1) == 0 || strcmp(no->to.phone, p2) == 0);
    }
    assert_string_not_equal(w->fx.notices[0].to.phone, w->fx.notices[1].to.phone);
    struct template_var ov[] = {{"session", "1"}, {"batch", "GT07"}, {"count", "2"}};
    world_expect(w, "session_open_ok", ov, 3, want, sizeof want);
    assert_string_equal(w->fx.reply, want);
    assert_int_equal(reach_queue_notices(&w->reach, w->s, &w->fx, 0, w->now), 2);

    /* Opening again sends nothing to those who have it. */
    world_ctx(w, trainer, w->now + 60, &actor, &ctx);
    assert_int_equal(domain_open_session(&ctx, "GT07", "1"), 0);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(w->fx.n_notices, 0);
    assert_int_equal(reach_queue_notices(&w->reach, w->s, &w->fx, 0, w->now + 60), 0);

    /* ... but reaches a participant added since. */
    add_participant(w, batch, p3, "Yuli");
    world_send(w, trainer, "SESI GT07 1", w->now + 120);
    assert_int_equal(w->fx.errors, 0);
    assert_int_equal(w->fx.n_notices, 1);
    assert_string_equal(w->fx.notices[0].to.phone, p3);
    assert_int_equal(reach_queue_notices(&w->reach, w->s, &w->fx, 0, w->now + 120), 1);
    assert_int_equal(outbox_rows(w, "material").rows, 3);
}

/* ---- reach ---- */

static void reach_rules(void **state)
{
    struct world *w = *state;
    struct store_person p = {0};
    snprintf(p.channel, sizeof p.channel, "whatsapp");
    snprintf(p.last_channel, sizeof p.last_channel, "kannel");
    assert_string_equal(reach_channel(&w->reach, &p), "whatsapp"); /* chosen */
    p.channel[0] = '\0';
    assert_string_equal(reach_channel(&w->reach, &p), "kannel"); /* else the last one */
    p.last_channel[0] = '\0';
    assert_string_equal(reach_channel(&w->reach, &p), "console"); /* else the default */

    const struct channel_driver *wa = channel_find("whatsapp"), *console = channel_find("console");
    assert_non_null(wa);
    assert_non_null(console);
    int64_t now = w->now;
    assert_true(reach_in_window(wa, now - TEST_HOUR, now));
    assert_true(reach_in_window(wa, now - (24 * TEST_HOUR - 1), now));
    assert_false(reach_in_window(wa, now - (24 * TEST_HOUR + 1), now));
    assert_false(reach_in_window(wa, now - 3 * TEST_DAY, now));
    assert_false(reach_in_window(wa, 0, now)); /* never wrote */
    assert_true(reach_in_window(console, 0, now));
    assert_true(reach_in_window(console, now - 30 * TEST_DAY, now));

    assert_true(reach_sms_sized("kannel"));
    assert_false(reach_sms_sized("whatsapp"));
}

/* ---- the scheduler ---- */

static int setup_scheduler(void **state)
{
    *state = world_new("[digest]\nenabled = false\n");
    return 0;
}

static void scheduler_tick_queues_a_reminder_once(void **state)
{
    struct world *w = *state;
    int64_t g = world_group(w, GROUP);
    struct store_person siti = world_person(w, SITI, "Siti", "A0001", "member", g);

    /* A few minutes past the reminder hour in the group's time zone (+07:00) on 2026-12-03;
     * the first instalment falls due the next day. */
    long hour = config_get_long(w->cfg, "reminders", "hour");
    struct tm day = {.tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = 3};
    int64_t midnight = (int64_t)timegm(&day) - 7 * TEST_HOUR;
    int64_t now = midnight + hour * TEST_HOUR + 5 * 60;
    world_loan(w, siti.id, "P12", PRINCIPAL, INSTALMENTS, "2026-12-04");

    struct runtime rt;
    char err[256] = "";
    if (runtime_open(&rt, w->ini, err, sizeof err) != 0)
        fail_msg("runtime_open: %s", err);
    /* A long tick: the thread never runs a pass of its own during the test. */
    struct scheduler *sc = scheduler_start(&rt, NULL, w->db, 3600, err, sizeof err);
    if (!sc) {
        runtime_close(&rt);
        fail_msg("scheduler_start: %s", err);
    }
    int before = scheduler_tick(sc, now - 10 * 60);
    int at_hour = scheduler_tick(sc, now);
    int again = scheduler_tick(sc, now + 60);
    int later = scheduler_tick(sc, now + TEST_HOUR);
    scheduler_stop(sc);
    runtime_close(&rt);

    assert_int_equal(before, 0); /* before the hour: nothing yet */
    assert_int_equal(at_hour, 1);
    assert_int_equal(again, 0); /* once a day */
    assert_int_equal(later, 0);
    struct outbox_count c = outbox_rows(w, "loan_due");
    assert_int_equal(c.rows, 1);
    assert_string_equal(c.phones[0], SITI);
    char amount[32], want[DOMAIN_REPLY_MAX];
    struct template_var v[] = {
        {"amount", world_rupiah(PRINCIPAL / INSTALMENTS, amount, sizeof amount)},
        {"loan", "P12"},
        {"due", "2026-12-04"}};
    world_expect(w, "remind_loan_due", v, 3, want, sizeof want);
    assert_string_equal(c.texts[0], want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(register_known_unknown_and_again, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(sale_and_expense_are_stored_with_their_ref, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(unregistered_sender_may_not_sell, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(repayment_reported_then_confirmed, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(treasurer_records_on_behalf, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(group_without_treasurer_confirms_at_once, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(cancel_within_a_day_not_after_staff_always, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(member_cannot_undo_what_staff_confirmed, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(member_cannot_confirm, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(broadcast_reaches_members_not_sender_nor_opted_out,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(opening_a_session_sends_material_once, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(reach_rules, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(scheduler_tick_queues_a_reminder_once, setup_scheduler,
                                        world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
