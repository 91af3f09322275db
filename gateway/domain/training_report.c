/* training_report.c - the e-training's figures: read once from the store, counted here.
 *
 * Every figure counts participants. An indicator is the survey question carrying its name in a
 * batch's latest session (after) and, when the batch asked it in an earlier session too, the
 * earliest one (before); a participant counts toward it when her latest answer to that question
 * is Y (yes/no) or one of the question's agree letters (choice). `of` is every participant of
 * the batch or the total, answered or not, as seed 004 writes "1774 dari 2029 (87%)". */
#include "training_report.h"

#include "store_training.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SESSION_LIMIT 100 /* session numbers 1..99 */
#define QUESTION_LIMIT 21 /* question numbers 1..20 */

int64_t training_percent_tenths(int64_t n, int64_t of)
{
    return of > 0 ? (n * 2000 + of) / (2 * of) : 0;
}

int training_programme_year(int year, int month)
{
    return month >= 10 ? year : year - 1;
}

/* One indicator of a batch: its question after the training and, if asked, before. */
struct bind {
    const struct store_question *after, *before;
};

struct rbatch {
    int64_t id;
    char code[24];
    uint64_t sessions[2]; /* bit n: the batch has session n */
    int64_t first, last;  /* its sessions' dates (scheduled, else opened); 0 when none */
    struct bind *inds;
    int n_inds;
    int participants; /* of the programme asked for */
};

struct rpart {
    struct store_report_participant p;
    int b;            /* index of its batch */
    uint64_t att[2];  /* bit n: present at session n */
    uint64_t disc[2]; /* bit n: took part in session n's discussion (a voice note, media) */
    int a0, an;       /* its answers in report.a */
};

struct ranswer {
    int64_t pid;
    int session, q;
    char a;
};

struct report {
    struct rbatch *b;
    int nb;
    struct rpart *p;
    int np, capp;
    struct ranswer *a;
    int na, capa;
    struct store_question *q;
    int nq;
    bool oom;
};

static void bit_set(uint64_t m[2], int n)
{
    m[n / 64] |= (uint64_t)1 << (n % 64);
}

static bool bit_has(const uint64_t m[2], int n)
{
    return (m[n / 64] >> (n % 64)) & 1;
}

static int batch_index(const struct report *r, int64_t id)
{
    for (int i = 0; i < r->nb; i++)
        if (r->b[i].id == id)
            return i;
    return -1;
}

static void on_batch(const struct store_batch *b, void *arg)
{
    struct report *r = arg;
    struct rbatch *grown = realloc(r->b, (size_t)(r->nb + 1) * sizeof *grown);
    if (!grown) {
        r->oom = true;
        return;
    }
    r->b = grown;
    memset(&r->b[r->nb], 0, sizeof r->b[0]);
    r->b[r->nb].id = b->id;
    snprintf(r->b[r->nb].code, sizeof r->b[0].code, "%s", b->code);
    r->nb++;
}

static void on_session(int64_t batch_id, int n, int64_t starts_at, int64_t opened_at, void *arg)
{
    struct report *r = arg;
    int i = batch_index(r, batch_id);
    if (i < 0 || n < 1 || n >= SESSION_LIMIT)
        return;
    struct rbatch *b = &r->b[i];
    bit_set(b->sessions, n);
    int64_t t = starts_at ? starts_at : opened_at;
    if (t && (!b->first || t < b->first))
        b->first = t;
    if (t && t > b->last)
        b->last = t;
}

static void on_participant(const struct store_report_participant *p, void *arg)
{
    struct report *r = arg;
    int b = batch_index(r, p->batch_id);
    if (b < 0)
        return;
    if (r->np == r->capp) {
        int cap = r->capp ? r->capp * 2 : 256;
        struct rpart *grown = realloc(r->p, (size_t)cap * sizeof *grown);
        if (!grown) {
            r->oom = true;
            return;
        }
        r->p = grown;
        r->capp = cap;
    }
    struct rpart *x = &r->p[r->np++];
    memset(x, 0, sizeof *x);
    x->p = *p;
    x->b = b;
    r->b[b].participants++;
}

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const struct rpart *)a)->p.id, y = ((const struct rpart *)b)->p.id;
    return (x > y) - (x < y);
}

static struct rpart *participant(struct report *r, int64_t id)
{
    if (!r->np)
        return NULL;
    struct rpart key;
    key.p.id = id;
    return bsearch(&key, r->p, (size_t)r->np, sizeof *r->p, by_id);
}

static void on_attendance(int64_t pid, int session, void *arg)
{
    struct report *r = arg;
    struct rpart *p = participant(r, pid);
    if (p && session >= 1 && session < SESSION_LIMIT)
        bit_set(p->att, session);
}

static void on_discussion(int64_t pid, int session, void *arg)
{
    struct report *r = arg;
    struct rpart *p = participant(r, pid);
    if (p && session >= 1 && session < SESSION_LIMIT)
        bit_set(p->disc, session);
}

static void on_answer(int64_t pid, int session, int q, char a, void *arg)
{
    struct report *r = arg;
    struct rpart *p = participant(r, pid);
    if (!p || q < 1 || q >= QUESTION_LIMIT)
        return;
    if (r->na == r->capa) {
        int cap = r->capa ? r->capa * 2 : 1024;
        struct ranswer *grown = realloc(r->a, (size_t)cap * sizeof *grown);
        if (!grown) {
            r->oom = true;
            return;
        }
        r->a = grown;
        r->capa = cap;
    }
    if (!p->an)
        p->a0 = r->na; /* the store returns a participant's answers together */
    p->an++;
    r->a[r->na++] = (struct ranswer){pid, session, q, a};
}

/* The participant's answer to question q of session, 0 when none. */
static char answer_of(const struct report *r, const struct rpart *p, int session, int q)
{
    for (int i = p->a0; i < p->a0 + p->an; i++)
        if (r->a[i].session == session && r->a[i].q == q)
            return r->a[i].a;
    return 0;
}

static bool agrees(const struct store_question *q, char a)
{
    return a && (q->yesno ? a == 'Y' : strchr(q->agree, a) != NULL);
}

/* Each batch's indicators: by name, the question of the latest session and of the earliest. */
static int batch_indicators(struct report *r)
{
    for (int i = 0; i < r->nq; i++) {
        const struct store_question *q = &r->q[i];
        int bi = batch_index(r, q->batch_id);
        if (bi < 0 || !q->indicator[0])
            continue;
        struct rbatch *b = &r->b[bi];
        int k = 0;
        while (k < b->n_inds && strcmp(b->inds[k].after->indicator, q->indicator) != 0)
            k++;
        if (k == b->n_inds) {
            struct bind *grown = realloc(b->inds, (size_t)(k + 1) * sizeof *grown);
            if (!grown)
                return -1;
            b->inds = grown;
            b->inds[k] = (struct bind){q, NULL};
            b->n_inds++;
            continue;
        }
        struct bind *x = &b->inds[k];
        const struct store_question *first = x->before ? x->before : x->after;
        if (q->session > x->after->session) {
            x->before = first;
            x->after = q;
        } else if (q->session < first->session) {
            x->before = q;
        }
    }
    return 0;
}

/* ---- one figure: a batch's participants, or the total ---- */

struct iacc {
    const char *name, *text;
    int session, before_session;
    int64_t yes, before_yes;
    bool before;
};

struct fig {
    int64_t participants, disability, completed, discussion;
    json_t *programme, *district, *sex, *dd, *answers, *by_session;
    int64_t present[SESSION_LIMIT], discussed[SESSION_LIMIT];
    bool has_session[SESSION_LIMIT];
    int64_t answered[QUESTION_LIMIT]; /* participants who answered question q */
    struct iacc *ind;
    int n_ind;
    int64_t first, last;
    int batches;
    bool oom;
};

static void fig_init(struct fig *f)
{
    memset(f, 0, sizeof *f);
    f->programme = json_object();
    f->district = json_object();
    f->sex = json_pack("{s:I, s:I}", "L", (json_int_t)0, "P", (json_int_t)0);
    f->dd = json_object();
    f->answers = json_object();
    f->by_session = json_object();
    f->oom = !f->programme || !f->district || !f->sex || !f->dd || !f->answers || !f->by_session;
}

static void fig_free(struct fig *f)
{
    json_decref(f->programme);
    json_decref(f->district);
    json_decref(f->sex);
    json_decref(f->dd);
    json_decref(f->answers);
    json_decref(f->by_session);
    free(f->ind);
}

/* obj[key] += n; a missing key starts at 0. */
static void add(json_t *obj, const char *key, json_int_t n, bool *oom)
{
    json_t *have = json_object_get(obj, key);
    if (json_object_set_new(obj, key, json_integer((have ? json_integer_value(have) : 0) + n)))
        *oom = true;
}

/* The object held under key in obj, made when missing; NULL (and *oom) when it cannot be. */
static json_t *child(json_t *obj, const char *key, bool *oom)
{
    json_t *c = json_object_get(obj, key);
    if (!c && (!(c = json_object()) || json_object_set_new(obj, key, c))) {
        *oom = true;
        return NULL;
    }
    return c;
}

static void fig_batch(struct fig *f, const struct rbatch *b)
{
    f->batches++;
    for (int n = 1; n < SESSION_LIMIT; n++)
        if (bit_has(b->sessions, n))
            f->has_session[n] = true;
    if (b->first && (!f->first || b->first < f->first))
        f->first = b->first;
    if (b->last > f->last)
        f->last = b->last;
}

static struct iacc *indicator(struct fig *f, const char *name)
{
    for (int i = 0; i < f->n_ind; i++)
        if (strcmp(f->ind[i].name, name) == 0)
            return &f->ind[i];
    struct iacc *grown = realloc(f->ind, (size_t)(f->n_ind + 1) * sizeof *grown);
    if (!grown) {
        f->oom = true;
        return NULL;
    }
    f->ind = grown;
    struct iacc *x = &f->ind[f->n_ind++];
    memset(x, 0, sizeof *x);
    x->name = name;
    return x;
}

static void fig_participant(struct fig *f, const struct report *r, const struct rpart *p)
{
    const struct rbatch *b = &r->b[p->b];
    const char *district = p->p.district[0] ? p->p.district : "-";
    f->participants++;
    f->disability += p->p.disability;
    add(f->programme, p->p.programme[0] ? p->p.programme : "-", 1, &f->oom);
    add(f->district, district, 1, &f->oom);
    if (p->p.sex == 'L' || p->p.sex == 'P')
        add(f->sex, p->p.sex == 'L' ? "L" : "P", 1, &f->oom);
    json_t *dd = child(f->dd, district, &f->oom);
    if (dd) {
        if (!json_object_get(dd, "yes"))
            add(dd, "yes", 0, &f->oom);
        if (!json_object_get(dd, "no"))
            add(dd, "no", 0, &f->oom);
        add(dd, p->p.disability ? "yes" : "no", 1, &f->oom);
    }
    bool all = b->sessions[0] || b->sessions[1];
    f->discussion += p->disc[0] || p->disc[1];
    for (int n = 1; n < SESSION_LIMIT; n++) {
        if (!bit_has(b->sessions, n))
            continue;
        f->discussed[n] += bit_has(p->disc, n);
        if (bit_has(p->att, n))
            f->present[n]++;
        else
            all = false;
    }
    f->completed += all;
    /* Answers: by session, and per question her answer of the latest session she answered. */
    char latest[QUESTION_LIMIT] = {0};
    for (int i = p->a0; i < p->a0 + p->an; i++) {
        const struct ranswer *a = &r->a[i];
        char s[16], q[16], l[2] = {a->a, 0};
        snprintf(s, sizeof s, "%d", a->session);
        snprintf(q, sizeof q, "%d", a->q);
        json_t *qs = child(child(f->by_session, s, &f->oom), q, &f->oom);
        if (qs)
            add(qs, l, 1, &f->oom);
        latest[a->q] = a->a; /* answers come by session: a later one replaces */
    }
    for (int q = 1; q < QUESTION_LIMIT; q++) {
        if (!latest[q])
            continue;
        char k[16], l[2] = {latest[q], 0};
        snprintf(k, sizeof k, "%d", q);
        json_t *c = child(f->answers, k, &f->oom);
        if (c)
            add(c, l, 1, &f->oom);
        f->answered[q]++;
    }
    for (int i = 0; i < b->n_inds; i++) {
        const struct bind *bi = &b->inds[i];
        struct iacc *x = indicator(f, bi->after->indicator);
        if (!x)
            return;
        if (!x->text || bi->after->session >= x->session) {
            x->text = bi->after->text;
            x->session = bi->after->session;
        }
        x->yes += agrees(bi->after, answer_of(r, p, bi->after->session, bi->after->question));
        if (bi->before) {
            if (!x->before || bi->before->session < x->before_session)
                x->before_session = bi->before->session;
            x->before = true;
            x->before_yes +=
                agrees(bi->before, answer_of(r, p, bi->before->session, bi->before->question));
        }
    }
}

static json_t *percent(int64_t n, int64_t of)
{
    return json_real((double)training_percent_tenths(n, of) / 10.0);
}

static void date_text(int64_t t, int tz, char out[11])
{
    if (!t) {
        out[0] = '\0';
        return;
    }
    time_t local = (time_t)(t + tz);
    struct tm tm;
    gmtime_r(&local, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static json_t *date_json(int64_t t, int tz)
{
    char d[11];
    date_text(t, tz, d);
    return d[0] ? json_string(d) : json_null();
}

/* Keys in order: numbers by value ("2" before "10"), names alphabetically. */
static int key_order(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    bool xn = x[0] >= '0' && x[0] <= '9', yn = y[0] >= '0' && y[0] <= '9';
    if (xn && yn && strlen(x) != strlen(y))
        return strlen(x) < strlen(y) ? -1 : 1;
    return strcmp(x, y);
}

/* A copy of o with its keys (and those of the objects it holds) in key_order. */
static json_t *sorted(json_t *o)
{
    if (!json_is_object(o))
        return json_incref(o);
    size_t n = json_object_size(o), i = 0;
    const char **keys = malloc((n + 1) * sizeof *keys);
    json_t *out = json_object();
    if (!keys || !out) {
        free(keys);
        json_decref(out);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, key_order);
    for (i = 0; i < n; i++) {
        json_t *c = sorted(json_object_get(o, keys[i]));
        if (!c || json_object_set_new(out, keys[i], c) != 0) {
            json_decref(out);
            out = NULL;
            break;
        }
    }
    free(keys);
    return out;
}

/* The figure in the shape of product.md section 4 (code NULL for the total). */
static json_t *fig_json(struct fig *f, const char *code, int tz)
{
    json_t *o = json_object(), *sessions = json_array(), *indicators = json_array(),
           *pct = json_object();
    if (!o || !sessions || !indicators || !pct) {
        json_decref(o);
        json_decref(sessions);
        json_decref(indicators);
        json_decref(pct);
        return NULL;
    }
    for (int n = 1; n < SESSION_LIMIT; n++)
        if (f->has_session[n])
            json_array_append_new(sessions,
                                  json_pack("{s:i, s:I, s:o, s:I}", "session", n, "present",
                                            (json_int_t)f->present[n], "percent",
                                            percent(f->present[n], f->participants), "discussion",
                                            (json_int_t)f->discussed[n]));
    const char *q;
    json_t *counts;
    json_object_foreach(f->answers, q, counts)
    {
        int64_t of = f->answered[strtol(q, NULL, 10)];
        json_t *p = json_object();
        const char *a;
        json_t *n;
        json_object_foreach(counts, a, n)
            json_object_set_new(p, a, percent(json_integer_value(n), of));
        json_object_set_new(pct, q, p);
    }
    for (int i = 0; i < f->n_ind; i++) {
        const struct iacc *x = &f->ind[i];
        json_t *ind = json_pack("{s:s, s:s, s:i, s:I, s:I, s:o}", "indicator", x->name, "text",
                                x->text ? x->text : "", "session", x->session, "yes",
                                (json_int_t)x->yes, "of", (json_int_t)f->participants, "percent",
                                percent(x->yes, f->participants));
        if (ind && x->before)
            json_object_set_new(ind, "before",
                                json_pack("{s:i, s:I, s:I, s:o}", "session", x->before_session,
                                          "yes", (json_int_t)x->before_yes, "of",
                                          (json_int_t)f->participants, "percent",
                                          percent(x->before_yes, f->participants)));
        json_array_append_new(indicators, ind);
    }
    if (code)
        json_object_set_new(o, "batch", json_string(code));
    else
        json_object_set_new(o, "batches", json_integer(f->batches));
    json_object_set_new(o, "participants", json_integer(f->participants));
    json_object_set_new(o, "by_programme", sorted(f->programme));
    json_object_set_new(o, "by_district", sorted(f->district));
    json_object_set_new(o, "by_sex", sorted(f->sex));
    json_object_set_new(o, "disability", json_integer(f->disability));
    json_object_set_new(o, "disability_percent", percent(f->disability, f->participants));
    json_object_set_new(o, "by_district_disability", sorted(f->dd));
    json_object_set_new(o, "sessions", sessions);
    json_object_set_new(o, "completed_all", json_integer(f->completed));
    json_object_set_new(o, "completed_all_percent", percent(f->completed, f->participants));
    json_object_set_new(o, "discussion", json_integer(f->discussion));
    json_object_set_new(o, "discussion_percent", percent(f->discussion, f->participants));
    json_object_set_new(o, "answers", sorted(f->answers));
    json_object_set_new(o, "answers_pct", sorted(pct));
    json_decref(pct);
    json_object_set_new(o, "answers_by_session", sorted(f->by_session));
    json_object_set_new(o, "indicators", indicators);
    json_object_set_new(o, "from", date_json(f->first, tz));
    json_object_set_new(o, "to", date_json(f->last, tz));
    return f->oom ? (json_decref(o), NULL) : o;
}

/* ---- programmes and programme years ---- */

/* {"programme": P, "batches": N, "participants": N, "disability": N, "by_district": {...},
 * "from": date, "to": date} for each programme, by name; batches counted once each. */
static json_t *programmes(const struct report *r, int tz)
{
    json_t *list = json_array();
    const char **names = calloc((size_t)r->np + 1, sizeof *names);
    bool *seen = calloc((size_t)r->nb + 1, sizeof *seen);
    int nn = 0;
    for (int i = 0; names && i < r->np; i++) {
        const char *name = r->p[i].p.programme[0] ? r->p[i].p.programme : "-";
        int k = 0;
        while (k < nn && strcmp(names[k], name) != 0)
            k++;
        if (k == nn)
            names[nn++] = name;
    }
    for (int k = 1; k < nn; k++) /* by name */
        for (int j = k; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (int k = 0; list && names && seen && k < nn; k++) {
        memset(seen, 0, (size_t)r->nb * sizeof *seen);
        json_int_t n = 0, dis = 0, batches = 0;
        int64_t first = 0, last = 0;
        json_t *district = json_object();
        bool oom = !district;
        for (int i = 0; i < r->np && !oom; i++) {
            const struct rpart *p = &r->p[i];
            if (strcmp(p->p.programme[0] ? p->p.programme : "-", names[k]) != 0)
                continue;
            n++;
            dis += p->p.disability;
            add(district, p->p.district[0] ? p->p.district : "-", 1, &oom);
            if (!seen[p->b]) {
                const struct rbatch *b = &r->b[p->b];
                seen[p->b] = true;
                batches++;
                if (b->first && (!first || b->first < first))
                    first = b->first;
                if (b->last > last)
                    last = b->last;
            }
        }
        json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
                                              "programme", names[k], "batches", batches,
                                              "participants", n, "disability", dis, "no_disability",
                                              n - dis, "by_district", sorted(district), "from",
                                              date_json(first, tz), "to", date_json(last, tz)));
        json_decref(district);
    }
    bool failed = !names || !seen;
    free(names);
    free(seen);
    if (failed) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* {"year": 2019, "from": "2019-10-01", "to": "2020-09-30", "batches": N, "participants": N,
 * "by_district": {...}} for each programme year a batch held its first session in. */
static json_t *years(const struct report *r, const bool *included, int tz)
{
    json_t *list = json_array();
    int *year = calloc((size_t)r->nb + 1, sizeof *year);
    if (!list || !year) {
        json_decref(list);
        free(year);
        return NULL;
    }
    int lo = 0, hi = -1;
    for (int i = 0; i < r->nb; i++) {
        if (!included[i] || !r->b[i].first)
            continue;
        time_t local = (time_t)(r->b[i].first + tz);
        struct tm tm;
        gmtime_r(&local, &tm);
        year[i] = training_programme_year(tm.tm_year + 1900, tm.tm_mon + 1);
        if (hi < lo || year[i] < lo)
            lo = year[i];
        if (year[i] > hi)
            hi = year[i];
    }
    for (int y = lo; y <= hi; y++) {
        json_int_t batches = 0, n = 0;
        json_t *district = json_object();
        bool oom = !district;
        for (int i = 0; i < r->nb; i++)
            batches += included[i] && r->b[i].first && year[i] == y;
        for (int i = 0; i < r->np && !oom; i++) {
            const struct rpart *p = &r->p[i];
            if (!r->b[p->b].first || year[p->b] != y)
                continue;
            n++;
            add(district, p->p.district[0] ? p->p.district : "-", 1, &oom);
        }
        if (!batches) {
            json_decref(district);
            continue;
        }
        char from[32], to[32];
        snprintf(from, sizeof from, "%04d-10-01", y);
        snprintf(to, sizeof to, "%04d-09-30", y + 1);
        json_array_append_new(list, json_pack("{s:i, s:s, s:s, s:I, s:I, s:o}", "year", y, "from",
                                              from, "to", to, "batches", batches, "participants", n,
                                              "by_district", sorted(district)));
        json_decref(district);
    }
    free(year);
    return list;
}

/* ---- the report ---- */

static void report_free(struct report *r)
{
    for (int i = 0; i < r->nb; i++)
        free(r->b[i].inds);
    free(r->b);
    free(r->p);
    free(r->a);
    free(r->q);
}

/* Reads everything the figures need. Returns 0, 1 when batch_code names no batch, -1. */
static int load(struct store *s, struct report *r, const char *batch_code, const char *programme)
{
    bool one = batch_code && batch_code[0];
    int found = store_each_batch(s, one ? batch_code : NULL, on_batch, r);
    if (found < 0 || r->oom)
        return -1;
    if (one && found == 0)
        return 1;
    int64_t bid = one ? r->b[0].id : 0;
    if (store_report_sessions(s, bid, on_session, r) != 0 ||
        store_report_participants(s, bid, programme && programme[0] ? programme : NULL,
                                  on_participant, r) != 0 ||
        r->oom)
        return -1;
    if (r->np > 1)
        qsort(r->p, (size_t)r->np, sizeof *r->p, by_id);
    if (store_report_attendance(s, bid, on_attendance, r) != 0 ||
        store_report_discussion(s, bid, on_discussion, r) != 0 ||
        store_report_answers(s, bid, on_answer, r) != 0 || r->oom)
        return -1;
    int nq = store_questions(s, bid, 0, NULL, 0);
    if (nq < 0)
        return -1;
    if (nq > 0) {
        if (!(r->q = calloc((size_t)nq, sizeof *r->q)))
            return -1;
        r->nq = store_questions(s, bid, 0, r->q, nq);
        if (r->nq != nq)
            return -1;
    }
    return batch_indicators(r);
}

json_t *training_report(struct store *s, const char *batch_code, const char *programme, int tz,
                        int *err)
{
    struct report r;
    memset(&r, 0, sizeof r);
    *err = 2;
    int rc = load(s, &r, batch_code, programme);
    if (rc != 0) {
        *err = rc == 1 ? 1 : 2;
        report_free(&r);
        return NULL;
    }
    bool filtered = programme && programme[0];
    bool *included = calloc((size_t)r.nb + 1, sizeof *included);
    json_t *out = json_object(), *batches = json_array();
    struct fig total;
    fig_init(&total);
    bool failed = !included || !out || !batches || total.oom;
    for (int i = 0; i < r.nb && !failed; i++) {
        /* With --programme, a batch without participants of it is not part of the report. */
        included[i] = !filtered || r.b[i].participants > 0;
        if (!included[i])
            continue;
        struct fig f;
        fig_init(&f);
        fig_batch(&f, &r.b[i]);
        fig_batch(&total, &r.b[i]);
        for (int k = 0; k < r.np; k++)
            if (r.p[k].b == i)
                fig_participant(&f, &r, &r.p[k]);
        json_t *fj = fig_json(&f, r.b[i].code, tz);
        fig_free(&f);
        failed = !fj || json_array_append_new(batches, fj) != 0;
    }
    for (int k = 0; k < r.np && !failed; k++)
        fig_participant(&total, &r, &r.p[k]);
    json_t *tj = failed ? NULL : fig_json(&total, NULL, tz);
    json_t *pj = tj ? programmes(&r, tz) : NULL;
    json_t *yj = pj ? years(&r, included, tz) : NULL;
    fig_free(&total);
    if (!yj) {
        json_decref(tj);
        json_decref(pj);
        json_decref(out);
        json_decref(batches);
        free(included);
        report_free(&r);
        return NULL;
    }
    json_object_set_new(out, "programme", filtered ? json_string(programme) : json_null());
    json_object_set_new(out, "batches", batches);
    json_object_set_new(out, "total", tj);
    json_object_set_new(out, "programmes", pj);
    json_object_set_new(out, "years", yj);
    free(included);
    report_free(&r);
    *err = 0;
    return out;
}
