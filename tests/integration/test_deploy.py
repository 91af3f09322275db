"""test_deploy.py - the files in deploy/ agree with the binary and with each other.

- deploy/catat.service's ExecStart, with the binary and configuration paths swapped for the
  build's binary and a copy of deploy/catat.example.ini, starts a server that answers /healthz
  and exits 0 on SIGTERM (within the unit's TimeoutStopSec);
- the example ini holds exactly the keys catat knows (`catat config --keys`), each documented
  with its real default, and the binary accepts it (an unknown key makes it exit with "unknown key");
- deploy/secrets.env.example names exactly the secret keys;
- nginx.conf's body limit and upstream, and the Dockerfile's CMD, match the ini and the unit.

Environment: CATAT_BIN (the catat binary), CATAT_SOURCE_DIR (the repository). Python 3 standard
library only.
"""
# catat-test-backends: sqlite -- it checks the files in deploy/ against each other and serves the
# example ini, whose database is its SQLite path; nothing here goes through harness.Catat.
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CATAT, SOURCE, free_port  # noqa: E402

DEPLOY = os.path.join(SOURCE, "deploy")


def read(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        return f.read()


def slurp(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def unit_directives(text):
    """{section: [(name, value), ...]} of a systemd unit file (no line continuations used)."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            out.setdefault(section, [])
            continue
        name, _, value = line.partition("=")
        out[section].append((name.strip(), value.strip()))
    return out


def directive(unit, section, name):
    values = [v for n, v in unit.get(section, []) if n == name]
    return values[-1] if values else None


def ini_entries(text):
    """[(section, key, value, comment_lines)] of an INI file, comments being those just above."""
    out, section, comments = [], None, []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            comments = []
        elif s[0] in "#;":
            comments.append(s.lstrip("#; ").rstrip())
        elif s.startswith("["):
            section, comments = s[1:s.index("]")], []
        else:
            key, _, value = s.partition("=")
            out.append((section, key.strip(), value.strip(), comments))
            comments = []
    return out


def ini_set(text, section, key, value):
    """text with `key = value` in [section] (the existing line replaced)."""
    lines, current, done = text.splitlines(), None, False
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("["):
            current = s[1:s.index("]")]
        elif current == section and s and s[0] not in "#;" and s.partition("=")[0].strip() == key:
            lines[i] = "%s = %s" % (key, value)
            done = True
    if not done:
        raise AssertionError("[%s] %s is not in the example ini" % (section, key))
    return "\n".join(lines) + "\n"


def config_table():
    """[(section, key, default, kind)] of every key catat knows (`catat config --keys`)."""
    out = subprocess.run([CATAT, "config", "--keys"], capture_output=True, text=True, check=True,
                         cwd=tempfile.gettempdir()).stdout
    rows = [tuple(line.split("\t")) for line in out.splitlines() if line]
    if len(rows) < 10 or any(len(r) != 4 for r in rows):
        raise AssertionError("catat config --keys printed no key table:\n" + out)
    return rows


def http_get(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_healthy(proc, url, deadline_s, log_path):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("catat serve exited %d before answering:\n%s"
                                 % (proc.returncode, slurp(log_path)))
        try:
            status, body = http_get(url + "/healthz", timeout=1)
            if status == 200:
                return json.loads(body)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError("no 200 from /healthz within %ss:\n%s" % (deadline_s, slurp(log_path)))


class ServiceUnit(unittest.TestCase):
    def setUp(self):
        self.unit = unit_directives(read("catat.service"))
        self.dir = tempfile.mkdtemp(prefix="catat-deploy-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_unit_settings(self):
        svc = dict(self.unit["Service"])
        for name, want in [("ExecStart", "/usr/local/bin/catat serve -c /etc/catat/catat.ini"),
                           ("WorkingDirectory", "/var/lib/catat"), ("StateDirectory", "catat"),
                           ("EnvironmentFile", "-/etc/catat/secrets.env"),
                           ("Restart", "on-failure"), ("KillSignal", "SIGTERM"),
                           ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                           ("CapabilityBoundingSet", ""), ("UMask", "0077")]:
            self.assertEqual(directive(self.unit, "Service", name), want, name)
        self.assertTrue(svc.get("User") or svc.get("DynamicUser") == "yes")
        self.assertIn("@system-service", [v for n, v in self.unit["Service"]
                                          if n == "SystemCallFilter"])

    def test_exec_start_serves_the_example_config(self):
        argv = shlex.split(directive(self.unit, "Service", "ExecStart"))
        self.assertIn("-c", argv)
        port = free_port()
        db = os.path.join(self.dir, "state", "catat.db")
        os.mkdir(os.path.dirname(db))
        ini = read("catat.example.ini")
        ini = ini_set(ini, "database", "path", db)
        ini = ini_set(ini, "server", "port", str(port))
        config = os.path.join(self.dir, "catat.ini")
        with open(config, "w") as f:
            f.write(ini)
        argv[0] = CATAT
        argv[argv.index("-c") + 1] = config
        env = {k: v for k, v in os.environ.items() if not k.startswith("CATAT_")}
        env["CATAT_LOG_LEVEL"] = "info"
        log_path = os.path.join(self.dir, "serve.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(argv, cwd=os.path.dirname(db), env=env, stdout=log,
                                    stderr=log)
        try:
            url = "http://127.0.0.1:%d" % port
            health = wait_healthy(proc, url, 20, log_path)
            self.assertEqual(health.get("status"), "ok")
            # The example is for a server: the unsigned console channel is off.
            self.assertEqual(http_get(url + "/webhook/console")[0], 404)
            self.assertTrue(os.path.exists(db), "the database is not at [database] path")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            stop = directive(self.unit, "Service", "TimeoutStopSec") or "30"
            try:
                rc = proc.wait(timeout=int(stop))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError("catat serve did not stop within TimeoutStopSec=%s" % stop)
        log = slurp(log_path)
        self.assertEqual(rc, 0, log)
        self.assertIn('msg="stopped"', log)

    def test_backup_units(self):
        svc = unit_directives(read("catat-backup.service"))
        timer = unit_directives(read("catat-backup.timer"))
        self.assertEqual(directive(svc, "Service", "Type"), "oneshot")
        self.assertEqual(directive(svc, "Service", "User"), directive(self.unit, "Service", "User"))
        self.assertTrue(directive(timer, "Timer", "OnCalendar"))
        self.assertTrue(os.access(os.path.join(DEPLOY, "catat-backup"), os.X_OK))


class ExampleConfig(unittest.TestCase):
    def setUp(self):
        self.table = config_table()
        self.entries = ini_entries(read("catat.example.ini"))
        self.dir = tempfile.mkdtemp(prefix="catat-deploy-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_same_keys_as_config_c(self):
        known = [(s, k) for s, k, _, _ in self.table]
        listed = [(s, k) for s, k, _, _ in self.entries]
        self.assertEqual(len(listed), len(set(listed)), "a key is listed twice")
        self.assertEqual(sorted(set(known) - set(listed)), [], "keys missing from the example")
        self.assertEqual(sorted(set(listed) - set(known)), [], "keys catat does not know")

    def test_each_key_documents_its_default(self):
        comments = {(s, k): (v, c) for s, k, v, c in self.entries}
        for section, key, default, kind in self.table:
            value, comment = comments[(section, key)]
            text = " ".join(comment)
            self.assertTrue(comment, "[%s] %s has no comment" % (section, key))
            m = re.search(r"Default: ([^\s;,]+)", text)
            self.assertTrue(m, "[%s] %s: no 'Default: ...' in its comment" % (section, key))
            self.assertEqual(m.group(1), default or "empty", "[%s] %s default" % (section, key))
            if kind == "secret":
                env = "CATAT_%s_%s" % (section.upper(), key.upper())
                self.assertIn("SECRET (%s)" % env, text)
                self.assertEqual(value, "", "[%s] %s: a secret in the example" % (section, key))

    def test_secrets_env_names_the_secret_keys(self):
        names = re.findall(r"^#?\s*(CATAT_[A-Z0-9_]+)=", read("secrets.env.example"), re.M)
        secrets = {"CATAT_%s_%s" % (s.upper(), k.upper()) for s, k, _, kind in self.table
                   if kind == "secret"}
        everything = {"CATAT_%s_%s" % (s.upper(), k.upper()) for s, k, _, _ in self.table}
        everything.add("CATAT_LOG_LEVEL")
        self.assertEqual(secrets - set(names), set(), "secrets missing from secrets.env.example")
        self.assertEqual(set(names) - everything, set(), "variables catat does not read")

    def run_serve(self, ini_text):
        """(None, log) when catat serve accepts ini_text and answers /healthz; else (exit, log)."""
        config = os.path.join(self.dir, "catat.ini")
        with open(config, "w") as f:
            f.write(ini_text)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CATAT_")}
        env["CATAT_DATABASE_PATH"] = os.path.join(self.dir, "catat.db")
        env["CATAT_SERVER_PORT"] = str(port)
        log_path = os.path.join(self.dir, "serve.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen([CATAT, "serve", "-c", config], cwd=self.dir, env=env,
                                    stdout=log, stderr=log)
        end = time.monotonic() + 20
        try:
            while time.monotonic() < end:
                if proc.poll() is not None:
                    return proc.returncode, slurp(log_path)
                try:
                    if http_get("http://127.0.0.1:%d/healthz" % port, timeout=1)[0] == 200:
                        return None, slurp(log_path)
                except OSError:
                    pass
                time.sleep(0.05)
            raise AssertionError("catat serve neither exited nor served:\n" + slurp(log_path))
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=30), 0)

    def test_binary_accepts_the_example_and_refuses_an_unknown_key(self):
        rc, err = self.run_serve(read("catat.example.ini"))
        self.assertIsNone(rc, "catat serve stopped on the example ini:\n%s" % err)
        rc, err = self.run_serve(read("catat.example.ini") + "\n[server]\nno_such_key = 1\n")
        self.assertIsNotNone(rc)
        self.assertNotEqual(rc, 0)
        self.assertIn("unknown key", err)


class Consistency(unittest.TestCase):
    def setUp(self):
        self.ini = {(s, k): v for s, k, v, _ in ini_entries(read("catat.example.ini"))}

    def test_nginx_matches_the_server(self):
        nginx = read("nginx.conf")
        size = re.search(r"client_max_body_size\s+(\d+)([kKmM]?);", nginx)
        self.assertTrue(size)
        n = int(size.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[size.group(2).lower()]
        self.assertEqual(n, int(self.ini[("server", "max_body_bytes")]))
        upstream = re.search(r"upstream catat \{\s*server ([\d.]+):(\d+);", nginx)
        self.assertTrue(upstream)
        self.assertEqual(upstream.group(1), self.ini[("server", "listen")])
        self.assertEqual(upstream.group(2), self.ini[("server", "port")])
        self.assertRegex(nginx, r"location = /metrics \{[^}]*allow 127\.0\.0\.1;[^}]*deny all;")
        self.assertRegex(nginx, r"location \^~ /webhook/console \{\s*return 404;")

    def test_dockerfile_runs_what_the_unit_runs(self):
        docker = read("Dockerfile")
        cmd = re.search(r"^CMD (\[.*\])$", docker, re.M)
        self.assertTrue(cmd)
        unit = unit_directives(read("catat.service"))
        argv = shlex.split(directive(unit, "Service", "ExecStart"))
        self.assertEqual(json.loads(cmd.group(1)), [os.path.basename(argv[0])] + argv[1:])
        self.assertRegex(docker, r"(?m)^VOLUME /var/lib/catat$")
        self.assertRegex(docker, r"(?m)^USER catat$")
        self.assertIn(self.ini[("database", "path")], "/var/lib/catat/catat.db")


if __name__ == "__main__":
    unittest.main(verbosity=2)
