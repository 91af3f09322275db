"""catat db copy --to URL: a programme kept in SQLite moved into PostgreSQL. The SQLite side is
filled through catat itself (imports, members' messages, a treasurer's confirmation, an unknown
sender), copied into an empty PostgreSQL database of the test cluster, and then:

- every table has as many rows on both sides, counted here with sqlite3 and psycopg2, and the
  books' rows are the same rows;
- catat on the copy exports the same ledger, and new messages get new ids (the sequences go on
  after the copied ids);
- a copy into a database that is not empty, or to a server that is not there, fails and says
  why, leaving the target as it was.

PostgreSQL only: the target is the test cluster's (the source is a SQLite file either way).
"""
# catat-test-backends: postgresql -- the copy goes into the test cluster's PostgreSQL.
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, pg_create_database, pg_sql, pg_url, run_tests  # noqa: E402

SITI, ANI, RINA, STRANGER = "+6281200000001", "+6281200000002", "+6281200000003", "+6281299999999"


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def on_database(c, target):
    """Points Catat c at target: a SQLite file's path, or a PostgreSQL URL."""
    with open(c.config) as f:
        lines = [ln for ln in f.read().splitlines() if not ln.startswith("url =")]
    out = []
    for ln in lines:
        out.append(ln)
        if ln.strip() == "[database]" and target.startswith("postgresql:"):
            out.append("url = " + target)
    with open(c.config, "w") as f:
        f.write("\n".join(out) + "\n")


def sqlite_rows(path, query):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def filled_sqlite_programme():
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    on_database(c, c.db)
    c.run("import", "groups", write(c, "groups.csv", "code,name,network,district,timezone\n"
                                    "KPUK07,Mawar,JARPUK1,Blitar,+07:00\n"))
    c.run("import", "members", write(c, "members.csv", "phone,name,group,role,code\n"
                                     "081200000001,Siti Aminah,KPUK07,member,A0101\n"
                                     "081200000002,Ani,KPUK07,member,A0102\n"
                                     "081200000003,Rina,KPUK07,treasurer,T0001\n"))
    c.run("import", "loans", write(c, "loans.csv", "code,phone,principal,instalment,instalments,"
                                   "frequency,first_due\n"
                                   "P12,081200000001,600000,165000,4,weekly,2026-12-10\n"))
    c.start()
    texts = [(SITI, "JUAL 25000 abon"), (SITI, "TABUNG 10000"), (ANI, "JUAL 40000 tempe"),
             (ANI, "BELI 12000 kedelai"), (SITI, "BAYAR 165000 P12"), (STRANGER, "halo")]
    for i, (phone, text) in enumerate(texts):
        s, ans = c.console(phone, text, msg_id="m%d" % i)
        assert s == 200, (s, ans)
    refs = [r[0] for r in sqlite_rows(c.db, "SELECT ref FROM entries WHERE status = 'reported'"
                                      " ORDER BY id")]
    assert refs, "members' savings and repayments wait for the treasurer"
    s, ans = c.console(RINA, "KONFIRM " + refs[0], msg_id="k1")
    assert s == 200, (s, ans)
    c.stop()
    c.sent = len(texts) + 1
    return c


def tables_of(path):
    return [r[0] for r in sqlite_rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                      " AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def test_copy_into_postgresql_keeps_every_row_and_goes_on():
    src = filled_sqlite_programme()
    name = pg_create_database()
    url = pg_url(name)
    p = src.run("db", "copy", "--to", url)
    assert "copied" in p.stdout, p.stdout
    tables = tables_of(src.db)
    assert "entries" in tables and "outbox" in tables, tables
    for t in tables:
        a = sqlite_rows(src.db, "SELECT count(*) FROM %s" % t)[0][0]
        b = pg_sql(name, "SELECT count(*) FROM %s" % t)[0][0]
        assert a == b, (t, a, b)
        assert ("%s " % t) in p.stdout, (t, p.stdout)  # the report names every table
    assert sqlite_rows(src.db, "SELECT count(*) FROM messages")[0][0] == src.sent
    books = "SELECT id, ref, kind, amount, status, person_id, coalesce(loan_id, 0) FROM entries" \
            " ORDER BY id"
    assert [tuple(r) for r in sqlite_rows(src.db, books)] == pg_sql(name, books)
    assert pg_sql(name, "SELECT count(*) FROM entries WHERE status = 'confirmed'")[0][0] >= 1

    dst = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    on_database(dst, url)
    ledger = json.loads(src.run("export", "ledger", "--format", "json").stdout)
    assert json.loads(dst.run("export", "ledger", "--format", "json").stdout) == ledger
    assert len(ledger) == len(pg_sql(name, "SELECT id FROM entries"))

    # New rows after the copied ones: no id is handed out twice.
    dst.start()
    before = pg_sql(name, "SELECT max(id) FROM entries")[0][0]
    s, ans = dst.console(ANI, "JUAL 31000 tempe", msg_id="after-copy")
    assert s == 200, (s, ans)
    assert pg_sql(name, "SELECT max(id) FROM entries")[0][0] == before + 1
    assert pg_sql(name, "SELECT amount FROM entries WHERE id = %d" % (before + 1)) == [(31000,)]
    dst.stop()

    # Again into the same database: refused, nothing added.
    n = pg_sql(name, "SELECT count(*) FROM messages")[0][0]
    p = src.run("db", "copy", "--to", url, check=False)
    assert p.returncode == 1 and "not empty" in p.stderr, (p.returncode, p.stderr)
    assert pg_sql(name, "SELECT count(*) FROM messages")[0][0] == n


def test_copy_to_a_server_that_is_not_there_fails():
    c = Catat()
    on_database(c, c.db)
    p = c.run("db", "copy", "--to", "postgresql:///nowhere?host=/nonexistent", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "catat db copy" in p.stderr and "PostgreSQL" in p.stderr, p.stderr
    p = c.run("db", "copy", check=False)
    assert p.returncode == 2 and "usage" in p.stderr, p.stderr


if __name__ == "__main__":
    run_tests([test_copy_into_postgresql_keeps_every_row_and_goes_on,
               test_copy_to_a_server_that_is_not_there_fails])
