"""harness.py - start the real catat binary on loopback for integration tests.

Each test gets a temporary directory with its own SQLite file and configuration, a free port,
and a server that is stopped (SIGTERM, exit status checked) when the test ends.
"""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CATAT = os.environ.get("CATAT_BIN", "build/catat")
SOURCE = os.environ.get("CATAT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Catat:
    """A catat installation in a temporary directory: config, database, and a server."""

    def __init__(self, ini="", env=None):
        self.dir = tempfile.mkdtemp(prefix="catat-test-")
        self.port = free_port()
        self.db = os.path.join(self.dir, "catat.db")
        self.config = os.path.join(self.dir, "catat.ini")
        with open(self.config, "w") as f:
            f.write("[server]\nport = %d\ntemplates = %s\n[database]\npath = %s\n"
                    % (self.port, os.path.join(SOURCE, "templates"), self.db))
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
        con = sqlite3.connect(self.db, timeout=10)
        try:
            rows = con.execute(query, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

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
