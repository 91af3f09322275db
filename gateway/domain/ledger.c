/* ledger.c - what each command means: registration, sales and expenses, savings, repayments,
 * confirmations, cancellations, balances and the staff's report and broadcast. */
#include "ledger.h"

#include "books.h"
#include "format.h"
#include "loans.h"
#include "log.h"
#include "store_training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CANCEL_WINDOW (24 * 3600)
#define DUPLICATE_WINDOW (10 * 60) /* the same entry again within this is asked about */
#define YES_WINDOW (30 * 60)       /* a question is answered by YA within this */
#define SMALL_AMOUNT 500           /* a sale, expense or saving below this is asked about */

/* " 3 bungkus abon": what was sold or bought, with its quantity and unit, or "". */
static const char *item_words(const char *item, int qty, const char *unit, char *out, size_t outsz)
{
    if (qty > 0)
        snprintf(out, outsz, " %d%s%s%s%s", qty, unit[0] ? " " : "", unit, item[0] ? " " : "",
                 item);
    else
        snprintf(out, outsz, "%s%s", item[0] ? " " : "", item);
    return out;
}

static int refuse(struct domain_ctx *ctx, const char *kind)
{
    struct template_var v[] = {{"cmd", domain_cmd_word(ctx, kind)}};
    domain_refuse(ctx, "not_allowed", v, 1);
    return 0;
}

/* Whether two names are one woman's: equal, or the same first word ("Siti" and "Siti
 * Aminah"), whatever the case. */
static bool same_person_name(const char *a, const char *b)
{
    size_t la = strcspn(a, " "), lb = strcspn(b, " ");
    return strcasecmp(a, b) == 0 || (la == lb && la > 0 && strncasecmp(a, b, la) == 0);
}

static int do_register(struct domain_ctx *ctx, const struct parse_command *c)
{
    struct store_person *who = ctx->actor, fresh;
    /* A registered phone registering another name: a second member on a shared handset. */
    bool another = false;
    if (who->role[0]) {
        struct store_person on_phone[DOMAIN_SHARED_MAX];
        int n = store_people_by_phone(ctx->s, who->phone, on_phone, DOMAIN_SHARED_MAX);
        if (n < 0)
            return -1;
        for (int i = 0; i < n && i < DOMAIN_SHARED_MAX; i++) {
            if (same_person_name(on_phone[i].name, c->name)) {
                struct template_var v[] = {{"name", on_phone[i].name},
                                           {"group", on_phone[i].group_code}};
                domain_reply(ctx, "register_already", v, 2);
                return 0;
            }
        }
        if (n >= DOMAIN_SHARED_MAX) {
            domain_refuse(ctx, "register_phone_full", NULL, 0);
            return 0;
        }
        another = true;
    }
    struct template_var v[] = {{"name", c->name}, {"group", c->group}, {"code", ""}};
    if (!c->group[0]) {
        domain_refuse(ctx, "register_need_group", v, 2);
        return 0;
    }
    struct store_group g;
    int rc = store_group_by_code(ctx->s, c->group, &g);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        domain_refuse(ctx, "register_unknown_group", v, 2);
        return 0;
    }
    int64_t id = who->id;
    if (another && (id = store_person_add(ctx->s, who->phone, who->last_channel, ctx->now)) < 0)
        return -1;
    struct store_person *member = another ? &fresh : who;
    if (store_person_register(ctx->s, id, c->name, g.id) != 0 ||
        store_person_by_id(ctx->s, id, member) != 1)
        return -1;
    v[2].value = member->code;
    domain_reply(ctx, another ? "register_ok_shared" : "register_ok", v, 3);
    return 0;
}

/* Records a sale or an expense: the member's own books, confirmed as she writes them. */
static int do_book(struct domain_ctx *ctx, const struct parse_command *c, const char *kind)
{
    struct store_entry e = {
        .person_id = ctx->actor->id,
        .group_id = ctx->actor->group_id,
        .message_id = ctx->message_id,
        .amount = c->amount,
        .qty = c->qty,
        .unit = c->unit,
        .item = c->item,
        .created_at = ctx->now,
    };
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    snprintf(e.status, sizeof e.status, "confirmed");
    if (store_entry_add(ctx->s, &e) < 0)
        return -1;
    char amount[32], item[160];
    struct template_var v[] = {{"cmd", domain_cmd_word(ctx, kind)},
                               {"amount", format_rupiah(c->amount, amount, sizeof amount)},
                               {"item", item_words(c->item, c->qty, c->unit, item, sizeof item)},
                               {"ref", e.ref}};
    domain_reply(ctx, "entry_ok", v, 4);
    return 0;
}

/* Whether a member's report in this group is confirmed at once (no treasurer to confirm it). */
static int auto_confirms(struct domain_ctx *ctx, int64_t group_id)
{
    if (!ctx->d->auto_confirm)
        return 0;
    int has = store_group_has_treasurer(ctx->s, group_id);
    return has < 0 ? -1 : !has;
}

/* Refuses an amount above what may be paid or taken out, with the most that may, and the same
 * command with that amount as the example. */
static int refuse_too_much(struct domain_ctx *ctx, const char *key, int64_t amount, int64_t left,
                           const char *loan, const char *member_code)
{
    char amount_s[32], left_s[32], example[96];
    format_rupiah(left, left_s, sizeof left_s);
    /* The parser reads "Rp600.000" back as 600000; staff name the member as they did. */
    snprintf(example, sizeof example, "%s%s%s%s%s", member_code, member_code[0] ? " " : "", left_s,
             loan[0] ? " " : "", loan);
    struct template_var v[] = {{"amount", format_rupiah(amount, amount_s, sizeof amount_s)},
                               {"left", left_s},
                               {"loan", loan},
                               {"suggestion", example}};
    domain_refuse(ctx, key, v, 4);
    return 0;
}

/* Savings, withdrawals and repayments: a member reports (confirmed later by staff, or at once in a
 * group without a treasurer); staff naming a member code record on her behalf, confirmed at once.
 */
static int do_money(struct domain_ctx *ctx, const struct parse_command *c, const char *kind)
{
    struct store_person member = *ctx->actor;
    struct store_person *by = ctx->actor;
    bool on_behalf = false;
    struct store_loan loan = {0};
    const char *loan_code = NULL;
    char amount[32], left[32];

    if (c->ref[0]) {
        struct store_person other;
        int rc = store_person_by_code(ctx->s, c->ref, &other);
        if (rc < 0)
            return -1;
        if (rc == 1 && other.id != by->id) {
            if (!domain_can_confirm(by))
                return refuse(ctx, kind);
            if (!store_staff_covers(ctx->s, by, other.group_id)) {
                /* Staff of another group: as if the code did not exist (members' privacy). */
                struct template_var v[] = {{"code", c->ref}};
                domain_refuse(ctx, "unknown_member", v, 1);
                return 0;
            }
            member = other;
            on_behalf = true;
        } else if (rc == 0 && strcmp(kind, "repayment") == 0) {
            /* BAYAR 150rb P12: the loan P12, the member's own; staff may name a member's loan
             * instead of her member code. */
            struct store_loan named;
            int lrc = store_loan_by_code(ctx->s, c->ref, &named);
            if (lrc < 0)
                return -1;
            if (lrc == 1 && named.person_id != by->id) {
                if (store_person_by_id(ctx->s, named.person_id, &other) != 1)
                    return -1;
                if (!domain_can_confirm(by) || !store_staff_covers(ctx->s, by, other.group_id))
                    return refuse(ctx, kind);
                member = other;
                on_behalf = true;
            } else if (lrc == 0 && domain_can_confirm(by)) {
                struct template_var v[] = {{"code", c->ref}};
                domain_refuse(ctx, "unknown_member", v, 1);
                return 0;
            }
            loan_code = c->ref;
        } else if (rc == 0) {
            struct template_var v[] = {{"code", c->ref}};
            domain_refuse(ctx, "unknown_member", v, 1);
            return 0;
        }
    }
    if (strcmp(kind, "repayment") == 0) {
        int rc = store_loan_for_person(ctx->s, member.id, loan_code, &loan);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            struct template_var v[] = {{"loan", loan_code ? loan_code : ""}, {"name", member.name}};
            domain_refuse(ctx, on_behalf ? "no_loan_member" : "no_loan", v, 2);
            return 0;
        }
        /* Never more than she still owes (what waits for confirmation counted as paid): of
         * the loan she named, and of all her loans. */
        int64_t owed_all, owed_loan;
        if (books_owed(ctx->s, member.id, 0, &owed_all) != 0 ||
            (loan_code && books_owed(ctx->s, member.id, loan.id, &owed_loan) != 0))
            return -1;
        int64_t owed = loan_code && owed_loan < owed_all ? owed_loan : owed_all;
        if (owed <= 0) { /* what she reported already pays everything, once confirmed */
            struct template_var v[] = {{"loan", loan.code}, {"name", member.name}};
            domain_refuse(ctx, "repayment_all_waiting", v, 2);
            return 0;
        }
        if (c->amount > owed)
            return refuse_too_much(ctx, "repayment_too_much", c->amount, owed < 0 ? 0 : owed,
                                   on_behalf && !loan_code ? "" : loan.code,
                                   on_behalf && !loan_code ? member.code : "");
    } else if (strcmp(kind, "withdrawal") == 0) {
        /* Only confirmed savings count, less withdrawals still waiting. */
        int64_t saved = store_savings_total(ctx->s, member.id), in = 0, out = 0;
        if (saved < 0 || store_savings_waiting(ctx->s, member.id, &in, &out) != 0)
            return -1;
        if (saved - out <= 0) {
            struct template_var v[] = {{"name", member.name}};
            domain_refuse(ctx, on_behalf ? "withdrawal_none_member" : "withdrawal_none", v, 1);
            return 0;
        }
        if (c->amount > saved - out)
            return refuse_too_much(ctx, "withdrawal_too_much", c->amount, saved - out, "",
                                   on_behalf ? member.code : "");
    }
    bool confirmed = on_behalf || domain_can_confirm(by);
    if (!confirmed) {
        int ac = auto_confirms(ctx, member.group_id);
        if (ac < 0)
            return -1;
        confirmed = ac;
    }
    struct store_entry e = {
        .person_id = member.id,
        .group_id = member.group_id,
        .loan_id = loan.id,
        .loan_named = loan_code != NULL, /* unnamed: her loans, oldest instalment first */
        .message_id = ctx->message_id,
        .recorded_by = on_behalf ? by->id : 0,
        .amount = c->amount,
        .created_at = ctx->now,
    };
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    snprintf(e.status, sizeof e.status, "%s", confirmed ? "confirmed" : "reported");
    if (store_entry_add(ctx->s, &e) < 0)
        return -1;
    if (loan.id && confirmed) {
        if (books_reallocate(ctx->s, member.id) != 0 ||
            store_loan_by_code(ctx->s, loan.code, &loan) != 1)
            return -1;
    }
    int64_t total = strcmp(kind, "repayment") != 0 ? store_savings_total(ctx->s, member.id) : 0;
    char total_s[32];
    struct template_var v[] = {
        {"cmd", domain_cmd_word(ctx, kind)},
        {"amount", format_rupiah(c->amount, amount, sizeof amount)},
        {"ref", e.ref},
        {"loan", loan.code},
        {"outstanding", format_rupiah(loan.outstanding, left, sizeof left)},
        {"total", format_rupiah(total, total_s, sizeof total_s)},
        {"name", member.name},
        {"code", member.code},
    };
    char key[48];
    snprintf(key, sizeof key, "%s_%s", on_behalf ? "behalf" : kind,
             on_behalf ? "ok" : (confirmed ? "confirmed" : "reported"));
    domain_reply(ctx, key, v, sizeof v / sizeof v[0]);
    if (on_behalf) {
        /* The member hears of what was written in her name. */
        struct template_var nv[] = {v[0], v[1], v[2], {"staff", by->name}};
        if (!member.opted_out &&
            domain_notify(ctx, &member, "notice", NULL, "behalf_notice", nv, 4) != 0)
            return -1;
    }
    return 0;
}

int domain_confirm(struct domain_ctx *ctx, const char *ref)
{
    if (!domain_can_confirm(ctx->actor))
        return refuse(ctx, "confirm");
    struct store_entry e;
    int rc = store_entry_by_ref(ctx->s, ref, &e);
    if (rc < 0)
        return -1;
    char status_key[32];
    snprintf(status_key, sizeof status_key, "status_%s", rc == 1 ? e.status : "");
    const char *status = templates_get(ctx->d->tpl, ctx->lang, status_key);
    struct template_var v[] = {{"ref", ref}, {"status", status ? status : e.status}};
    if (rc == 0 || !store_staff_covers(ctx->s, ctx->actor, e.group_id)) {
        domain_refuse(ctx, "ref_not_found", v, 1);
        return 0;
    }
    if (strcmp(e.status, "reported") != 0) {
        domain_refuse(ctx, "confirm_not_pending", v, 2);
        return 0;
    }
    struct store_person member;
    char amount[32];
    if (store_person_by_id(ctx->s, e.person_id, &member) != 1)
        return -1;
    /* What was reported may no longer fit: a withdrawal above the savings confirmed by now, a
     * repayment above what is still owed (another was confirmed first, the loan re-imported). */
    int64_t limit = -1;
    if (strcmp(e.kind, "withdrawal") == 0) {
        limit = store_savings_total(ctx->s, member.id);
        if (limit < 0)
            return -1;
    } else if (strcmp(e.kind, "repayment") == 0) {
        int64_t owed;
        if (books_owed(ctx->s, member.id, e.loan_named ? e.loan_id : 0, &owed) != 0)
            return -1;
        limit = owed + e.amount; /* books_owed counted this one as waiting */
    }
    if (limit >= 0 && e.amount > limit) {
        char left[32];
        struct template_var tv[] = {
            {"ref", e.ref},
            {"cmd", domain_cmd_word(ctx, e.kind)},
            {"amount", format_rupiah(e.amount, amount, sizeof amount)},
            {"left", format_rupiah(limit > 0 ? limit : 0, left, sizeof left)}};
        domain_refuse(ctx, "confirm_too_much", tv, 4);
        return 0;
    }
    if (store_entry_set_status(ctx->s, e.id, "confirmed", ctx->actor->id, ctx->now) != 0)
        return -1;
    if (strcmp(e.kind, "repayment") == 0 && books_reallocate(ctx->s, e.person_id) != 0)
        return -1;
    struct template_var cv[] = {{"cmd", domain_cmd_word(ctx, e.kind)},
                                {"amount", format_rupiah(e.amount, amount, sizeof amount)},
                                {"ref", e.ref},
                                {"name", member.name}};
    domain_reply(ctx, "confirm_ok", cv, 4);
    if (!member.opted_out && member.id != ctx->actor->id &&
        domain_notify(ctx, &member, "notice", NULL, "confirmed_notice", cv, 4) != 0)
        return -1;
    return 0;
}

struct treasurer_notice {
    struct domain_ctx *ctx;
    const struct template_var *vars;
    size_t n;
    int failed;
};

static void notify_treasurer(const struct store_person *to, void *arg)
{
    struct treasurer_notice *t = arg;
    if (to->id != t->ctx->actor->id &&
        domain_notify(t->ctx, to, "notice", NULL, "cancel_notice", t->vars, t->n) != 0)
        t->failed++;
}

/* Tells the group's treasurers (who have not sent STOP) with the cancel_notice template. */
static int tell_treasurers(struct domain_ctx *ctx, int64_t group_id, const struct template_var *v,
                           size_t n)
{
    if (!group_id)
        return 0;
    struct treasurer_notice t = {ctx, v, n, 0};
    if (store_each_staff(ctx->s, group_id, 0, "treasurer", notify_treasurer, &t) < 0 || t.failed)
        return -1;
    return 0;
}

int domain_cancel(struct domain_ctx *ctx, const char *ref)
{
    struct store_entry e;
    int rc = store_entry_by_ref(ctx->s, ref, &e);
    if (rc < 0)
        return -1;
    /* Her own: what she wrote herself, or what she recorded for someone. An entry staff
     * recorded on her behalf is the staff's to undo, not hers. */
    bool own = rc == 1 && ((e.person_id == ctx->actor->id && !e.recorded_by) ||
                           e.recorded_by == ctx->actor->id);
    bool staff = rc == 1 && domain_can_confirm(ctx->actor) &&
                 store_staff_covers(ctx->s, ctx->actor, e.group_id);
    struct template_var v[] = {{"ref", ref}};
    if (rc == 0 || (!own && !staff)) {
        domain_refuse(ctx, "ref_not_found", v, 1);
        return 0;
    }
    if (strcmp(e.status, "cancelled") == 0) {
        domain_reply(ctx, "cancel_already", v, 1);
        return 0;
    }
    /* What staff confirmed (money handed over) only staff may take back. */
    if (!staff && e.confirmed_by && e.confirmed_by != ctx->actor->id) {
        domain_refuse(ctx, "cancel_confirmed", v, 1);
        return 0;
    }
    if (!staff && ctx->now - e.created_at > CANCEL_WINDOW) {
        domain_refuse(ctx, "cancel_too_late", v, 1);
        return 0;
    }
    /* Savings already taken out stay taken out: cancelling a confirmed saving may not leave
     * her savings below zero. */
    if (strcmp(e.kind, "savings") == 0 && strcmp(e.status, "confirmed") == 0) {
        int64_t saved = store_savings_total(ctx->s, e.person_id);
        if (saved < 0)
            return -1;
        if (saved - e.amount < 0) {
            domain_refuse(ctx, "cancel_withdrawn", v, 1);
            return 0;
        }
    }
    if (store_entry_set_status(ctx->s, e.id, "cancelled", ctx->actor->id, ctx->now) != 0)
        return -1;
    if (strcmp(e.kind, "repayment") == 0 && books_reallocate(ctx->s, e.person_id) != 0)
        return -1;
    char amount[32];
    struct template_var cv[] = {{"ref", e.ref},
                                {"cmd", domain_cmd_word(ctx, e.kind)},
                                {"amount", format_rupiah(e.amount, amount, sizeof amount)},
                                {"name", ctx->actor->name},
                                {"code", ctx->actor->code}};
    domain_reply(ctx, "cancel_ok", cv, 3);
    /* A report the treasurer was waiting to confirm is gone: she hears of it. */
    if (!staff && strcmp(e.status, "reported") == 0 && tell_treasurers(ctx, e.group_id, cv, 5) != 0)
        return -1;
    return 0;
}

/* A date "YYYY-MM-DD" the way people write it: "26 Nov" (month names from the templates). */
static const char *short_date(const struct domain_ctx *ctx, const char *date, char *out,
                              size_t outsz)
{
    int y, m, d;
    char key[16];
    if (!loans_parse_date(date, &y, &m, &d)) {
        snprintf(out, outsz, "%s", date);
        return out;
    }
    snprintf(key, sizeof key, "month_%d", m);
    const char *name = templates_get(ctx->d->tpl, ctx->lang, key);
    snprintf(out, outsz, "%d %s", d, name ? name : key);
    return out;
}

/* Renders key into out (for measuring a reply before choosing it). Returns the length. */
static size_t render(const struct domain_ctx *ctx, const char *key, const struct template_var *v,
                     size_t n, char *out, size_t outsz)
{
    if (templates_render(ctx->d->tpl, ctx->lang, key, v, n, out, outsz) < 0)
        out[0] = '\0';
    return strlen(out);
}

/* Appends the rendered key after sep to out (a part of a reply that is there or not). */
static void fragment(const struct domain_ctx *ctx, const char *key, const char *sep,
                     const struct template_var *v, size_t n, char *out, size_t outsz)
{
    size_t used = strlen(out);
    int len = snprintf(out + used, outsz - used, "%s", sep);
    if (len < 0 || (size_t)len >= outsz - used)
        return;
    used += (size_t)len;
    render(ctx, key, v, n, out + used, outsz - used);
}

#define SMS_CHARS 160

static int do_balance(struct domain_ctx *ctx)
{
    struct store_person *who = ctx->actor;
    int tz = domain_tz(ctx->d, who->group_tz);
    int64_t from = format_week_start(ctx->now, tz), sales = 0, expenses = 0;
    int64_t savings = store_savings_total(ctx->s, who->id), saving_in = 0, saving_out = 0;
    struct store_loan loan;
    int has_loan = store_loan_for_person(ctx->s, who->id, NULL, &loan);
    int64_t repaying = has_loan == 1 ? store_repayments_waiting(ctx->s, who->id, 0) : 0;
    if (savings < 0 || has_loan < 0 || repaying < 0 ||
        store_savings_waiting(ctx->s, who->id, &saving_in, &saving_out) != 0 ||
        store_person_week(ctx->s, who->id, from, from + 7 * 86400, &sales, &expenses) != 0)
        return -1;
    char sv[32], out[32], next[32], sa[32], ex[32], net[32], a[32], due[24], today[11];
    char saving_w[64] = "", repay_w[64] = "", late[48] = "", days[16];
    format_date(ctx->now, tz, today, sizeof today);
    if (saving_in) {
        struct template_var w[] = {{"amount", format_rupiah(saving_in, a, sizeof a)}};
        fragment(ctx, "balance_saving_waiting", " ", w, 1, saving_w, sizeof saving_w);
    }
    if (saving_out) {
        struct template_var w[] = {{"amount", format_rupiah(saving_out, a, sizeof a)}};
        fragment(ctx, "balance_withdrawal_waiting", " ", w, 1, saving_w, sizeof saving_w);
    }
    if (repaying) {
        struct template_var w[] = {{"amount", format_rupiah(repaying, a, sizeof a)}};
        fragment(ctx, "balance_repayment_waiting", " ", w, 1, repay_w, sizeof repay_w);
    }
    int late_days = has_loan && loan.next_due[0] ? books_days_between(loan.next_due, today) : 0;
    if (late_days > 0) {
        snprintf(days, sizeof days, "%d", late_days);
        struct template_var w[] = {{"days", days}};
        fragment(ctx, "balance_late", ", ", w, 1, late, sizeof late);
    }
    struct template_var v[] = {
        {"name", who->name},
        {"savings", format_rupiah(savings, sv, sizeof sv)},
        {"outstanding", format_rupiah(has_loan ? loan.outstanding : 0, out, sizeof out)},
        {"next_amount", format_rupiah(has_loan ? loan.next_due_amount : 0, next, sizeof next)},
        {"next_due", has_loan ? short_date(ctx, loan.next_due, due, sizeof due) : ""},
        {"loan", has_loan ? loan.code : ""},
        {"sales", format_rupiah(sales, sa, sizeof sa)},
        {"expenses", format_rupiah(expenses, ex, sizeof ex)},
        {"net", format_rupiah(sales - expenses, net, sizeof net)},
        {"savings_waiting", saving_w},
        {"repayment_waiting", repay_w},
        {"late", late},
    };
    size_t nv = sizeof v / sizeof v[0];
    /* One SMS with her values: without the week's figures when they do not fit, then without
     * what waits for confirmation. */
    const char *full = has_loan ? "balance" : "balance_no_loan";
    const char *brief = has_loan ? "balance_short" : "balance_no_loan_short";
    char probe[DOMAIN_REPLY_MAX];
    const char *key = full;
    if (render(ctx, full, v, nv, probe, sizeof probe) > SMS_CHARS) {
        key = brief;
        if (render(ctx, brief, v, nv, probe, sizeof probe) > SMS_CHARS) {
            v[9].value = v[10].value = "";
        }
    }
    domain_reply(ctx, key, v, nv);
    return 0;
}

struct arrears_list {
    struct domain_ctx *ctx;
    const char *today;
    size_t chars;           /* of the reply so far */
    int shown, hidden, all; /* members listed, left out, in arrears */
    int64_t total;
};

/* Three SMS of 153 characters (concatenated GSM-7), less room for "... dan 999 orang lagi." */
#define ARREARS_CHARS (3 * 153 - 40)

static void arrears_one(const char *name, const char *code, int64_t amount, const char *oldest_due,
                        void *arg)
{
    struct arrears_list *l = arg;
    l->all++;
    l->total += amount;
    char a[32], days[16], short_name[24], line[160];
    /* Long names are shortened so more members fit. */
    snprintf(short_name, sizeof short_name, "%.18s", name);
    snprintf(days, sizeof days, "%d", books_days_between(oldest_due, l->today));
    struct template_var v[] = {{"name", short_name},
                               {"code", code},
                               {"amount", format_rupiah(amount, a, sizeof a)},
                               {"days", days}};
    size_t len = render(l->ctx, "arrears_line", v, 4, line, sizeof line) + 1;
    if (l->hidden || l->chars + len > ARREARS_CHARS) {
        l->hidden++;
        return;
    }
    domain_reply(l->ctx, "arrears_line", v, 4);
    l->chars += len;
    l->shown++;
}

/* The group a staff command names by code, or the actor's own when code is "" (an admin of no
 * one group must name one: refused with the template need). Returns 1 with *g when found and
 * covered by the actor, 0 when refused (the reply given), -1 on a database error. */
static int staff_group(struct domain_ctx *ctx, const char *code, const char *need,
                       struct store_group *g)
{
    if (!code[0] && !ctx->actor->group_id) {
        domain_refuse(ctx, need, NULL, 0);
        return 0;
    }
    int rc = code[0] ? store_group_by_code(ctx->s, code, g)
                     : store_group_by_id(ctx->s, ctx->actor->group_id, g);
    if (rc < 0)
        return -1;
    struct template_var gv[] = {{"group", code}};
    if (rc == 0 || !store_staff_covers(ctx->s, ctx->actor, g->id)) {
        domain_refuse(ctx, "group_not_found", gv, 1);
        return 0;
    }
    return 1;
}

/* TUNGGAKAN [GROUP]: the members of a group in arrears, oldest first, amount and days. */
static int do_arrears(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (!domain_is_staff(ctx->actor))
        return refuse(ctx, "arrears");
    struct store_group g;
    int rc = staff_group(ctx, c->group, "arrears_need_group", &g);
    if (rc <= 0)
        return rc;
    char today[11];
    format_date(ctx->now, domain_tz(ctx->d, g.timezone), today, sizeof today);
    /* The heading carries the totals, so the lines are counted first. */
    struct domain_effects scratch;
    domain_effects_init(&scratch);
    struct domain_ctx dry = *ctx;
    dry.fx = &scratch;
    struct arrears_list count = {&dry, today, 0, 0, 0, 0, 0};
    rc = store_each_arrears(ctx->s, g.id, 0, today, arrears_one, &count);
    domain_effects_free(&scratch);
    if (rc < 0)
        return -1;
    char n[16], total[32];
    snprintf(n, sizeof n, "%d", count.all);
    struct template_var hv[] = {{"group", g.code},
                                {"count", n},
                                {"amount", format_rupiah(count.total, total, sizeof total)}};
    if (!count.all) {
        domain_reply(ctx, "arrears_none", hv, 1);
        return 0;
    }
    char head[160];
    struct arrears_list l = {
        ctx, today, render(ctx, "arrears_head", hv, 3, head, sizeof head), 0, 0, 0, 0};
    domain_reply(ctx, "arrears_head", hv, 3);
    if (store_each_arrears(ctx->s, g.id, 0, today, arrears_one, &l) < 0)
        return -1;
    if (l.hidden) {
        snprintf(n, sizeof n, "%d", l.hidden);
        struct template_var mv[] = {{"count", n}};
        domain_reply(ctx, "arrears_more", mv, 1);
    }
    return 0;
}

static int do_report(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (!domain_is_staff(ctx->actor))
        return refuse(ctx, "report");
    struct store_group g;
    int rc = staff_group(ctx, c->group, "report_need_group", &g);
    if (rc <= 0)
        return rc;
    int tz = domain_tz(ctx->d, g.timezone);
    int64_t from = format_week_start(ctx->now, tz);
    char today[11];
    format_date(ctx->now, tz, today, sizeof today);
    struct store_group_summary sum = {0};
    if (store_group_summary(ctx->s, g.id, from, from + 7 * 86400, today, &sum) != 0)
        return -1;
    char members[16], arrears_n[16], sa[32], ex[32], sv[32], rp[32], wt[32], ar[32], sw[32], ww[32];
    snprintf(members, sizeof members, "%d", sum.members);
    snprintf(arrears_n, sizeof arrears_n, "%d", sum.in_arrears);
    struct template_var v[] = {
        {"group", g.code},
        {"members", members},
        {"sales", format_rupiah(sum.sales, sa, sizeof sa)},
        {"expenses", format_rupiah(sum.expenses, ex, sizeof ex)},
        {"savings", format_rupiah(sum.savings, sv, sizeof sv)},
        {"repaid", format_rupiah(sum.repaid_confirmed, rp, sizeof rp)},
        {"waiting", format_rupiah(sum.repaid_waiting, wt, sizeof wt)},
        {"arrears_members", arrears_n},
        {"arrears", format_rupiah(sum.arrears_amount, ar, sizeof ar)},
        {"saved_waiting", format_rupiah(sum.savings_waiting, sw, sizeof sw)},
        {"withdrawn_waiting", format_rupiah(sum.withdrawals_waiting, ww, sizeof ww)},
    };
    domain_reply(ctx, "report", v, sizeof v / sizeof v[0]);
    return 0;
}

struct broadcast {
    struct domain_ctx *ctx;
    const char *body, *group;
    int queued, failed;
};

static void broadcast_one(const struct store_person *to, void *arg)
{
    struct broadcast *b = arg;
    if (to->id == b->ctx->actor->id)
        return;
    /* "Dari Bu Rina, KPUK07: <text as typed>", the heading in the member's language. */
    char from[128], *text = NULL;
    const struct store_person *by = b->ctx->actor;
    struct template_var fv[] = {{"staff", by->name}, {"group", b->group}};
    if (domain_render(b->ctx->d->tpl, domain_language(b->ctx->d, to), "broadcast_from", fv, 2, from,
                      sizeof from) < 0)
        from[0] = '\0';
    size_t len = strlen(from) + 1 + strlen(b->body) + 1;
    if (!(text = malloc(len))) {
        b->failed++;
        return;
    }
    snprintf(text, len, "%s%s%s", from, from[0] ? " " : "", b->body);
    struct template_var v[] = {{"text", text}};
    int rc = domain_notify(b->ctx, to, "broadcast", NULL, NULL, v, 1);
    free(text);
    if (rc != 0)
        b->failed++;
    else
        b->queued++;
}

int domain_broadcast(struct domain_ctx *ctx, const char *group_code, const char *body)
{
    if (!domain_is_staff(ctx->actor))
        return refuse(ctx, "broadcast");
    struct store_group g;
    int rc = store_group_by_code(ctx->s, group_code, &g);
    if (rc < 0)
        return -1;
    struct template_var gv[] = {{"group", group_code}};
    if (rc == 0 || !store_staff_covers(ctx->s, ctx->actor, g.id)) {
        domain_refuse(ctx, "group_not_found", gv, 1);
        return 0;
    }
    struct broadcast b = {ctx, body, g.code, 0, 0};
    if (store_each_reachable_member(ctx->s, g.id, broadcast_one, &b) < 0 || b.failed)
        return -1;
    char count[16];
    snprintf(count, sizeof count, "%d", b.queued);
    struct template_var v[] = {{"count", count}, {"group", g.code}};
    domain_reply(ctx, "broadcast_ok", v, 2);
    return 0;
}

/* The member's own sale, expense, saving or repayment that looks like a slip is not recorded
 * but asked about (product.md s. 2): the same entry again within 10 minutes in a new message,
 * or a sale, expense or saving below Rp500 written as a bare number ("jual 50 abon", not
 * "jual Rp50 abon"). YA records it (do_yes). Returns 1 when asked, 0
 * when the command goes ahead, -1 on a database error. */
static int ask_first(struct domain_ctx *ctx, const struct parse_command *c, const char *kind)
{
    if (ctx->asked || (c->ref[0] && domain_can_confirm(ctx->actor)))
        return 0; /* answered YA already, or staff writing for a member */
    char earlier[8] = "";
    int dup = store_entry_recent_same(ctx->s, ctx->actor->id, kind, c->amount, c->item,
                                      ctx->now - DUPLICATE_WINDOW, ctx->message_id, earlier);
    if (dup < 0)
        return -1;
    bool small =
        c->amount < SMALL_AMOUNT && c->amount_bare &&
        (strcmp(kind, "sale") == 0 || strcmp(kind, "expense") == 0 || strcmp(kind, "savings") == 0);
    if (!dup && !small)
        return 0;
    struct store_pending q = {
        .person_id = ctx->actor->id, .amount = c->amount, .qty = c->qty, .asked_at = ctx->now};
    snprintf(q.kind, sizeof q.kind, "%s", kind);
    snprintf(q.unit, sizeof q.unit, "%s", c->unit);
    snprintf(q.item, sizeof q.item, "%s", c->item);
    snprintf(q.ref, sizeof q.ref, "%s", c->ref);
    if (store_pending_set(ctx->s, &q) != 0)
        return -1;
    char kw_key[32], amount[32], meant[32], item[160];
    snprintf(kw_key, sizeof kw_key, "kw_%s", kind);
    const char *kw = templates_get(ctx->d->tpl, ctx->lang, kw_key);
    struct template_var v[] = {
        {"cmd", domain_cmd_word(ctx, kind)},
        {"amount", format_rupiah(c->amount, amount, sizeof amount)},
        {"meant", format_rupiah(c->amount * 1000, meant, sizeof meant)},
        {"kw", kw ? kw : kind},
        {"bare", amount + (strncmp(amount, "Rp", 2) == 0 ? 2 : 0)},
        {"item", item_words(c->item, c->qty, c->unit, item, sizeof item)},
        {"earlier", earlier},
    };
    domain_reply(ctx, dup ? "ask_duplicate" : "ask_small_amount", v, sizeof v / sizeof v[0]);
    return 1;
}

/* YA: records the entry catat asked about, when asked within the last 30 minutes. */
static int do_yes(struct domain_ctx *ctx)
{
    struct store_pending q;
    int rc = store_pending_take(ctx->s, ctx->actor->id, ctx->now - YES_WINDOW, &q);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        domain_refuse(ctx, "yes_nothing", NULL, 0);
        return 0;
    }
    struct parse_command c = {.amount = q.amount, .qty = q.qty};
    snprintf(c.unit, sizeof c.unit, "%s", q.unit);
    snprintf(c.item, sizeof c.item, "%s", q.item);
    snprintf(c.ref, sizeof c.ref, "%s", q.ref);
    bool asked = ctx->asked;
    ctx->asked = true;
    if (strcmp(q.kind, "sale") == 0 || strcmp(q.kind, "expense") == 0)
        rc = do_book(ctx, &c, strcmp(q.kind, "sale") == 0 ? "sale" : "expense");
    else
        rc = do_money(ctx, &c,
                      strcmp(q.kind, "savings") == 0      ? "savings"
                      : strcmp(q.kind, "withdrawal") == 0 ? "withdrawal"
                                                          : "repayment");
    ctx->asked = asked;
    return rc;
}

/* A bookkeeping command, asked about first when it looks like a slip. */
static int do_entry(struct domain_ctx *ctx, const struct parse_command *c, const char *kind)
{
    int asked = ask_first(ctx, c, kind);
    if (asked != 0)
        return asked < 0 ? -1 : 0;
    if (strcmp(kind, "sale") == 0 || strcmp(kind, "expense") == 0)
        return do_book(ctx, c, kind);
    return do_money(ctx, c, kind);
}

int ledger_apply(struct domain_ctx *ctx, const struct parse_command *c)
{
    struct store_person *who = ctx->actor;
    switch (c->cmd) {
    case PARSE_CMD_HELP:
        domain_reply(ctx, who->role[0] ? "help" : "help_unregistered", NULL, 0);
        return 0;
    case PARSE_CMD_STOP:
        domain_reply(ctx, "stop_ok", NULL, 0);
        return store_person_set_opted_out(ctx->s, who->id, true);
    case PARSE_CMD_START:
        domain_reply(ctx, "start_ok", NULL, 0);
        return store_person_set_opted_out(ctx->s, who->id, false);
    case PARSE_CMD_REGISTER:
        return do_register(ctx, c);
    default:
        break;
    }
    if (!who->role[0]) { /* unregistered: the message is kept for staff */
        domain_refuse(ctx, "not_registered", NULL, 0);
        return 0;
    }
    switch (c->cmd) {
    case PARSE_CMD_SALE:
        return do_entry(ctx, c, "sale");
    case PARSE_CMD_EXPENSE:
        return do_entry(ctx, c, "expense");
    case PARSE_CMD_SAVINGS:
        return do_entry(ctx, c, "savings");
    case PARSE_CMD_REPAYMENT:
        return do_entry(ctx, c, "repayment");
    case PARSE_CMD_WITHDRAWAL:
        return do_entry(ctx, c, "withdrawal");
    case PARSE_CMD_ARREARS:
        return do_arrears(ctx, c);
    case PARSE_CMD_YES:
        return do_yes(ctx);
    case PARSE_CMD_CONFIRM:
        return domain_confirm(ctx, c->ref);
    case PARSE_CMD_CANCEL:
        return domain_cancel(ctx, c->ref);
    case PARSE_CMD_BALANCE:
        return do_balance(ctx);
    case PARSE_CMD_LANGUAGE:
        if (store_person_set_language(ctx->s, who->id, c->lang) != 0)
            return -1;
        snprintf(who->language, sizeof who->language, "%s", c->lang);
        ctx->lang = domain_language(ctx->d, who);
        domain_reply(ctx, "language_ok", NULL, 0);
        return 0;
    case PARSE_CMD_REPORT:
        return do_report(ctx, c);
    case PARSE_CMD_BROADCAST:
        return domain_broadcast(ctx, c->target, c->body);
    default:
        domain_refuse(ctx, "error_unknown_command", NULL, 0);
        return 0;
    }
}
