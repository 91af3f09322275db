/* test_ingest.c - the group-commit writer against a real SQLite file: every job of a batch is
 * committed at once and answered after the commit; a job the database refuses fails alone,
 * and the others of its batch are stored once each; while it serves, the log is copied into
 * the database (checkpoints) by a thread of its own, and the log starts again from its beginning
 * even when the writer never runs out of work. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "ingest.h"
#include "runtime.h"
#include "store.h"

#define JOBS 12
#define BAD 5 /* the job the database refuses */

struct fixture {
    char dir[64], db[128], ini[128];
    struct runtime rt;
    struct ingest *ing;
    struct channel_events ev[JOBS];
    struct ingest_job job[JOBS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int answered;
};

static void on_done(struct ingest_job *job, void *arg)
{
    (void)job;
    struct fixture *f = arg;
    pthread_mutex_lock(&f->mu);
    f->answered++;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static void wait_answered(struct fixture *f, int n)
{
    pthread_mutex_lock(&f->mu);
    while (f->answered < n)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
}

static int sql_count(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_open(db, &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql, -1, &st, NULL) == 0) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/catat-ingest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/catat.db", f->dir);
    snprintf(f->ini, sizeof f->ini, "%s/catat.ini", f->dir);
    FILE *fp = fopen(f->ini, "w");
    assert_non_null(fp);
    fprintf(fp, "[server]\ntemplates = %s/templates\nreplies_per_hour = 0\n[database]\npath = %s\n",
            CATAT_SOURCE_DIR, f->db);
    fclose(fp);
    char err[256];
    assert_int_equal(runtime_open(&f->rt, f->ini, err, sizeof err), 0);
    struct store *s = store_open(f->db, err, sizeof err); /* migrates */
    assert_non_null(s);
    store_close(s);
    /* The database refuses one message, as a full disk or a broken constraint would. */
    sql_exec(f->db, "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.text = 'BOOM'"
                    " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->ing = ingest_start(&f->rt.pipeline, NULL, f->db, err, sizeof err);
    assert_non_null(f->ing);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ingest_stop(f->ing);
    for (int i = 0; i < JOBS; i++) {
        ingest_job_free(&f->job[i]);
        channel_events_free(&f->ev[i]);
    }
    runtime_close(&f->rt);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
    return 0;
}

/* Job i: one console message from its own phone, text "SALDO" (or "BOOM" for the bad one). */
static void make_job(struct fixture *f, int i)
{
    const char *text = i == BAD ? "BOOM" : "SALDO";
    struct channel_inbound *in = channel_events_add_inbound(&f->ev[i], text, strlen(text));
    assert_non_null(in);
    snprintf(in->from, sizeof in->from, "+62812000000%02d", i);
    snprintf(in->provider_id, sizeof in->provider_id, "t-%d", i);
    f->job[i] = (struct ingest_job){
        .channel = 0, /* console */
        .ev = &f->ev[i],
        .keep_replies = true,
        .done = on_done,
        .arg = f,
    };
}

static void test_one_refused_job_fails_alone(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(channel_drivers[0]->name, "console");
    for (int i = 0; i < JOBS; i++)
        make_job(f, i);
    /* Another connection holds the write lock: the writer takes job 0 and waits for the lock,
     * so the jobs queued meanwhile are taken as one batch once it is let go. */
    sqlite3 *lock;
    assert_int_equal(sqlite3_open(f->db, &lock), SQLITE_OK);
    assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(ingest_submit(f->ing, &f->job[0]), 0);
    usleep(50 * 1000);
    for (int i = 1; i < JOBS; i++)
        assert_int_equal(ingest_submit(f->ing, &f->job[i]), 0);
    assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(lock);
    wait_answered(f, JOBS);

    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(f->job[i].status, i == BAD ? 500 : 200);
        if (i == BAD)
            assert_null(f->job[i].replies[0]);
        else
            assert_non_null(f->job[i].replies[0]);
    }
    /* Stored once each, the refused one not at all; every stored message got one reply. */
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM messages"), JOBS - 1);
    assert_int_equal(sql_count(f->db, "SELECT count(DISTINCT provider_id) FROM messages"),
                     JOBS - 1);
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM messages WHERE text = 'BOOM'"), 0);
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM outbox WHERE kind = 'reply'"),
                     JOBS - 1);
}

static void test_retry_is_acknowledged_not_stored_again(void **state)
{
    struct fixture *f = *state;
    for (int round = 0; round < 2; round++) {
        make_job(f, 0);
        int before = f->answered;
        assert_int_equal(ingest_submit(f->ing, &f->job[0]), 0);
        wait_answered(f, before + 1);
        assert_int_equal(f->job[0].status, 200);
        assert_int_equal(f->job[0].duplicate, round == 1);
        ingest_job_free(&f->job[0]);
        channel_events_free(&f->ev[0]);
        memset(&f->ev[0], 0, sizeof f->ev[0]);
    }
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM messages"), 1);
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM outbox"), 1);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Batch after batch is committed and answered until the log is past the checkpoint's
 * threshold; the checkpointer copies it into the database file while the writer is still open
 * (the file grows: without checkpoints everything would stay in the log until the writer
 * closed). */
static void test_log_copied_into_database_while_serving(void **state)
{
    struct fixture *f = *state;
    long before = file_size(f->db);
    assert_true(before > 0);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    int rounds = 0;
    for (; rounds < 20000 && file_size(wal) <= 32 + INGEST_CHECKPOINT_FRAMES * (24 + 4096L);
         rounds++) {
        int round = rounds;
        for (int i = 0; i < JOBS; i++) {
            const char *text = "JUAL 15000 abon";
            struct channel_inbound *in = channel_events_add_inbound(&f->ev[i], text, strlen(text));
            assert_non_null(in);
            snprintf(in->from, sizeof in->from, "+628120%02d%05d", i, round);
            snprintf(in->provider_id, sizeof in->provider_id, "c-%d-%d", round, i);
            f->job[i] = (struct ingest_job){.ev = &f->ev[i], .done = on_done, .arg = f};
        }
        int before_round = f->answered;
        for (int i = 0; i < JOBS; i++)
            assert_int_equal(ingest_submit(f->ing, &f->job[i]), 0);
        wait_answered(f, before_round + JOBS);
        for (int i = 0; i < JOBS; i++) {
            assert_int_equal(f->job[i].status, 200);
            ingest_job_free(&f->job[i]);
            channel_events_free(&f->ev[i]);
            memset(&f->ev[i], 0, sizeof f->ev[i]);
        }
    }
    assert_true(rounds < 20000);
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM messages"), rounds * JOBS);
    /* The checkpoint runs beside the writer: wait for it, a few seconds at most. */
    long after = before;
    for (int tries = 0; tries < 100 && after <= before; tries++) {
        usleep(50 * 1000);
        after = file_size(f->db);
    }
    assert_true(after > before);
}

/* The log's checkpoint sequence number: SQLite counts in it every time the log is written from
 * its start again (bytes 12-15 of its header, big-endian). */
static long log_restarts(const char *wal)
{
    unsigned char h[16];
    FILE *fp = fopen(wal, "rb");
    size_t n = fp ? fread(h, 1, sizeof h, fp) : 0;
    if (fp)
        fclose(fp);
    return n == sizeof h ? (long)h[12] << 24 | h[13] << 16 | h[14] << 8 | h[15] : -1;
}

/* Job i of round r: a sale from phone i of round r, in f->ev[i], queued. */
static void submit_sale(struct fixture *f, int i, int round)
{
    const char *text = "JUAL 15000 abon";
    ingest_job_free(&f->job[i]);
    channel_events_free(&f->ev[i]);
    memset(&f->ev[i], 0, sizeof f->ev[i]);
    struct channel_inbound *in = channel_events_add_inbound(&f->ev[i], text, strlen(text));
    assert_non_null(in);
    snprintf(in->from, sizeof in->from, "+628121%02d%05d", i, round);
    snprintf(in->provider_id, sizeof in->provider_id, "k-%d-%d", round, i);
    f->job[i] = (struct ingest_job){.ev = &f->ev[i], .done = on_done, .arg = f};
    assert_int_equal(ingest_submit(f->ing, &f->job[i]), 0);
}

/* A writer that never runs out of work (half the jobs are always queued while the other half
 * is applied) still has its log written from the start again, again and again: the log stays
 * near the checkpoint's threshold instead of growing for as long as the load lasts. */
static void test_log_stays_short_under_continuous_load(void **state)
{
    struct fixture *f = *state;
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    const int half = JOBS / 2;
    long longest = 0, first = -1, restarts = 0;
    int rounds = 0;
    for (int i = 0; i < half; i++)
        submit_sale(f, i, 0);
    for (; rounds < 40000 && restarts < 3; rounds++) {
        /* While one half of the jobs waits in the queue, the other is answered and refilled. */
        int mine = rounds % 2 ? 0 : half;
        for (int i = mine; i < mine + half; i++)
            submit_sale(f, i, rounds + 1);
        wait_answered(f, (rounds + 1) * half);
        long size = file_size(wal), seq = log_restarts(wal);
        if (size > longest)
            longest = size;
        if (seq >= 0 && first < 0)
            first = seq;
        if (seq >= 0)
            restarts = seq - first;
    }
    wait_answered(f, (rounds + 1) * half);
    assert_true(restarts >= 3);
    assert_true(longest <= 32 + 2L * INGEST_CHECKPOINT_FRAMES * (24 + 4096));
    assert_int_equal(sql_count(f->db, "SELECT count(*) FROM messages"), (rounds + 1) * half);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_refused_job_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_is_acknowledged_not_stored_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_copied_into_database_while_serving, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log_stays_short_under_continuous_load, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
