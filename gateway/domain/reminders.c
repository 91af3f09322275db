/* reminders.c - loan instalment and training session reminders, due by the group's local clock. */
#include "reminders.h"

#include "config.h"
#include "format.h"
#include "log.h"
#include "domain.h"
#include "reach.h"
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

static int loan_reminders(struct run *r)
{
    const struct config *cfg = r->d->cfg;
    long hour = config_get_long(cfg, "reminders", "hour");
    long every = config_get_long(cfg, "reminders", "overdue_every_days");
    long max = config_get_long(cfg, "reminders", "overdue_max");
    /* Wide enough for every time zone: local dates differ from UTC by at most one day. */
    char from[16], to[16];
    format_date(r->now - (every * max + 2) * DAY, 0, from, sizeof from);
    format_date(r->now + 2 * DAY, 0, to, sizeof to);
    struct store_due_instalment *rows = NULL;
    int n = store_unpaid_instalments(r->s, from, to, &rows);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const struct store_due_instalment *in = &rows[i];
        int tz = domain_tz(r->d, in->timezone), sod;
        int64_t today = local_day(r->now, tz, &sod), due = date_day(in->due_date);
        if (due < 0 || sod < hour * 3600)
            continue;
        int64_t late = today - due;
        const char *kind;
        if (late == -1 || late == 0)
            kind = "loan_due";
        else if (late > 0 && every > 0 && late % every == 0 && late / every <= max)
            kind = "loan_overdue";
        else
            continue;
        struct store_person who;
        int found = store_person_by_id(r->s, in->person_id, &who);
        if (found < 0) {
            rc = -1;
            break;
        }
        if (!found || who.opted_out)
            continue;
        char key[96], date[16], amount[32], days[24];
        format_date(r->now, tz, date, sizeof date);
        snprintf(key, sizeof key, "%s:%lld:%s", kind, (long long)in->instalment_id, date);
        snprintf(days, sizeof days, "%lld", (long long)late);
        struct template_var v[] = {
            {"amount", format_rupiah(in->amount_left, amount, sizeof amount)},
            {"loan", in->loan_code},
            {"due", in->due_date},
            {"days", days},
        };
        char text[480];
        templates_render(r->d->tpl, domain_language(r->d, &who),
                         late > 0 ? "remind_loan_overdue" : "remind_loan_due", v, 4, text,
                         sizeof text);
        int64_t send_at = reminders_after_quiet(r->now, tz, r->quiet_start, r->quiet_end);
        rc = emit(r, &who, kind, key, send_at, tz, text, in->instalment_id, 0);
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
    if (loan_reminders(&r) != 0 || session_reminders(&r) != 0)
        return -1;
    if (r.queued && !dry_run)
        log_event(LOG_INFO, "reminders queued", "count=%d", r.queued);
    return r.queued;
}
