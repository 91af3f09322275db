/* reminders.c - loan instalment and training session reminders, due by the group's local clock. */
#include "reminders.h"

#include "config.h"
#include "format.h"
#include "log.h"
#include "domain.h"
#include "reach.h"
#include "sms.h"
#include "store.h"
#include "store_training.h"
#include "templates.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

/* "HH:MM" as seconds after midnight, or -1. */
static int parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 3600 + m * 60 : -1;
}

/* Local day number (days since 1970-01-01 in the offset) and seconds into that day. */
static int64_t local_day(int64_t t, int tz, int *sod)
{
    int64_t local = t + tz;
    int64_t day = local >= 0 ? local / DAY : (local - (DAY - 1)) / DAY;
    if (sod)
        *sod = (int)(local - day * DAY);
    return day;
}

int64_t reminders_after_quiet(int64_t t, int tz, const char *quiet_start, const char *quiet_end)
{
    int start = parse_hhmm(quiet_start), end = parse_hhmm(quiet_end), sod;
    if (start < 0 || end < 0 || start == end)
        return t;
    int64_t day = local_day(t, tz, &sod);
    int64_t midnight = day * DAY - tz;
    if (start < end) /* quiet inside one day: 13:00-15:00 */
        return sod >= start && sod < end ? midnight + end : t;
    if (sod >= start) /* evening: quiet until tomorrow's end */
        return midnight + DAY + end;
    if (sod < end) /* early morning */
        return midnight + end;
    return t;
}

struct run {
    const struct domain *d;
    const struct reach *reach;
    struct store *s;
    int64_t now;
    FILE *dry_run;
    const char *quiet_start, *quiet_end;
    int queued;
    int failed;
};

/* Queues one reminder (or prints it): dedupe_key makes a second run a no-op. */
static int emit(struct run *r, const struct store_person *to, const char *kind,
                const char *dedupe_key, int64_t send_at, int tz, const char *text,
                int64_t instalment_id, int64_t session_id)
{
    int seen = store_reminder_exists(r->s, dedupe_key);
    if (seen < 0)
        return -1;
    if (seen)
        return 0;
    if (r->dry_run) {
        char at[40];
        format_iso8601(send_at, tz, at, sizeof at);
        json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "to", to->phone, "kind", kind, "send_at", at,
                              "text", text);
        char *line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(j);
        if (!line)
            return -1;
        fprintf(r->dry_run, "%s\n", line);
        free(line);
        r->queued++;
        return 0;
    }
    int64_t id = reach_queue(r->reach, r->s, to, NULL, text, kind, dedupe_key, 0, r->now, send_at);
    if (id < 0)
        return -1;
    struct store_reminder rem = {
        .dedupe_key = dedupe_key,
        .kind = kind,
        .person_id = to->id,
        .instalment_id = instalment_id,
        .session_id = session_id,
        .outbox_id = id,
    };
    if (store_reminder_record(r->s, &rem, r->now) != 0)
        return -1;
    if (id > 0)
        r->queued++;
    return 0;
}

/* Days since 1970-01-01 of "YYYY-MM-DD", or -1 when it is not a date. */
static int64_t date_day(const char *date)
{
    int64_t t;
    if (format_parse_time(date, &t) != 0)
        return -1;
    return t / DAY;
}

/* Whether instalment due on day `due` is reminded on local day `today`: the day before, the
 * day itself, then every `every` days late up to `max` times. */
static bool reminded_on(int64_t today, int64_t due, long every, long max)
{
    int64_t late = today - due;
    if (late == -1 || late == 0)
        return true;
    return late > 0 && every > 0 && late % every == 0 && late / every <= max;
}

/* Orders a borrower's unpaid instalments together, oldest first. */
static int by_person_then_due(const void *a, const void *b)
{
    const struct store_due_instalment *x = a, *y = b;
    if (x->person_id != y->person_id)
        return x->person_id < y->person_id ? -1 : 1;
    int c = strcmp(x->due_date, y->due_date);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* One borrower's reminder of the day, for her unpaid instalments rows[0 .. n) (oldest first):
 * sent when one of them is due a reminder today; it sums every instalment late on the day it
 * is sent (after quiet hours, maybe the next morning) with their count and the oldest one's
 * days, else names the one falling due. */
static int remind_borrower(struct run *r, const struct store_due_instalment *rows, int n, long hour,
                           long every, long max)
{
    int tz = domain_tz(r->d, rows[0].timezone), sod;
    int64_t today = local_day(r->now, tz, &sod);
    if (sod < hour * 3600)
        return 0;
    bool due_today = false;
    for (int i = 0; i < n && !due_today; i++) {
        int64_t due = date_day(rows[i].due_date);
        due_today = due >= 0 && reminded_on(today, due, every, max);
    }
    if (!due_today)
        return 0;
    struct store_person who;
    int found = store_person_by_id(r->s, rows[0].person_id, &who);
    if (found <= 0 || who.opted_out)
        return found < 0 ? -1 : 0;
    int64_t send_at = reminders_after_quiet(r->now, tz, r->quiet_start, r->quiet_end);
    int64_t send_day = local_day(send_at, tz, NULL);
    /* Late on the day she reads it: the oldest loan's instalments due before that day. */
    const struct store_due_instalment *oldest = &rows[0], *last = &rows[0];
    int late = 0;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        int64_t due = date_day(rows[i].due_date);
        if (due < 0 || due >= send_day || rows[i].loan_id != oldest->loan_id)
            continue;
        late++;
        total += rows[i].amount_left;
        last = &rows[i];
    }
    const struct store_due_instalment *shown = oldest;
    if (!late) { /* the next one falling due: today's or tomorrow's */
        for (int i = 0; i < n; i++) {
            int64_t due = date_day(rows[i].due_date);
            if (due >= send_day && due <= send_day + 1) {
                shown = last = &rows[i];
                break;
            }
        }
        total = shown->amount_left;
    }
    const char *kind = late ? "loan_overdue" : "loan_due";
    char key[96], date[16], amount[32], days[24], count[16];
    format_date(r->now, tz, date, sizeof date);
    snprintf(key, sizeof key, "loan:%lld:%s", (long long)who.id, date);
    snprintf(days, sizeof days, "%lld", (long long)(send_day - date_day(oldest->due_date)));
    snprintf(count, sizeof count, "%d", late);
    struct template_var v[] = {
        {"amount", format_rupiah(total, amount, sizeof amount)},
        {"loan", shown->loan_code},
        {"due", shown->due_date},
        {"days", days},
        {"late_count", count},
    };
    const char *tkey = late > 1 ? "remind_loan_overdue_many"
                       : late   ? "remind_loan_overdue"
                                : "remind_loan_due";
    char text[480];
    domain_render(r->d->tpl, domain_language(r->d, &who), tkey, v, 5, text, sizeof text);
    /* Recorded against the newest instalment it names: paying that one (repayments pay the
     * oldest first) pays them all, and only then is the queued reminder dropped. */
    return emit(r, &who, kind, key, send_at, tz, text, last->instalment_id, 0);
}

static int loan_reminders(struct run *r)
{
    const struct config *cfg = r->d->cfg;
    long hour = config_get_long(cfg, "reminders", "hour");
    long every = config_get_long(cfg, "reminders", "overdue_every_days");
    long max = config_get_long(cfg, "reminders", "overdue_max");
    /* Every unpaid instalment up to the day after tomorrow (local dates differ from UTC by at
     * most one day): a reminder sums all that are late. */
    char to[16];
    format_date(r->now + 2 * DAY, 0, to, sizeof to);
    struct store_due_instalment *rows = NULL;
    int n = store_unpaid_instalments(r->s, "0000-01-01", to, &rows);
    if (n < 0)
        return -1;
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, by_person_then_due);
    int rc = 0;
    for (int i = 0; i < n && rc == 0;) {
        int j = i + 1;
        while (j < n && rows[j].person_id == rows[i].person_id)
            j++;
        rc = remind_borrower(r, rows + i, j - i, hour, every, max);
        i = j;
    }
    free(rows);
    return rc;
}

struct session_run {
    struct run *r;
    const struct store_session *se;
};

static void session_one(const struct store_person *to, void *arg)
{
    struct session_run *sr = arg;
    struct run *r = sr->r;
    if (r->failed)
        return;
    int tz = domain_tz(r->d, to->group_tz);
    int64_t send_at = reminders_after_quiet(r->now, tz, r->quiet_start, r->quiet_end);
    if (send_at >= sr->se->starts_at)
        return; /* quiet hours last past the start: a reminder then would come too late */
    char key[96], n[16], when[40], time_s[24];
    snprintf(key, sizeof key, "session:%lld:%lld", (long long)sr->se->id, (long long)to->id);
    snprintf(n, sizeof n, "%d", sr->se->n);
    format_iso8601(sr->se->starts_at, tz, when, sizeof when);
    /* "2026-11-30 19:00" of "2026-11-30T19:00:00+07:00" */
    snprintf(time_s, sizeof time_s, "%.10s %.5s", when, when + 11);
    struct template_var v[] = {
        {"session", n},
        {"batch", sr->se->batch_code},
        {"title", sr->se->title},
        {"time", time_s},
    };
    char text[480];
    templates_render(r->d->tpl, domain_language(r->d, to), "remind_session", v, 4, text,
                     sizeof text);
    if (emit(r, to, "session", key, send_at, tz, text, 0, sr->se->id) != 0)
        r->failed = 1;
}

static int session_reminders(struct run *r)
{
    long before = config_get_long(r->d->cfg, "reminders", "session_before_minutes");
    struct store_session *rows = NULL;
    int n = store_sessions_starting(r->s, r->now, r->now + before * 60, &rows);
    if (n < 0)
        return -1;
    for (int i = 0; i < n && !r->failed; i++) {
        if (rows[i].opened_at)
            continue; /* already under way: participants have the material */
        struct session_run sr = {r, &rows[i]};
        if (store_each_participant(r->s, rows[i].batch_id, session_one, &sr) < 0)
            r->failed = 1;
    }
    free(rows);
    return r->failed ? -1 : 0;
}

#define WAITING_EVERY 3600 /* a treasurer hears of waiting reports at most once an hour */

struct treasurers {
    struct store_person *list;
    int n;
};

static void add_treasurer(const struct store_person *p, void *arg)
{
    struct treasurers *t = arg;
    struct store_person *grown = realloc(t->list, (size_t)(t->n + 1) * sizeof *grown);
    if (!grown)
        return;
    t->list = grown;
    t->list[t->n++] = *p;
}

/* "K7QX Siti Rp150.000, M4TP Ani Rp10.000" and "K7QX M4TP": as many of the reports as fit one
 * SMS with the template around them; returns how many were taken. */
static int waiting_text(const struct domain *d, const char *lang, const struct store_waiting *w,
                        int n, char *text, size_t textsz)
{
    char list[1024] = "", refs[512] = "", count[16], more[16];
    int taken = 0;
    for (int i = 0; i < n; i++) {
        char amount[32], item[128], try_list[1024], try_refs[512];
        int first_len = (int)strcspn(w[i].name, " "); /* her first name */
        if (first_len > 20)
            first_len = 20;
        int li = snprintf(item, sizeof item, "%s %.*s %s", w[i].ref, first_len, w[i].name,
                          format_rupiah(w[i].amount, amount, sizeof amount));
        int ll = snprintf(try_list, sizeof try_list, "%s%s%s", list, i ? ", " : "", item);
        int lr = snprintf(try_refs, sizeof try_refs, "%s%s%s", refs, i ? " " : "", w[i].ref);
        if (li >= (int)sizeof item || ll >= (int)sizeof try_list || lr >= (int)sizeof try_refs)
            break;
        snprintf(count, sizeof count, "%d", n);
        snprintf(more, sizeof more, "%d", n - i - 1);
        struct template_var v[] = {
            {"count", count}, {"list", try_list}, {"refs", try_refs}, {"more", more}};
        char out[480];
        int len = domain_render(d->tpl, lang, i + 1 < n ? "waiting_notice_more" : "waiting_notice",
                                v, 4, out, sizeof out);
        if (len < 0 || (taken > 0 && sms_segments(out, (size_t)len, NULL) > 1))
            break;
        memcpy(list, try_list, (size_t)ll + 1);
        memcpy(refs, try_refs, (size_t)lr + 1);
        if (snprintf(text, textsz, "%s", out) >= (int)textsz)
            break;
        taken = i + 1;
    }
    return taken;
}

/* Treasurers hear of members' reports waiting for their confirmation: one SMS with refs, names
 * and amounts and the KONFIRM to send, at most once an hour, never in their quiet hours (the
 * reports wait for the next pass instead, so that no two notices meet at the morning). */
static int waiting_notices(struct run *r)
{
    int64_t *groups = NULL;
    int ng = store_waiting_groups(r->s, &groups);
    if (ng < 0)
        return -1;
    int rc = 0;
    for (int g = 0; g < ng && rc == 0; g++) {
        struct treasurers t = {0};
        if (store_each_treasurer(r->s, groups[g], add_treasurer, &t) < 0) {
            rc = -1;
            break;
        }
        bool ready = t.n > 0;
        for (int i = 0; i < t.n && ready; i++) {
            int tz = domain_tz(r->d, t.list[i].group_tz);
            int64_t last = store_last_reminder_at(r->s, t.list[i].id, "waiting");
            if (last < 0) {
                rc = -1;
                ready = false;
            }
            ready = ready && (!last || r->now - last >= WAITING_EVERY) &&
                    reminders_after_quiet(r->now, tz, r->quiet_start, r->quiet_end) == r->now;
        }
        struct store_waiting *w = NULL;
        int nw = ready ? store_waiting_list(r->s, groups[g], 0, true, &w) : 0;
        if (nw < 0)
            rc = -1;
        int told = 0;
        for (int i = 0; i < t.n && nw > 0 && rc == 0; i++) {
            int tz = domain_tz(r->d, t.list[i].group_tz);
            char text[480], key[64];
            int taken =
                waiting_text(r->d, domain_language(r->d, &t.list[i]), w, nw, text, sizeof text);
            snprintf(key, sizeof key, "waiting:%lld:%lld", (long long)t.list[i].id,
                     (long long)r->now);
            if (taken > 0 &&
                (rc = emit(r, &t.list[i], "waiting", key, r->now, tz, text, 0, 0)) == 0)
                told = taken > told ? taken : told;
        }
        for (int i = 0; i < told && rc == 0 && !r->dry_run; i++)
            rc = store_entry_set_told(r->s, w[i].entry_id, r->now);
        free(w);
        free(t.list);
    }
    free(groups);
    return rc;
}

int reminders_run(const struct domain *d, const struct reach *reach, struct store *s, int64_t now,
                  FILE *dry_run)
{
    struct run r = {
        .d = d,
        .reach = reach,
        .s = s,
        .now = now,
        .dry_run = dry_run,
        .quiet_start = config_get(d->cfg, "reminders", "quiet_start"),
        .quiet_end = config_get(d->cfg, "reminders", "quiet_end"),
    };
    if (loan_reminders(&r) != 0 || session_reminders(&r) != 0 || waiting_notices(&r) != 0)
        return -1;
    if (r.queued && !dry_run)
        log_event(LOG_INFO, "reminders queued", "count=%d", r.queued);
    return r.queued;
}
