"""harness.py - start the real catat binary on loopback for integration tests.

Each test gets a temporary directory with its own database and configuration, a free port, and
a server that is stopped (SIGTERM, exit status checked) when the test ends.

The database is a SQLite file in that directory, or with CATAT_TEST_BACKEND=postgresql a fresh
database (CREATE DATABASE catat_<random>) in the PostgreSQL cluster whose Unix socket directory
is CATAT_TEST_PG_HOST, as CATAT_TEST_PG_USER (tests/run.sh starts one with tests/pg_cluster.sh).
Without those variables a PostgreSQL run fails at once: a test that skipped itself would pass
in CI without PostgreSQL. Catat.sql() runs a query on whichever database it is, so the tests'
SQL must be what both dialects understand.
"""
import atexit
import decimal
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CATAT = os.environ.get("CATAT_BIN", "build/catat")
SOURCE = os.environ.get("CATAT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BACKEND = os.environ.get("CATAT_TEST_BACKEND", "sqlite")
PG_HOST = os.environ.get("CATAT_TEST_PG_HOST", "")
PG_USER = os.environ.get("CATAT_TEST_PG_USER", "")
PG_BINDIR = os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin")

# Servers started and not yet stopped: killed when the test script ends, so that a test that
# fails half-way leaves no catat serve running behind it.
_RUNNING = set()


@atexit.register
def _kill_left_running():
    for proc in list(_RUNNING):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def debian_python_or_fail(package):
    """After an ImportError of one of Debian's python3-* packages (installed for Debian's
    /usr/bin/python3, while ctest may run another python): runs this script again under
    /usr/bin/python3, once; or fails, naming the package to install."""
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("CATAT_REEXEC"):
        os.environ["CATAT_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise SystemExit("%s is not installed: run deploy/install-deps.sh" % package)


if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit("harness: CATAT_TEST_BACKEND must be sqlite or postgresql, not %r" % BACKEND)
if BACKEND == "postgresql":
    if not PG_HOST or not PG_USER:
        raise SystemExit("harness: CATAT_TEST_BACKEND=postgresql but CATAT_TEST_PG_HOST and "
                         "CATAT_TEST_PG_USER are not set: run the suite with tests/run.sh, which "
                         "starts a private cluster (tests/pg_cluster.sh start DIR; see "
                         "tests/pg_cluster.sh env DIR)")
    try:
        import psycopg2
    except ImportError:
        debian_python_or_fail("python3-psycopg2")


def pg_connect(dbname="postgres"):
    """A psycopg2 connection (autocommit) to dbname in the test cluster."""
    con = psycopg2.connect(host=PG_HOST, user=PG_USER, dbname=dbname, connect_timeout=10)
    con.autocommit = True
    return con


def pg_url(dbname):
    """The libpq URI catat is given for dbname in the test cluster."""
    return "postgresql:///%s?host=%s&user=%s" % (dbname, urllib.parse.quote(PG_HOST, safe="/"),
                                                urllib.parse.quote(PG_USER, safe=""))


def pg_sql(dbname, query, *params):
    """Catat.sql() on database dbname of the test cluster."""
    con = pg_connect(dbname)
    try:
        cur = con.cursor()
        cur.execute(pg_placeholders(query), params)
        rows = cur.fetchall() if cur.description is not None else []
        return [tuple(pg_value(v) for v in r) for r in rows]
    finally:
        con.close()


def pg_restore(path):
    """Restores the pg_dump custom-format file path (what `catat db backup` writes on
    PostgreSQL) into a new database of the test cluster with pg_restore; returns its name."""
    name = pg_create_database()
    p = subprocess.run([os.path.join(PG_BINDIR, "pg_restore"), "--exit-on-error", "--no-owner",
                        "-h", PG_HOST, "-U", PG_USER, "-d", name, path],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("pg_restore %s failed (%d): %s" % (path, p.returncode, p.stderr))
    return name


def table_names(database):
    """The sorted table names of database: a SQLite file's path, or a PostgreSQL database name
    in the test cluster when the backend is postgresql."""
    if BACKEND == "postgresql":
        rows = pg_sql(database, "SELECT table_name FROM information_schema.tables"
                      " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    else:
        con = sqlite3.connect(database, timeout=10)
        try:
            rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                               " AND name NOT LIKE 'sqlite_%'").fetchall()
        finally:
            con.close()
    return sorted(r[0] for r in rows)


def pg_create_database():
    """Creates an empty database catat_<random> in the test cluster; returns its name."""
    name = "catat_" + secrets.token_hex(6)
    con = pg_connect()
    try:
        con.cursor().execute("CREATE DATABASE " + name)
    finally:
        con.close()
    return name


def pg_placeholders(query):
    """query with sqlite3's ? placeholders as psycopg2's %s, and every literal % doubled (quoted
    strings and identifiers are copied, apart from the doubling)."""
    out, quote = [], None
    for ch in query:
        if ch == "%":
            out.append("%%")
        elif quote:
            out.append(ch)
            if ch == quote:
                quote = None  # a doubled quote closes and reopens: the same text comes out
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


def pg_value(v):
    """A value as sqlite3 would give it: integral numerics as int, others as float, booleans as
    0 or 1, bytea as bytes."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, memoryview):
        return v.tobytes()
    return v


_PORTS_GIVEN = set()


def free_port():
    """A free loopback port, never one this process was given before (the kernel may hand out
    the same one twice in a row once it is closed)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port


class Catat:
    """A catat installation in a temporary directory: config, database, and a server."""

    def __init__(self, ini="", env=None, share_database_of=None):
        """ini is appended to the configuration, env to the environment. share_database_of (a
        Catat, PostgreSQL only) makes this installation use that one's database: two instances
        on one database."""
        self.dir = tempfile.mkdtemp(prefix="catat-test-")
        self.port = free_port()
        self.db = os.path.join(self.dir, "catat.db")
        self.config = os.path.join(self.dir, "catat.ini")
        self.backend = BACKEND
        self.pg_database = None
        database = "[database]\npath = %s\n" % self.db
        if BACKEND == "postgresql":
            if share_database_of is not None:
                self.pg_database = share_database_of.pg_database
            else:
                self.pg_database = pg_create_database()
            self.database_url = pg_url(self.pg_database)
            database += "url = %s\n" % self.database_url
        elif share_database_of is not None:
            raise AssertionError("share_database_of needs CATAT_TEST_BACKEND=postgresql")
        with open(self.config, "w") as f:
            f.write("[server]\nport = %d\ntemplates = %s\n%s"
                    % (self.port, os.path.join(SOURCE, "templates"), database))
            f.write(ini)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.url = "http://127.0.0.1:%d" % self.port

    # -- the command line --
    def run(self, *args, input=None, check=True):
        """Runs `catat ARGS -c config`; returns the CompletedProcess (text mode)."""
        p = subprocess.run([CATAT, args[0], "-c", self.config, *args[1:]], input=input, capture_output=True,
                           text=True, env=self.env, cwd=self.dir, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("catat %s failed (%d): %s%s"
                                 % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    # -- the server --
    def start(self, deadline=15):
        self.log = open(os.path.join(self.dir, "serve.log"), "a")
        self.proc = subprocess.Popen([CATAT, "serve", "-c", self.config], stdout=self.log,
                                     stderr=self.log, env=self.env, cwd=self.dir)
        _RUNNING.add(self.proc)
        end = time.time() + deadline
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("catat serve exited %d:\n%s" % (self.proc.returncode,
                                                                      self.read_log()))
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("catat serve did not answer /healthz in %ds" % deadline)

    def stop(self, sig=signal.SIGTERM, expect=0):
        if not self.proc:
            return None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=30)
        _RUNNING.discard(self.proc)
        self.proc = None
        self.log.close()
        if expect is not None and rc != expect:
            raise AssertionError("catat serve exited %d, expected %d:\n%s"
                                 % (rc, expect, self.read_log()))
        return rc

    def kill(self):
        """kill -9: no chance to clean up."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        _RUNNING.discard(self.proc)
        self.proc = None
        self.log.close()

    def read_log(self):
        with open(os.path.join(self.dir, "serve.log")) as f:
            return f.read()

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes); never raises on HTTP errors."""
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path):
        s, _, b = self.request("GET", path)
        return s, b

    def console(self, phone, text, msg_id=None):
        """Posts one console message; returns (status, parsed JSON answer)."""
        body = {"from": phone, "text": text}
        if msg_id is not None:
            body["id"] = msg_id
        s, _, b = self.request("POST", "/webhook/console", json.dumps(body),
                               {"Content-Type": "application/json"})
        return s, json.loads(b) if b else None

    # -- the database --
    def sql(self, query, *params):
        """Runs one statement with ? placeholders on the database and commits; returns the rows
        as a list of tuples (empty for statements without rows), the same on both backends."""
        if self.backend == "postgresql":
            return pg_sql(self.pg_database, query, *params)
        con = sqlite3.connect(self.db, timeout=10)
        try:
            rows = con.execute(query, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def tables(self):
        """The names of catat's tables in the database, sorted."""
        return table_names(self.pg_database if self.backend == "postgresql" else self.db)

    def wait_for(self, predicate, deadline=30, what="condition"):
        end = time.time() + deadline
        while time.time() < end:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError("timed out waiting for " + what)


def run_tests(tests):
    """Runs each test function; prints a line per test; exits 1 when any failed."""
    import sys
    import traceback
    failed = 0
    for t in tests:
        try:
            t()
            print("ok   " + t.__name__)
        except Exception:
            failed += 1
            print("FAIL " + t.__name__)
            traceback.print_exc()
        sys.stdout.flush()
    sys.exit(1 if failed else 0)
