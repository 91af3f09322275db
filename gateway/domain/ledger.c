/* ledger.c - what each command means: registration, sales and expenses, savings, repayments,
 * confirmations, cancellations, balances and the staff's report and broadcast. */
#include "ledger.h"

#include "format.h"
#include "log.h"

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

/* Savings and repayments: a member reports (confirmed later by staff, or at once in a group
 * without a treasurer); staff naming a member code record on her behalf, confirmed at once. */
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
        if (store_loan_reallocate(ctx->s, loan.id) != 0 ||
            store_loan_by_code(ctx->s, loan.code, &loan) != 1)
            return -1;
    }
    int64_t total = strcmp(kind, "savings") == 0 ? store_savings_total(ctx->s, member.id) : 0;
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
    if (store_entry_set_status(ctx->s, e.id, "confirmed", ctx->actor->id, ctx->now) != 0)
        return -1;
    if (e.loan_id && store_loan_reallocate(ctx->s, e.loan_id) != 0)
        return -1;
    struct store_person member;
    char amount[32];
    if (store_person_by_id(ctx->s, e.person_id, &member) != 1)
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
    if (store_entry_set_status(ctx->s, e.id, "cancelled", ctx->actor->id, ctx->now) != 0)
        return -1;
    if (e.loan_id && store_loan_reallocate(ctx->s, e.loan_id) != 0)
        return -1;
    char amount[32];
    struct template_var cv[] = {{"ref", e.ref},
                                {"cmd", domain_cmd_word(ctx, e.kind)},
                                {"amount", format_rupiah(e.amount, amount, sizeof amount)}};
    domain_reply(ctx, "cancel_ok", cv, 3);
    return 0;
}

static int do_balance(struct domain_ctx *ctx)
{
    struct store_person *who = ctx->actor;
    int tz = domain_tz(ctx->d, who->group_tz);
    int64_t from = format_week_start(ctx->now, tz), sales = 0, expenses = 0;
    int64_t savings = store_savings_total(ctx->s, who->id);
    struct store_loan loan;
    int has_loan = store_loan_for_person(ctx->s, who->id, NULL, &loan);
    if (savings < 0 || has_loan < 0 ||
        store_person_week(ctx->s, who->id, from, from + 7 * 86400, &sales, &expenses) != 0)
        return -1;
    char sv[32], out[32], next[32], sa[32], ex[32], net[32], due_day[8] = "";
    /* "30/11": the year is this one or the next, and the short date keeps the reply one SMS. */
    if (has_loan && strlen(loan.next_due) == 10)
        snprintf(due_day, sizeof due_day, "%.2s/%.2s", loan.next_due + 8, loan.next_due + 5);
    struct template_var v[] = {
        {"due_day", due_day},
        {"name", who->name},
        {"savings", format_rupiah(savings, sv, sizeof sv)},
        {"outstanding", format_rupiah(has_loan ? loan.outstanding : 0, out, sizeof out)},
        {"next_amount", format_rupiah(has_loan ? loan.next_due_amount : 0, next, sizeof next)},
        {"next_due", has_loan ? loan.next_due : ""},
        {"loan", has_loan ? loan.code : ""},
        {"sales", format_rupiah(sales, sa, sizeof sa)},
        {"expenses", format_rupiah(expenses, ex, sizeof ex)},
        {"net", format_rupiah(sales - expenses, net, sizeof net)},
    };
    domain_reply(ctx, has_loan ? "balance" : "balance_no_loan", v, sizeof v / sizeof v[0]);
    return 0;
}

static int do_report(struct domain_ctx *ctx, const struct parse_command *c)
{
    if (!domain_is_staff(ctx->actor))
        return refuse(ctx, "report");
    if (!c->group[0] && !ctx->actor->group_id) { /* an admin of no one group must name one */
        domain_refuse(ctx, "report_need_group", NULL, 0);
        return 0;
    }
    struct store_group g;
    int rc = c->group[0] ? store_group_by_code(ctx->s, c->group, &g)
                         : store_group_by_id(ctx->s, ctx->actor->group_id, &g);
    if (rc < 0)
        return -1;
    struct template_var gv[] = {{"group", c->group}};
    if (rc == 0 || !store_staff_covers(ctx->s, ctx->actor, g.id)) {
        domain_refuse(ctx, "group_not_found", gv, 1);
        return 0;
    }
    int tz = domain_tz(ctx->d, g.timezone);
    int64_t from = format_week_start(ctx->now, tz);
    char today[11];
    format_date(ctx->now, tz, today, sizeof today);
    struct store_group_summary sum = {0};
    if (store_group_summary(ctx->s, g.id, from, from + 7 * 86400, today, &sum) != 0)
        return -1;
    char members[16], arrears_n[16], sa[32], ex[32], sv[32], rp[32], wt[32], ar[32];
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
    bool small = c->amount < SMALL_AMOUNT && c->amount_bare && strcmp(kind, "repayment") != 0;
    if (!dup && !small)
        return 0;
    struct store_question q = {
        .person_id = ctx->actor->id, .amount = c->amount, .qty = c->qty, .asked_at = ctx->now};
    snprintf(q.kind, sizeof q.kind, "%s", kind);
    snprintf(q.unit, sizeof q.unit, "%s", c->unit);
    snprintf(q.item, sizeof q.item, "%s", c->item);
    snprintf(q.ref, sizeof q.ref, "%s", c->ref);
    if (store_question_set(ctx->s, &q) != 0)
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
    struct store_question q;
    int rc = store_question_take(ctx->s, ctx->actor->id, ctx->now - YES_WINDOW, &q);
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
        rc = do_money(ctx, &c, strcmp(q.kind, "savings") == 0 ? "savings" : "repayment");
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
