/* test_schema.c - migrating a database of the last shipped schema (4) keeps every row and
 * reference: the people table rebuilt for shared handsets (schema 8), the entries' random
 * references still found once new entries take their references from their ids (schema 14). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refs.h"
#include "store.h"
#include "store_internal.h"

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void schema_4_database_migrates_keeping_people_and_references(void **state)
{
    (void)state;
    char path[] = "/tmp/catat-schema-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA foreign_keys=ON");
    for (int v = 0; v < 4; v++)
        exec_ok(db, store_migrations[v]);
    exec_ok(db, "PRAGMA user_version=4;"
                "INSERT INTO groups(id, code, created_at) VALUES(1, 'KPUK07', 0);"
                "INSERT INTO people(id, phone, name, group_id, role, code, created_at)"
                " VALUES(7, '+6281200000001', 'Siti', 1, 'member', 'A0101', 0),"
                " (9, '+6281200000003', 'Rina', 1, 'treasurer', 'T0001', 0);"
                "INSERT INTO loans(id, code, person_id, principal, instalment, instalments,"
                " frequency, first_due, created_at) VALUES(1, 'P1', 7, 300000, 100000, 3,"
                " 'weekly', '2027-01-04', 0);"
                "INSERT INTO entries(ref, person_id, group_id, kind, amount, status, created_at,"
                " recorded_by) VALUES('K7QX', 7, 1, 'repayment', 100000, 'reported', 0, 9);");
    /* A random reference made before that happens to be the code of id 3. */
    char code3[8];
    assert_int_equal(refs_encode(3, code3), 0);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO entries(id, ref, person_id, group_id, kind, amount, status, created_at)"
             " VALUES(2, '%s', 7, 1, 'sale', 5000, 'reported', 0)",
             code3);
    exec_ok(db, sql);
    sqlite3_close(db);

    char err[256];
    struct store *s = store_open(path, err, sizeof err);
    assert_non_null(s);
    int latest = 0;
    while (store_migrations[latest])
        latest++;
    assert_int_equal(store_schema_version(s), latest);
    struct store_person p;
    assert_int_equal(store_person_by_code(s, "A0101", &p), 1);
    assert_int_equal(p.id, 7);
    assert_string_equal(p.group_code, "KPUK07");
    struct store_loan l;
    assert_int_equal(store_loan_by_code(s, "P1", &l), 1);
    assert_int_equal(l.person_id, 7);
    /* A second member on Siti's phone is now allowed. */
    int64_t id = store_person_add(s, "+6281200000001", "console", 5);
    assert_true(id > 9);
    struct store_person on_phone[4];
    assert_int_equal(store_people_by_phone(s, "+6281200000001", on_phone, 4), 1); /* unregistered */
    assert_int_equal(store_person_register(s, id, "Tutik", 1), 0);
    assert_int_equal(store_people_by_phone(s, "+6281200000001", on_phone, 4), 2);
    assert_int_equal(on_phone[0].id, 7);
    /* The old references are found; a new entry skips id 3, whose code an old one holds. */
    struct store_entry e;
    assert_int_equal(store_entry_by_ref(s, "K7QX", &e), 1);
    assert_int_equal(e.id, 1);
    assert_int_equal(store_entry_by_ref(s, code3, &e), 1);
    assert_int_equal(e.id, 2);
    char code1[8];
    assert_int_equal(refs_encode(1, code1), 0);
    assert_int_equal(store_entry_by_ref(s, code1, &e), 0); /* id 1 has K7QX */
    struct store_entry sale = {
        .person_id = 7, .group_id = 1, .kind = "sale", .amount = 20000, .status = "reported"};
    assert_int_equal(store_entry_add(s, &sale), 4);
    char code4[8];
    assert_int_equal(refs_encode(4, code4), 0);
    assert_string_equal(sale.ref, code4);
    assert_int_equal(store_entry_by_ref(s, code4, &e), 1);
    assert_int_equal(e.id, 4);
    assert_int_equal(e.amount, 20000);
    struct store_entry next = sale;
    assert_int_equal(store_entry_add(s, &next), 5);
    store_close(s);

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(one_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    exec_ok(db, "PRAGMA foreign_keys=ON");
    /* References are still enforced against the rebuilt table. */
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO loans(code, person_id, principal, instalment,"
                                      " instalments, frequency, first_due, created_at)"
                                      " VALUES('P9', 999, 1, 1, 1, 'weekly', '2027-01-04', 0)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(one_int(db, "SELECT count(*) FROM entries WHERE person_id = 7"
                                 " AND recorded_by = 9"),
                     1);
    assert_int_equal(one_int(db, "SELECT count(*) FROM entries WHERE random_ref = 1"), 2);
    assert_int_equal(one_int(db, "SELECT count(*) FROM entries"), 4);
    assert_int_equal(one_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'people_new'"),
                     0);
    assert_int_equal(one_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                                 " AND name IN ('people_group', 'people_phone')"),
                     2);
    sqlite3_close(db);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_4_database_migrates_keeping_people_and_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
