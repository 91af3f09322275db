"""test_backup.py - `catat db backup` copies a database that is being written, consistently.

A thread keeps posting messages to POST /webhook/console while `catat db backup FILE` runs a few
times; every copy must be sound and hold the messages table with rows (and never more rows than
were acknowledged by then). A backup taken after the server stopped holds every table with as
many rows as the live database. Then deploy/catat-backup, the wrapper that the daily timer runs,
must name its file by date and keep only the newest CATAT_BACKUP_KEEP.

On SQLite a copy is a database file, checked with PRAGMA integrity_check. On PostgreSQL
(CATAT_TEST_BACKEND=postgresql) it is a pg_dump custom-format file: each is restored with
pg_restore into a new database of the test cluster, and that database is what is counted.

Environment: CATAT_BIN (the catat binary), CATAT_SOURCE_DIR (the repository), and harness.py's
CATAT_TEST_BACKEND, CATAT_TEST_PG_HOST, CATAT_TEST_PG_USER.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BACKEND, CATAT, SOURCE, Catat  # noqa: E402

WRAPPER = os.path.join(SOURCE, "deploy", "catat-backup")


def slurp(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def post_console(url, phone, text, msg_id):
    body = json.dumps({"from": phone, "text": text, "id": msg_id}).encode()
    req = urllib.request.Request(url + "/webhook/console", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read())


class Writer(threading.Thread):
    """Posts messages until stopped; counts those acknowledged with 200."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.acked = 0
        self.errors = []

    def run(self):
        n = 0
        while not self.stop_event.is_set():
            n += 1
            phone = "0812%08d" % (n % 7)
            try:
                status, _ = post_console(self.url, phone, "JUAL 45rb abon", "backup-%d" % n)
            except (OSError, ValueError) as e:
                self.errors.append("message %d: %r" % (n, e))
                if len(self.errors) > 20:
                    return
                continue
            if status == 200:
                with self.lock:
                    self.acked += 1
            else:
                self.errors.append("message %d: HTTP %d" % (n, status))

    def count(self):
        with self.lock:
            return self.acked

    def wait_for(self, n, deadline_s=30):
        end = time.monotonic() + deadline_s
        while self.count() < n:
            if time.monotonic() > end or not self.is_alive():
                raise AssertionError("only %d of %d messages acknowledged; errors: %s"
                                     % (self.count(), n, self.errors[:5]))
            time.sleep(0.01)


def copy_counts(test, path):
    """Asserts path is a sound backup (a SQLite file passing integrity_check, or a pg_dump file
    that pg_restore restores); returns {table: rows} of what it holds."""
    if BACKEND == "postgresql":
        restored = harness.pg_restore(path)
        return {t: harness.pg_sql(restored, "SELECT count(*) FROM " + t)[0][0]
                for t in harness.table_names(restored)}
    con = sqlite3.connect(path)
    try:
        test.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)], path)
        return {t: con.execute("SELECT count(*) FROM " + t).fetchone()[0]
                for t in harness.table_names(path)}
    finally:
        con.close()


def check_copy(test, path):
    """Asserts path is a sound backup with the messages table; returns its number of rows."""
    counts = copy_counts(test, path)
    test.assertIn("messages", counts, path)
    return counts["messages"]


class OnlineBackup(unittest.TestCase):
    def setUp(self):
        self.server = Catat()
        self.dir = self.server.dir
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_backups_while_messages_arrive(self):
        self.server.start()
        writer = Writer(self.server.url)
        writer.start()
        copies = []
        try:
            for i in range(4):
                writer.wait_for(25 * (i + 1))  # rows exist, and more keep coming
                path = os.path.join(self.dir, "backups", "copy-%d.db" % i)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                p = self.server.run("db", "backup", path, check=False)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("backed up to", p.stdout)
                copies.append((path, writer.count()))
        finally:
            writer.stop_event.set()
            writer.join(timeout=30)
            rc = self.server.stop(expect=None)
        self.assertEqual(rc, 0, self.server.read_log())
        self.assertEqual(writer.errors, [])
        previous = 0
        for path, acked_after in copies:
            rows = check_copy(self, path)
            self.assertGreater(rows, 0, path)
            # Rows come only from acknowledged posts, plus the one in flight.
            self.assertLessEqual(rows, acked_after + 1, "a copy has unacknowledged messages")
            self.assertGreaterEqual(rows, previous, "a later copy has fewer messages")
            previous = rows
        # Every acknowledged message is in the live database after a clean stop.
        inbound = self.server.sql("SELECT count(*) FROM messages")[0][0]
        self.assertGreaterEqual(inbound, writer.count())
        self.assertGreaterEqual(inbound, previous)
        # A backup of the stopped database holds every table, row for row.
        final = os.path.join(self.dir, "backups", "final.db")
        p = self.server.run("db", "backup", final, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        live = {t: self.server.sql("SELECT count(*) FROM " + t)[0][0]
                for t in self.server.tables()}
        self.assertIn("outbox", live)
        self.assertEqual(live["messages"], inbound)
        self.assertEqual(copy_counts(self, final), live)

    def test_backup_to_an_unwritable_place_fails(self):
        p = self.server.run("db", "backup", os.path.join(self.dir, "no", "such", "dir", "x.db"),
                            check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.strip())


class BackupWrapper(unittest.TestCase):
    def setUp(self):
        self.server = Catat()
        self.dir = self.server.dir
        self.addCleanup(shutil.rmtree, self.dir, True)
        # A database with a message in it, written by the real pipeline.
        self.server.start()
        try:
            status, _ = post_console(self.server.url, "081234567890", "JUAL 45rb abon", "w-1")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(self.server.stop(expect=None), 0, self.server.read_log())

    def run_wrapper(self, backups, keep):
        env = dict(self.server.env, CATAT_BIN=CATAT, CATAT_CONFIG=self.server.config,
                   CATAT_BACKUP_KEEP=str(keep))
        return subprocess.run(["/bin/sh", WRAPPER, backups], cwd=self.dir, env=env,
                              capture_output=True, text=True, timeout=120)

    def test_names_by_date_and_keeps_the_newest(self):
        backups = os.path.join(self.dir, "backups")
        os.makedirs(backups)
        # Twenty older backups (2001-01-01 .. 2001-01-20) and a file that is not a backup.
        for day in range(1, 21):
            with open(os.path.join(backups, "catat-200101%02d.db" % day), "w") as f:
                f.write("old")
        with open(os.path.join(backups, "notes.txt"), "w") as f:
            f.write("keep me")
        p = self.run_wrapper(backups, 14)
        self.assertEqual(p.returncode, 0, p.stderr)
        today = "catat-%s.db" % time.strftime("%Y%m%d")
        names = sorted(n for n in os.listdir(backups) if re.fullmatch(r"catat-\d{8}\.db", n))
        self.assertEqual(len(names), 14, names)
        self.assertIn(today, names)
        self.assertEqual(names[0], "catat-20010108.db")  # the 13 newest old ones survive
        self.assertIn("notes.txt", os.listdir(backups))
        self.assertEqual([n for n in os.listdir(backups) if n.startswith(".")], [])
        self.assertEqual(check_copy(self, os.path.join(backups, today)), 1)

        # Again on the same day: that day's file is replaced, nothing else goes.
        p = self.run_wrapper(backups, 14)
        self.assertEqual(p.returncode, 0, p.stderr)
        again = sorted(n for n in os.listdir(backups) if re.fullmatch(r"catat-\d{8}\.db", n))
        self.assertEqual(again, names)

        # Fewer kept: only the newest remain, today's first.
        p = self.run_wrapper(backups, 3)
        self.assertEqual(p.returncode, 0, p.stderr)
        kept = sorted(n for n in os.listdir(backups) if re.fullmatch(r"catat-\d{8}\.db", n))
        self.assertEqual(kept, ["catat-20010119.db", "catat-20010120.db", today])

    def test_failed_backup_leaves_no_file_and_fails(self):
        backups = os.path.join(self.dir, "backups")
        env = dict(self.server.env, CATAT_BIN=CATAT,
                   CATAT_CONFIG=os.path.join(self.dir, "missing.ini"))
        p = subprocess.run(["/bin/sh", WRAPPER, backups], cwd=self.dir, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(os.listdir(backups) if os.path.isdir(backups) else [], [])

    def test_bad_keep_is_refused(self):
        p = self.run_wrapper(os.path.join(self.dir, "backups"), "x")
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
