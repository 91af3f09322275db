/* digest.c - the daily digest: a day's registrations, reports, money, arrears, attendance and
 * problems, for the staff of each group, network and training batch. */
#include "digest.h"

#include "config.h"
#include "format.h"
#include "log.h"
#include "domain.h"
#include "reach.h"
#include "sms.h"
#include "store.h"
#include "store_training.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define DIGEST_MAX 4096
#define SMS_MAX_SEGMENTS 3

struct text {
    char buf[DIGEST_MAX];
    size_t used;
};

/* Appends a rendered template as a new line. */
static void line(struct text *t, const struct domain *d, const char *lang, const char *key,
                 const struct template_var *v, size_t n)
{
    if (t->used + 2 >= sizeof t->buf)
        return;
    if (t->used)
        t->buf[t->used++] = '\n';
    int len = domain_render(d->tpl, lang, key, v, n, t->buf + t->used, sizeof t->buf - t->used);
    if (len < 0) {
        log_event(LOG_ERROR, "digest template missing", "key=%s lang=%s", key, lang);
        t->buf[t->used] = '\0';
    }
    t->used += strlen(t->buf + t->used);
}

/* Cuts text to at most SMS_MAX_SEGMENTS segments, at a line end where possible, marking the
 * cut with "...". */
static void cut_for_sms(char *text)
{
    size_t len = strlen(text);
    if (sms_segments(text, len, NULL) <= SMS_MAX_SEGMENTS)
        return;
    while (len > 0) {
        char *nl = NULL;
        for (size_t i = len; i > 0; i--)
            if (text[i - 1] == '\n') {
                nl = &text[i - 1];
                break;
            }
        if (nl && nl != text) {
            len = (size_t)(nl - text);
        } else {
            len--; /* one long line: shorten it, never splitting a UTF-8 character */
            while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
                len--;
        }
        text[len] = '\0';
        char with[DIGEST_MAX + 8];
        snprintf(with, sizeof with, "%s\n...", text);
        size_t wl = strlen(with);
        if (sms_segments(with, wl, NULL) <= SMS_MAX_SEGMENTS) {
            if (wl >= DIGEST_MAX)
                wl = DIGEST_MAX - 1;
            memcpy(text, with, wl);
            text[wl] = '\0';
            return;
        }
    }
}

struct arrears_ctx {
    struct text *t;
    const struct domain *d;
    const char *lang;
    int64_t today;
    int64_t total;
};

static void arrears_line(const char *name, const char *code, int64_t amount, const char *oldest_due,
                         void *arg)
{
    struct arrears_ctx *a = arg;
    int64_t due;
    a->total += amount;
    char amount_s[32], days[24];
    if (format_parse_time(oldest_due, &due) != 0)
        due = a->today * DAY;
    snprintf(days, sizeof days, "%lld", (long long)(a->today - due / DAY));
    struct template_var v[] = {{"name", name},
                               {"code", code},
                               {"amount", format_rupiah(amount, amount_s, sizeof amount_s)},
                               {"days", days}};
    line(a->t, a->d, a->lang, "digest_arrears_line", v, 4);
}

static int64_t local_day(int64_t t, int tz)
{
    int64_t local = t + tz;
    return local >= 0 ? local / DAY : (local - (DAY - 1)) / DAY;
}

/* A group's (group_id) or a network's (group_id 0) digest in lang. Returns 0 or -1. */
static int scope_text(const struct domain *dom, struct store *s, const char *lang, int64_t group_id,
                      int64_t network_id, const char *code, int tz, int64_t now, struct text *t)
{
    struct store_digest d;
    if (store_digest_figures(s, group_id, network_id, now - DAY, now, &d) != 0)
        return -1;
    char date[16], n1[24], n2[24], m1[32], m2[32];
    format_date(now, tz, date, sizeof date);
    t->used = 0;
    t->buf[0] = '\0';
    struct template_var head[] = {{"group", code}, {"date", date}};
    line(t, dom, lang, group_id ? "digest_group" : "digest_network", head, 2);
    snprintf(n1, sizeof n1, "%d", d.registrations);
    snprintf(n2, sizeof n2, "%d", d.reports);
    struct template_var members[] = {{"count", n1}, {"reports", n2}};
    line(t, dom, lang, "digest_members", members, 2);
    struct template_var money[] = {{"sales", format_rupiah(d.sales, m1, sizeof m1)},
                                   {"expenses", format_rupiah(d.expenses, m2, sizeof m2)}};
    line(t, dom, lang, "digest_money", money, 2);
    snprintf(n1, sizeof n1, "%d", d.repayments_confirmed_n);
    snprintf(n2, sizeof n2, "%d", d.repayments_waiting_n);
    struct template_var repaid[] = {{"repaid", format_rupiah(d.repaid_confirmed, m1, sizeof m1)},
                                    {"count", n1},
                                    {"waiting", format_rupiah(d.repaid_waiting, m2, sizeof m2)},
                                    {"waiting_n", n2}};
    line(t, dom, lang, "digest_repaid", repaid, 4);
    /* What waits for a treasurer: each report with its ref, who and how much. */
    struct store_waiting *w = NULL;
    int nw = store_waiting_list(s, group_id, network_id, false, &w);
    if (nw < 0)
        return -1;
    int64_t waiting_total = 0;
    for (int i = 0; i < nw; i++)
        waiting_total += w[i].amount;
    if (nw > 0) {
        snprintf(n1, sizeof n1, "%d", nw);
        struct template_var wv[] = {{"count", n1},
                                    {"amount", format_rupiah(waiting_total, m1, sizeof m1)}};
        line(t, dom, lang, "digest_waiting", wv, 2);
    }
    for (int i = 0; i < nw; i++) {
        char key[32];
        snprintf(key, sizeof key, "cmd_%s", w[i].kind);
        const char *cmd = templates_get(dom->tpl, lang, key);
        struct template_var lv[] = {{"ref", w[i].ref},
                                    {"name", w[i].name},
                                    {"cmd", cmd ? cmd : w[i].kind},
                                    {"amount", format_rupiah(w[i].amount, m1, sizeof m1)}};
        line(t, dom, lang, "digest_waiting_line", lv, 4);
    }
    free(w);
    /* Arrears: count and total first, then one line per member (the first cut on SMS). */
    struct text *lines = malloc(sizeof *lines);
    if (!lines)
        return -1;
    lines->used = 0;
    lines->buf[0] = '\0';
    char today_s[16];
    format_date(now, tz, today_s, sizeof today_s);
    struct arrears_ctx a = {lines, dom, lang, local_day(now, tz), 0};
    int n = store_each_arrears(s, group_id, network_id, today_s, arrears_line, &a);
    if (n < 0) {
        free(lines);
        return -1;
    }
    if (n > 0) {
        snprintf(n1, sizeof n1, "%d", n);
        struct template_var ar[] = {{"count", n1},
                                    {"arrears", format_rupiah(a.total, m1, sizeof m1)}};
        line(t, dom, lang, "digest_arrears", ar, 2);
        if (t->used + 1 + lines->used < sizeof t->buf) {
            t->buf[t->used++] = '\n';
            memcpy(t->buf + t->used, lines->buf, lines->used + 1);
            t->used += lines->used;
        }
    }
    free(lines);
    snprintf(n1, sizeof n1, "%d", d.attendance);
    struct template_var att[] = {{"count", n1}};
    line(t, dom, lang, "digest_attendance", att, 1);
    snprintf(n1, sizeof n1, "%d", d.not_understood);
    snprintf(n2, sizeof n2, "%d", d.failed);
    struct template_var prob[] = {{"count", n1}, {"failed", n2}};
    line(t, dom, lang, "digest_problems", prob, 2);
    return 0;
}

struct batch_text {
    const struct domain *d;
    const char *lang;
    struct text *t;
    int64_t participants, completed;
};

static void batch_total(const char *key, const char *sub, int64_t n, void *arg)
{
    struct batch_text *b = arg;
    (void)sub;
    if (strcmp(key, "participants") == 0)
        b->participants = n;
    else if (strcmp(key, "completed_all") == 0)
        b->completed = n;
}

static void batch_session(const char *key, const char *sub, int64_t n, void *arg)
{
    struct batch_text *b = arg;
    char present[24];
    (void)sub;
    snprintf(present, sizeof present, "%lld", (long long)n);
    struct template_var v[] = {{"session", key}, {"present", present}};
    line(b->t, b->d, b->lang, "digest_batch_session", v, 2);
}

/* Appends a batch's training figures. Returns 0 or -1. */
static int batch_text(const struct domain *d, struct store *s, const char *lang,
                      const struct store_batch *batch, const char *date, struct text *t)
{
    struct batch_text b = {d, lang, t, 0, 0};
    if (store_training_tally(s, batch->id, STORE_TALLY_TOTALS, batch_total, &b) != 0)
        return -1;
    char count[24], done[24];
    snprintf(count, sizeof count, "%lld", (long long)b.participants);
    snprintf(done, sizeof done, "%lld", (long long)b.completed);
    struct template_var v[] = {
        {"batch", batch->code}, {"date", date}, {"count", count}, {"present", done}};
    line(t, d, lang, "digest_batch", v, 4);
    return store_training_tally(s, batch->id, STORE_TALLY_SESSION, batch_session, &b);
}

struct run {
    const struct domain *d;
    const struct reach *reach;
    struct store *s;
    const struct digest_opts *o;
    int hour;
    int done;
    int failed;
    /* the scope being sent */
    int64_t group_id, network_id;
    const char *code;
    int tz;
    char scope[8];
};

/* Queues the scope's digest to one staff member, in her language, once per local day. */
static void send_to(const struct store_person *to, void *arg)
{
    struct run *r = arg;
    if (r->failed)
        return;
    struct text *t = malloc(sizeof *t);
    if (!t) {
        r->failed = 1;
        return;
    }
    const char *lang = domain_language(r->d, to);
    if (scope_text(r->d, r->s, lang, r->group_id, r->network_id, r->code, r->tz, r->o->now, t) !=
        0) {
        free(t);
        r->failed = 1;
        return;
    }
    if (reach_sms_sized(reach_channel(r->reach, to)))
        cut_for_sms(t->buf);
    char key[96], date[16];
    format_date(r->o->now, r->tz, date, sizeof date);
    snprintf(key, sizeof key, "digest:%s%lld:%lld:%s", r->scope,
             (long long)(r->group_id ? r->group_id : r->network_id), (long long)to->id, date);
    int64_t id = reach_queue(r->reach, r->s, to, NULL, t->buf, "digest", key, 0, r->o->now, 0);
    free(t);
    if (id < 0)
        r->failed = 1;
    else if (id > 0)
        r->done++;
}

static bool due(const struct run *r, int tz)
{
    if (!r->o->only_due)
        return true;
    int64_t local = r->o->now + tz;
    int64_t sod = local - local_day(r->o->now, tz) * DAY;
    return sod >= (int64_t)r->hour * 3600;
}

/* Prints the scope's digest once, in the default language. */
static void print_scope(struct run *r)
{
    struct text *t = malloc(sizeof *t);
    if (!t || scope_text(r->d, r->s, r->d->default_lang, r->group_id, r->network_id, r->code, r->tz,
                         r->o->now, t) != 0) {
        free(t);
        r->failed = 1;
        return;
    }
    fprintf(r->o->print, "%s\n\n", t->buf);
    free(t);
    r->done++;
}

static void on_group(const struct store_group *g, void *arg)
{
    struct run *r = arg;
    if (r->failed || (r->o->group && strcmp(r->o->group, g->code) != 0))
        return;
    r->group_id = g->id;
    r->network_id = 0;
    r->code = g->code;
    r->tz = domain_tz(r->d, g->timezone);
    snprintf(r->scope, sizeof r->scope, "g");
    if (!due(r, r->tz))
        return;
    if (r->o->print)
        print_scope(r);
    if (r->o->send &&
        store_each_staff(r->s, g->id, 0, "treasurer,facilitator,admin", send_to, r) < 0)
        r->failed = 1;
}

static void on_network(int64_t id, const char *code, void *arg)
{
    struct run *r = arg;
    if (r->failed)
        return;
    r->group_id = 0;
    r->network_id = id;
    r->code = code;
    r->tz = r->d->default_tz;
    snprintf(r->scope, sizeof r->scope, "n");
    if (!due(r, r->tz))
        return;
    if (r->o->print)
        print_scope(r);
    if (r->o->send && store_each_staff(r->s, 0, id, "facilitator,admin", send_to, r) < 0)
        r->failed = 1;
}

struct trainer_run {
    struct run *r;
    const char *lang;
    struct text *t;
    char date[16];
};

static void trainer_batch(const struct store_batch *b, void *arg)
{
    struct trainer_run *tr = arg;
    if (batch_text(tr->r->d, tr->r->s, tr->lang, b, tr->date, tr->t) != 0)
        tr->r->failed = 1;
}

static void on_trainer(const struct store_person *to, void *arg)
{
    struct run *r = arg;
    if (r->failed)
        return;
    struct trainer_run tr = {r, domain_language(r->d, to), malloc(sizeof(struct text)), ""};
    if (!tr.t) {
        r->failed = 1;
        return;
    }
    tr.t->used = 0;
    tr.t->buf[0] = '\0';
    format_date(r->o->now, r->d->default_tz, tr.date, sizeof tr.date);
    if (store_each_batch_of_trainer(r->s, to->id, trainer_batch, &tr) < 0)
        r->failed = 1;
    if (!r->failed && tr.t->used) {
        if (reach_sms_sized(reach_channel(r->reach, to)))
            cut_for_sms(tr.t->buf);
        char key[96];
        snprintf(key, sizeof key, "digest:t:%lld:%s", (long long)to->id, tr.date);
        int64_t id =
            reach_queue(r->reach, r->s, to, NULL, tr.t->buf, "digest", key, 0, r->o->now, 0);
        if (id < 0)
            r->failed = 1;
        else if (id > 0)
            r->done++;
    }
    free(tr.t);
}

static void print_batch(const struct store_batch *b, void *arg)
{
    struct run *r = arg;
    struct text *t = malloc(sizeof *t);
    char date[16];
    format_date(r->o->now, r->d->default_tz, date, sizeof date);
    if (!t) {
        r->failed = 1;
        return;
    }
    t->used = 0;
    t->buf[0] = '\0';
    if (batch_text(r->d, r->s, r->d->default_lang, b, date, t) != 0)
        r->failed = 1;
    else {
        fprintf(r->o->print, "%s\n\n", t->buf);
        r->done++;
    }
    free(t);
}

int digest_run(const struct domain *d, const struct reach *reach, struct store *s,
               const struct digest_opts *o)
{
    struct run r = {.d = d,
                    .reach = reach,
                    .s = s,
                    .o = o,
                    .hour = (int)config_get_long(d->cfg, "digest", "hour")};
    if (store_each_group(s, 0, on_group, &r) < 0)
        return -1;
    if (!o->group && !r.failed) {
        if (store_each_network(s, on_network, &r) < 0)
            return -1;
        if (o->print && store_each_batch(s, NULL, print_batch, &r) < 0)
            return -1;
        if (o->send && due(&r, d->default_tz) && store_each_trainer(s, on_trainer, &r) < 0)
            return -1;
    }
    if (r.failed)
        return -1;
    if (o->send && r.done)
        log_event(LOG_INFO, "digests queued", "count=%d", r.done);
    return r.done;
}
