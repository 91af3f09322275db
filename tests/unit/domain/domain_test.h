/* domain_test.h - a world for the domain tests: a fresh SQLite database in its own temporary
 * directory, the real templates and configuration, people and loans made through the import
 * API, and messages run through the parser and domain_apply as the SMS pipeline would. */
#ifndef CATAT_DOMAIN_TEST_H
#define CATAT_DOMAIN_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "domain.h"
#include "loans.h"
#include "parse.h"
#include "reach.h"
#include "store.h"
#include "store_io.h"
#include "store_training.h"
#include "templates.h"

#define TEST_HOUR 3600
#define TEST_DAY 86400

struct world {
    char dir[64];  /* the temporary directory holding everything below */
    char db[128];  /* the database file */
    char ini[128]; /* the configuration file */
    struct config *cfg;
    struct templates *tpl;
    struct domain d;
    struct reach reach;
    struct store *s;
    struct domain_effects fx; /* the effects of the last world_send / world_ctx */
    bool fx_live;
    int64_t now; /* the clock tests start from */
};

/* Writes text to path; fails the test when it cannot. */
static inline void world_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Removes every file of dir (the database, its -wal and -shm, the INI), then dir. */
static inline void world_remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(dp);
    rmdir(dir);
}

/* Makes the temporary directory and writes the configuration into it: extra_ini is appended
 * to a base that names the database, the source tree's templates and the console channel. */
static inline void world_dirs(struct world *w, const char *extra_ini)
{
    snprintf(w->dir, sizeof w->dir, "/tmp/catat-domain-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/catat.db", w->dir);
    snprintf(w->ini, sizeof w->ini, "%s/catat.ini", w->dir);
    char text[1024];
    snprintf(text, sizeof text,
             "[database]\npath = %s\n[server]\ntemplates = %s/templates\n"
             "[outbox]\ndefault_channel = console\n%s",
             w->db, CATAT_SOURCE_DIR, extra_ini ? extra_ini : "");
    world_write_file(w->ini, text);
}

/* A new world; extra_ini may be NULL. Free it with world_free. */
static inline struct world *world_new(const char *extra_ini)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    world_dirs(w, extra_ini);
    char err[256] = "";
    w->cfg = config_load(w->ini, err, sizeof err);
    if (!w->cfg)
        fail_msg("config_load: %s", err);
    w->tpl = templates_load(CATAT_SOURCE_DIR "/templates", err, sizeof err);
    if (!w->tpl)
        fail_msg("templates_load: %s", err);
    if (domain_init(&w->d, w->cfg, w->tpl, err, sizeof err) != 0)
        fail_msg("domain_init: %s", err);
    if (reach_init(&w->reach, w->cfg, err, sizeof err) != 0)
        fail_msg("reach_init: %s", err);
    w->s = store_open(w->db, err, sizeof err);
    if (!w->s)
        fail_msg("store_open: %s", err);
    /* A Wednesday, 10:00 in Jakarta (+07:00): 2026-12-02T03:00:00Z. */
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = 2, .tm_hour = 3};
    w->now = (int64_t)timegm(&tm);
    return w;
}

static inline void world_free(struct world *w)
{
    if (!w)
        return;
    if (w->fx_live)
        domain_effects_free(&w->fx);
    store_close(w->s);
    templates_free(w->tpl);
    config_free(w->cfg);
    world_remove_dir(w->dir);
    free(w);
}

/* A group with the code given, in Jakarta time. Returns its id. */
static inline int64_t world_group(struct world *w, const char *code)
{
    struct store_io_group g = {.code = code, .name = code, .timezone = "+07:00"};
    assert_int_equal(store_io_group_upsert(w->s, &g, "+07:00", w->now), 1);
    struct store_group out;
    assert_int_equal(store_group_by_code(w->s, code, &out), 1);
    return out.id;
}

/* A registered person (role "member", "treasurer", ...) of group_id (0: none). Returns her. */
static inline struct store_person world_person(struct world *w, const char *phone, const char *name,
                                               const char *code, const char *role, int64_t group_id)
{
    struct store_io_member m = {
        .phone = phone, .name = name, .role = role, .code = code, .group_id = group_id};
    assert_int_equal(store_io_member_upsert(w->s, &m, w->now), 1);
    struct store_person p;
    assert_int_equal(store_person_by_phone(w->s, phone, &p), 1);
    return p;
}

/* A weekly loan of n instalments of principal / n from the first due date "YYYY-MM-DD". */
static inline void world_loan(struct world *w, int64_t person_id, const char *code,
                              int64_t principal, int n, const char *first_due)
{
    struct loan_terms t = {.principal = principal, .instalments = n};
    assert_true(loans_parse_date(first_due, &t.first_y, &t.first_m, &t.first_d));
    char why[256] = "";
    if (loans_check(&t, why, sizeof why) != 0)
        fail_msg("loans_check: %s", why);
    struct store_io_instalment *schedule = calloc((size_t)n, sizeof *schedule);
    assert_non_null(schedule);
    loans_schedule(&t, schedule);
    struct store_io_loan l = {
        .code = code,
        .frequency = "weekly",
        .first_due = first_due,
        .person_id = person_id,
        .principal = principal,
        .instalment = t.instalment,
        .instalments = n,
        .schedule = schedule,
    };
    int rc = store_io_loan_upsert(w->s, &l, w->now);
    free(schedule);
    assert_int_equal(rc, 1);
}

/* The group most domain tests start from: KPUK07 with a treasurer (Bu Ani, B0001) and two
 * members (Siti A0001, Rina A0002); a cmocka setup, freed by world_teardown. */
#define GROUP "KPUK07"
#define TREASURER "+6281100000001"
#define SITI "+6281100000002"
#define RINA "+6281100000003"

static inline int world_setup(void **state)
{
    struct world *w = world_new(NULL);
    int64_t g = world_group(w, GROUP);
    world_person(w, TREASURER, "Ani", "B0001", "treasurer", g);
    world_person(w, SITI, "Siti", "A0001", "member", g);
    world_person(w, RINA, "Rina", "A0002", "member", g);
    *state = w;
    return 0;
}

static inline int world_teardown(void **state)
{
    world_free(*state);
    return 0;
}

/* The stored person of phone, the stored loan of code: both must exist. */
static inline struct store_person world_person_of(struct world *w, const char *phone)
{
    struct store_person p;
    assert_int_equal(store_person_by_phone(w->s, phone, &p), 1);
    return p;
}

static inline struct store_loan world_loan_of(struct world *w, const char *code)
{
    struct store_loan l;
    assert_int_equal(store_loan_by_code(w->s, code, &l), 1);
    return l;
}

/* Starts fresh effects for a command of phone at `at`, writing ctx; *actor is read from the
 * store (as the pipeline does after touching the sender on the console channel). */
static inline void world_ctx(struct world *w, const char *phone, int64_t at,
                             struct store_person *actor, struct domain_ctx *ctx)
{
    assert_int_equal(store_person_touch(w->s, phone, "console", at), 0);
    assert_int_equal(store_person_by_phone(w->s, phone, actor), 1);
    if (w->fx_live)
        domain_effects_free(&w->fx);
    domain_effects_init(&w->fx);
    w->fx_live = true;
    domain_ctx_init(ctx, &w->d, w->s, actor, at, 0, &w->fx);
}

/* Runs text from phone at `at` through the parser and the domain; the effects are in w->fx. */
static inline void world_send(struct world *w, const char *phone, const char *text, int64_t at)
{
    struct store_person actor;
    struct domain_ctx ctx;
    world_ctx(w, phone, at, &actor, &ctx);
    struct parse_result *r = malloc(sizeof *r);
    assert_non_null(r);
    parse_message(text, strlen(text), r);
    for (int i = 0; i < r->n_commands; i++)
        assert_int_equal(domain_apply(&ctx, &r->commands[i]), 0);
    free(r);
}

/* The reference code named in the reply after "Ref " (the first one), into out. */
static inline void world_reply_ref(const struct world *w, char *out, size_t outsz)
{
    const char *p = strstr(w->fx.reply, "Ref ");
    if (!p)
        fail_msg("no reference in reply: %s", w->fx.reply);
    p += 4;
    size_t n = 0;
    while (n + 1 < outsz && ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9'))) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    assert_true(n >= 4);
}

/* The template key rendered in Indonesian with vars: what a reply or notice should say. */
static inline void world_expect(const struct world *w, const char *key,
                                const struct template_var *vars, size_t n, char *out, size_t outsz)
{
    assert_true(templates_render(w->tpl, "id", key, vars, n, out, outsz) >= 0);
}

/* Rupiah written the Indonesian way, worked out here independently of format.c:
 * 1150000 -> "Rp1.150.000". */
static inline const char *world_rupiah(int64_t amount, char *out, size_t outsz)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)amount);
    size_t o = 0;
    o += (size_t)snprintf(out, outsz, "Rp");
    for (int i = 0; i < len && o + 1 < outsz; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = '.';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

#endif
