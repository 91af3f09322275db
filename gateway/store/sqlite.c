/* sqlite.c - the SQLite backend: opening the file, its migrations (PRAGMA user_version is the
 * schema number) and online backups. */
#include "store_internal.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SQLite's allocation statistics take a global mutex around every allocation (hundreds per
 * message); catat reads none of them. Set before SQLite initialises. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Another connection holds the lock: wait and try again, for 10 s in all. SQLite's own busy
 * timeout sleeps 1 ms, then 2, 5, 10 ...: the writer lost milliseconds behind the outbox's
 * transactions of a few tens of microseconds. These waits start at 50 us and double to 6.4 ms. */
static int busy_wait(void *arg, int tries)
{
    (void)arg;
    enum { FIRST_US = 50, DOUBLINGS = 7, LAST_US = FIRST_US << DOUBLINGS };
    /* The doublings take 6.35 ms; then 1,562 waits of 6.4 ms make the 10 s. */
    if (tries >= DOUBLINGS + 10 * 1000 * 1000 / LAST_US)
        return 0;
    usleep((useconds_t)(tries < DOUBLINGS ? FIRST_US << tries : LAST_US));
    return 1;
}

/* Connections with a deferred sync in this process: each has a checkpointer thread beside it
 * (ingest.c), and the others leave the checkpoints to it. */
static int checkpointers;

/* After a commit on any other connection: SQLite's own automatic checkpoint (a passive one once
 * the log is 1,000 pages long), unless a checkpointer runs. Otherwise the outbox's commits, the
 * web app's and the scheduler's each copied the long log a busy writer leaves, syncing twice. */
static int auto_checkpoint(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)arg;
    if (frames >= 1000 && !__atomic_load_n(&checkpointers, __ATOMIC_RELAXED))
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

void lite_close_deferred(void)
{
    __atomic_sub_fetch(&checkpointers, 1, __ATOMIC_RELAXED);
}

struct store *lite_open(const char *path, char *err, size_t errsz)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->backend = STORE_SQLITE;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errsz, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
        store_close(s);
        return NULL;
    }
    sqlite3_busy_handler(s->db, busy_wait, NULL);
    sqlite3_wal_hook(s->db, auto_checkpoint, NULL);
    /* Statements' small allocations (cursors, records of a message's row) from a per-connection
     * arena of 512 KiB instead of malloc: 6% less CPU a message in the benchmark. */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 2048, 256);
    /* FULL: a 2xx to a provider means the message survives power loss (product.md section 7).
     * A 32 MiB page cache per connection keeps the indexes a busy writer touches in memory. */
    if (store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      " PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;") != 0 ||
        store_migrate(s) < 0) {
        snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
        store_close(s);
        return NULL;
    }
    return s;
}

/* After each commit: how long the log has grown, for store_wal_frames. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    __atomic_store_n(&((struct store *)arg)->wal_frames, frames, __ATOMIC_RELAXED);
    return SQLITE_OK;
}

int lite_wal_frames(struct store *s)
{
    return __atomic_load_n(&s->wal_frames, __ATOMIC_RELAXED);
}

int lite_checkpoint(struct store *s)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log_event(LOG_ERROR, "checkpoint failed", "error=\"%s\"", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

/* Whether the database really is in WAL mode (a file system without shared memory keeps the
 * rollback journal whatever catat asks). */
static bool in_wal_mode(struct store *s)
{
    sqlite3_stmt *st;
    bool wal = false;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
        const char *mode =
            sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        wal = mode && strcmp(mode, "wal") == 0;
        sqlite3_finalize(st);
    }
    return wal;
}

int lite_defer_sync(struct store *s)
{
    const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));
    if (!in_wal_mode(s) || !wal ||
        snprintf(s->wal_path, sizeof s->wal_path, "%s", wal) >= (int)sizeof s->wal_path)
        return -1;
    /* NORMAL in WAL mode: a commit writes its frames without syncing them; lite_sync does. A
     * checkpoint still syncs the log before copying it into the database, and the database
     * after. */
    if (store_exec(s, "PRAGMA synchronous=NORMAL") != 0)
        return -1;
    /* Commits on s no longer checkpoint (the hook replaces the automatic one): lite_checkpoint,
     * on another connection and thread, does, without holding up the writer. */
    sqlite3_wal_hook(s->db, wal_hook, s);
    s->wal_fd = -1;
    s->defer_sync = true;
    __atomic_add_fetch(&checkpointers, 1, __ATOMIC_RELAXED);
    return 0;
}

/* fsync of the directory holding path: a new file's name reaches the disk. */
static int sync_directory(const char *path)
{
    char dir[520];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int lite_sync(struct store *s)
{
    struct stat st;
    /* The log is never removed while this connection is open; should it be all the same (its
     * last link gone), the file now at the path is the one to sync. */
    if (s->wal_fd >= 0 && (fstat(s->wal_fd, &st) != 0 || st.st_nlink == 0)) {
        close(s->wal_fd);
        s->wal_fd = -1;
    }
    if (s->wal_fd < 0) {
        s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
        if (s->wal_fd < 0) {
            log_event(LOG_ERROR, "cannot open the write-ahead log", "error=\"%s\"",
                      strerror(errno));
            return -1;
        }
        /* SQLite syncs a log's directory once after creating it: so does this. */
        if (sync_directory(s->wal_path) != 0) {
            log_event(LOG_ERROR, "cannot sync the database's directory", "error=\"%s\"",
                      strerror(errno));
            return -1;
        }
    }
    if (fdatasync(s->wal_fd) != 0) {
        log_event(LOG_ERROR, "cannot sync the write-ahead log", "error=\"%s\"", strerror(errno));
        return -1;
    }
    return 0;
}

/* The integer a PRAGMA answers, or -1. */
static int pragma_int(struct store *s, const char *pragma)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, pragma, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int lite_schema_version(struct store *s)
{
    return pragma_int(s, "PRAGMA user_version");
}

/* Whether any row refers to a row that does not exist (PRAGMA foreign_key_check finds one). */
static bool foreign_keys_broken(struct store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return true;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        log_event(LOG_ERROR, "migration left a broken reference", NULL);
    return rc != SQLITE_DONE;
}

int lite_migrate(struct store *s)
{
    int version = lite_schema_version(s);
    if (version < 0)
        return store_fail(s, "user_version");
    int latest = 0;
    while (store_migrations[latest])
        latest++;
    if (version > latest) {
        log_event(LOG_ERROR, "database is newer than this catat", "schema=%d known=%d", version,
                  latest);
        return -1;
    }
    for (int v = version; v < latest; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%d;", v + 1);
        /* A table rebuild drops a table others refer to: foreign keys are off meanwhile (they
         * cannot be switched inside a transaction) and every reference is checked before the
         * commit. */
        bool rebuilds = strncmp(store_migrations[v], STORE_MIGRATION_REBUILDS,
                                strlen(STORE_MIGRATION_REBUILDS)) == 0;
        if ((rebuilds && store_exec(s, "PRAGMA foreign_keys=OFF") != 0) ||
            store_exec(s, "BEGIN IMMEDIATE") != 0)
            return -1;
        /* Every migration bumps the schema cookie, so that other connections reread the
         * schema (needed after an in-place edit of a constraint, harmless otherwise). */
        int cookie = pragma_int(s, "PRAGMA schema_version");
        char bump_cookie[64];
        snprintf(bump_cookie, sizeof bump_cookie, "PRAGMA schema_version=%d;", cookie + 1);
        if (cookie < 0 || store_exec(s, store_migrations[v]) != 0 || store_exec(s, bump) != 0 ||
            store_exec(s, bump_cookie) != 0 || (rebuilds && foreign_keys_broken(s))) {
            store_exec(s, "ROLLBACK");
            if (rebuilds)
                store_exec(s, "PRAGMA foreign_keys=ON");
            return -1;
        }
        if (store_exec(s, "COMMIT") != 0 ||
            (rebuilds && store_exec(s, "PRAGMA foreign_keys=ON") != 0))
            return -1;
        log_event(LOG_INFO, "database migrated", "schema=%d", v + 1);
    }
    return latest;
}

int lite_backup(struct store *s, const char *path, char *err, size_t errsz)
{
    sqlite3 *dst;
    if (sqlite3_open(path, &dst) != SQLITE_OK) {
        snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
    if (!b) {
        snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return -1;
    }
    int rc;
    /* Copy in steps so a running server keeps writing between them. */
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
           rc == SQLITE_LOCKED)
        sqlite3_sleep(rc == SQLITE_OK ? 0 : 20);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, errsz, "%s: %s", path, sqlite3_errstr(rc));
        sqlite3_close(dst);
        return -1;
    }
    sqlite3_close(dst);
    return 0;
}
