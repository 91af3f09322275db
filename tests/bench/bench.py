#!/usr/bin/env python3
"""bench.py - throughput, latency and memory of catat serve under wrk, against baselines measured
in the same run on the same machine:

  http ceiling     bench_http_baseline: libmicrohttpd answering 200, nothing else
  durable ceiling  bench_durable_baseline: one row per request, synchronous=FULL, group commit
  pg ceiling       bench_pg_baseline (--postgres): one row per request in PostgreSQL, group
                   commit, each answer after its COMMIT (synchronous_commit on)

catat is loaded with signed WhatsApp Cloud API webhooks (a unique message id each, from
--members registered members (20,000 by default) writing sales, each of a member's messages
another amount: the same sale again within ten minutes would be asked about, not recorded) and
with Kannel GET requests, and then at about 1,000 messages per second for latency at a realistic
load. Replies go out through the outbox to a local fake Graph API at a provider-like rate.

With --postgres the script also starts a private PostgreSQL cluster in a temporary directory
(initdb as an unprivileged user: the system user catat-test, created when run as root; a Unix
socket in that directory only; fsync on; stopped and removed at the end) and measures, in every
round, the pg ceiling, catat on PostgreSQL ([database] url, a fresh database per run) with one
instance, and two catat serve instances on the same database with the load split between them
(two wrk processes, one per instance, each half the connections; the rates summed). PostgreSQL
rows are compared with the pg ceiling of the same round, SQLite rows with the durable ceiling.

Usage: tests/bench/bench.py [--build DIR] [--seconds N] [--connections N] [--members N]
                            [--rounds N] [--postgres] [--only NAME,...] [--catat BIN]
The runs are repeated --rounds times, interleaved (the ceilings' fsync-bound figures vary from
minute to minute on a virtual machine), and the medians reported with each round's own table.
--only keeps the runs whose names contain one of the words (--only ceiling: the baselines).
Needs wrk (deploy/install-deps.sh installs it, and postgresql for --postgres) and a Release build
(cmake -S . -B build).
"""
import argparse
import hashlib
import hmac
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
SECRET = "bench-app-secret"
MEMBERS = 20000  # --members; each sends a few messages a run, as real members would


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, deadline=20, proc=None):
    end = time.time() + deadline
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise SystemExit("exited before answering " + url)
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("no answer from " + url)


def phone(i):
    return "6281%08d" % (i % MEMBERS)


def whatsapp_body(i):
    body = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881",
                               "phone_number_id": "106540352242922"},
                  "contacts": [{"profile": {"name": "Ibu Anggota"}, "wa_id": phone(i)}],
                  "messages": [{"from": phone(i), "id": "wamid.BENCH%09d" % i,
                                "timestamp": "1749416383", "type": "text",
                                "text": {"body": "JUAL %drb abon ikan 3 bks"
                                         % (10 + (i // MEMBERS) % 900)}}]},
        "field": "messages"}]}]}
    return json.dumps(body, separators=(",", ":"))


def write_whatsapp_script(tmp, n):
    """Pre-signs n bodies (wrk's Lua has no HMAC) and writes a wrk script that cycles them."""
    data = os.path.join(tmp, "wa.tsv")
    with open(data, "w") as f:
        for i in range(n):
            b = whatsapp_body(i)
            sig = hmac.new(SECRET.encode(), b.encode(), hashlib.sha256).hexdigest()
            f.write("sha256=%s\t%s\n" % (sig, b))
    script = os.path.join(tmp, "wa.lua")
    with open(script, "w") as f:
        f.write("""
local entries, i = {}, 0
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local stride = tonumber(os.getenv("BENCH_STRIDE") or "1")
for line in io.lines("%s") do
  local tab = line:find("\\t")
  entries[#entries + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
end
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
request = function()
  i = i + 1
  local e = entries[((i - 1) * stride + offset) %% #entries + 1]
  return wrk.format("POST", "/webhook/whatsapp", {["Content-Type"] = "application/json",
                    ["X-Hub-Signature-256"] = e[1]}, e[2])
end
if delay_ms > 0 then delay = function() return delay_ms end end
""" % data)
    return script


def write_kannel_script(tmp):
    script = os.path.join(tmp, "kannel.lua")
    with open(script, "w") as f:
        f.write("""
local i = 0
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local stride = tonumber(os.getenv("BENCH_STRIDE") or "1")
request = function()
  i = (i == 0) and (offset + 1) or (i + stride)
  return wrk.format("GET", string.format(
    "/webhook/kannel?from=%%%%2B6281%%08d&to=1234&id=k%%d&smsc=modem&ts=1749416383&secret=s3&text=JUAL+%%drb+abon",
    i %% %d, i, 10 + math.floor(i / %d) %% 900))
end
""" % (MEMBERS, MEMBERS))
    return script


def wrk_command(script, url, seconds, connections):
    cmd = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", script, url]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "1"] + cmd
    return cmd


def wrk_figures(out):
    def lat(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, out, re.M)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": lat("50"), "p99": lat("99"), "requests": total,
            "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def run_wrk(script, urls, seconds, connections, env=None):
    """wrk against one server, or against several at once (one wrk process each, the connections
    shared out, each sending every len(urls)-th message so none is sent twice): the rates and
    counts summed, the latency percentiles the worst of the processes."""
    if isinstance(urls, str):
        urls = [urls]
    procs = []
    for k, url in enumerate(urls):
        e = {**os.environ, **(env or {}), "BENCH_OFFSET": str(k), "BENCH_STRIDE": str(len(urls))}
        procs.append(subprocess.Popen(
            wrk_command(script, url, seconds, max(1, connections // len(urls))),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e))
    runs = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit("wrk failed (%d): %s" % (p.returncode, err))
        runs.append(wrk_figures(out))
    if len(runs) == 1:
        return runs[0]
    return {"rps": sum(r["rps"] for r in runs), "p50": max(r["p50"] for r in runs),
            "p99": max(r["p99"] for r in runs), "requests": sum(r["requests"] for r in runs),
            "non2xx": sum(r["non2xx"] for r in runs),
            "socket_errors": "; ".join(r["socket_errors"] for r in runs if r["socket_errors"])}


class Server:
    def __init__(self, cmd, url, env=None, cwd=None, log=None):
        self.log = log or os.devnull
        with open(self.log, "w") as f:
            self.proc = subprocess.Popen(cmd, stdout=f, stderr=f, cwd=cwd,
                                         env={**os.environ, **(env or {})})
        try:
            wait_http(url, proc=self.proc)
        except SystemExit as e:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            tail = ""
            if log:
                with open(log, errors="replace") as f:
                    tail = ":\n" + "".join(f.readlines()[-20:])
            raise SystemExit("%s: %s (exit %s)%s" % (os.path.basename(cmd[0]), e,
                                                     self.proc.returncode, tail))

    def peak_rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def catat_config(tmp, port, graph_port, database, name="catat.ini"):
    """The ini of one catat serve; database is an SQLite file or a postgresql:// URL."""
    ini = os.path.join(tmp, name)
    key = "url" if database.startswith("postgresql:") else "path"
    with open(ini, "w") as f:
        f.write("""[server]
port = %d
templates = %s
replies_per_hour = 0
[database]
%s = %s
[outbox]
rate_per_second = 80
[whatsapp]
enabled = true
api_base = http://127.0.0.1:%d/v21.0
phone_number_id = 106540352242922
access_token = bench-token
app_secret = %s
verify_token = bench-verify
[kannel]
enabled = true
sendsms_url = http://127.0.0.1:%d/cgi-bin/sendsms
username = u
password = p
secret = s3
""" % (port, os.path.join(SOURCE, "templates"), key, database, graph_port, SECRET, graph_port))
    return ini


def catat_run(catat, args, what):
    """Runs a catat command; stops the benchmark with catat's own words when it fails."""
    p = subprocess.run([catat] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("catat %s failed (exit %d) %s:\n%s%s" % (
            " ".join(args[:2]), p.returncode, what, p.stdout, p.stderr))
    return p


def prepare_members(catat, ini, tmp, database):
    """Registers MEMBERS members in one group so that every message is a real sale, with catat's
    own commands (db migrate, import groups, import members), on SQLite or PostgreSQL alike."""
    what = "on " + database
    catat_run(catat, ["db", "migrate", "-c", ini], what)
    groups = os.path.join(tmp, "groups.csv")
    with open(groups, "w") as f:
        f.write("code,name\nKPUK07,Mawar\n")
    members = os.path.join(tmp, "members.csv")
    with open(members, "w") as f:
        f.write("phone,name,group,code\n")
        for i in range(MEMBERS):
            f.write("+%s,Ibu,KPUK07,A%05d\n" % (phone(i), i))
    catat_run(catat, ["import", "groups", groups, "-c", ini], what)
    catat_run(catat, ["import", "members", members, "-c", ini], what)


def pg_bindir():
    """The directory of initdb and pg_ctl: Debian keeps them off PATH, in
    /usr/lib/postgresql/VERSION/bin (15 on Debian 12, else the newest there)."""
    root = "/usr/lib/postgresql"
    versions = sorted((int(v) for v in os.listdir(root) if v.isdigit()), reverse=True) \
        if os.path.isdir(root) else []
    for v in ([15] if 15 in versions else []) + versions:
        d = os.path.join(root, str(v), "bin")
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    raise SystemExit("--postgres needs PostgreSQL's server (deploy/install-deps.sh: postgresql)")


class PgCluster:
    """A private PostgreSQL cluster in a temporary directory. initdb runs as an unprivileged user
    (the system user catat-test, created when we are root; else ourselves), the server listens
    on a Unix socket in that directory only, fsync and synchronous_commit on (the defaults).
    Every run gets a database of its own (create); stop() stops the server and removes it all."""
    USER = "catat-test"

    def __init__(self):
        self.bindir = pg_bindir()
        self.dir = tempfile.mkdtemp(prefix="catat-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.started = False
        as_user = {}
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(self.USER)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir",
                                "/nonexistent", "--shell", "/usr/sbin/nologin", self.USER],
                               check=True)
            os.chown(self.dir, pwd.getpwnam(self.USER).pw_uid, pwd.getpwnam(self.USER).pw_gid)
            as_user = {"user": self.USER, "group": pwd.getpwnam(self.USER).pw_gid,
                       "extra_groups": []}
            self.user = self.USER
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.as_user = as_user
        self.pg(["initdb", "-D", self.data, "--no-locale", "-E", "UTF8", "--auth=trust",
                 "-U", self.user])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# catat bench: Unix socket only, durable commits\n"
                    "listen_addresses = ''\nunix_socket_directories = '%s'\n"
                    "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n" % self.dir)
        self.pg(["pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start"])
        self.started = True
        self.n = 0

    def pg(self, argv):
        p = subprocess.run([os.path.join(self.bindir, argv[0])] + argv[1:], capture_output=True,
                           text=True, cwd=self.dir, **self.as_user)
        if p.returncode != 0:
            log = ""
            if os.path.exists(self.log):
                with open(self.log, errors="replace") as f:
                    log = f.read()[-2000:]
            raise SystemExit("%s failed (exit %d):\n%s%s%s" % (argv[0], p.returncode, p.stdout,
                                                                p.stderr, log))
        return p.stdout

    def create(self, prefix):
        """A new empty database; its libpq URL."""
        self.n += 1
        name = "%s%d" % (re.sub(r"[^a-z0-9]+", "_", prefix.lower()), self.n)
        self.pg(["createdb", "-h", self.dir, "-U", self.user, name])
        return "postgresql:///%s?host=%s&user=%s" % (name, self.dir, self.user)

    def count(self, url, table):
        name = url[len("postgresql:///"):url.index("?")]
        out = self.pg(["psql", "-X", "-A", "-t", "-h", self.dir, "-U", self.user, "-d", name,
                       "-c", "SELECT count(*) FROM %s" % table])
        return int(out.strip())

    def drop(self, url):
        self.pg(["dropdb", "-h", self.dir, "-U", self.user, url[len("postgresql:///"):url.index("?")]])

    def stop(self):
        if self.started:
            subprocess.run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "fast",
                            "-w", "stop"], capture_output=True, cwd=self.dir, **self.as_user)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


def count_rows(pg, database, table):
    if database.startswith("postgresql:"):
        return pg.count(database, table)
    con = sqlite3.connect(database)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def settle():
    """Lets the disk finish writing what the previous run left, so runs do not hurt each other."""
    os.sync()
    time.sleep(1)


# Every run of a round, in order: (name, kind, load, instances). kind: a ceiling's name, or
# "catat" on SQLite, or "pg" for catat on PostgreSQL; load: the wrk script and its pacing.
RUNS = [
    ("http ceiling", "http", "wa", 1),
    ("durable ceiling", "durable", "wa", 1),
    ("catat whatsapp", "catat", "wa", 1),
    ("catat kannel", "catat", "kannel", 1),
    ("catat ~1000 msg/s", "catat", "paced", 1),
]
PG_RUNS = [
    ("pg ceiling", "pgbase", "wa", 1),
    ("pg catat whatsapp", "pg", "wa", 1),
    ("pg catat x2 whatsapp", "pg", "wa", 2),
    ("pg catat ~1000 msg/s", "pg", "paced", 1),
]


def ceiling_of(name):
    """The durable ceiling a run is compared with: the pg ceiling for PostgreSQL runs."""
    return "pg ceiling" if name.startswith("pg ") else "durable ceiling"


def measure(args, bins, tmp, scripts, k, runs, pg):
    """One round: each run on a fresh server (and a fresh database)."""
    results = {}
    graph = None
    if any(kind in ("catat", "pg") for _, kind, _, _ in runs):
        graph_port = free_port()  # the fake Graph API and sendsms: the plain baseline server
        graph = Server([bins["http"], str(graph_port)], "http://127.0.0.1:%d/" % graph_port)
    for name, kind, load, instances in runs:
        script = scripts["kannel" if load == "kannel" else "wa"]
        conns, env = (12, {"BENCH_DELAY_MS": "10"}) if load == "paced" else (args.connections,
                                                                              None)
        run = os.path.join(tmp, "%s%d" % (re.sub(r"\W+", "_", name), k))
        os.makedirs(run)
        log = os.path.join(run, "server.log")
        if kind in ("http", "durable", "pgbase"):
            settle()
            port = free_port()
            argv = [bins[kind], str(port)]
            if kind == "durable":
                argv.append(os.path.join(run, "durable.db"))
            elif kind == "pgbase":
                argv.append(pg.create("pgbase"))
            s = Server(argv, "http://127.0.0.1:%d/" % port, log=log)
            results[name] = run_wrk(script, "http://127.0.0.1:%d" % port, args.seconds, conns,
                                    env)
            s.stop()
            if kind == "pgbase":
                pg.drop(argv[-1])
            shutil.rmtree(run, ignore_errors=True)
            continue
        database = pg.create("catat") if kind == "pg" else os.path.join(run, "catat.db")
        ports = [free_port() for _ in range(instances)]
        inis = [catat_config(run, p, graph_port, database, "catat%d.ini" % i)
                for i, p in enumerate(ports)]
        prepare_members(bins["catat"], inis[0], run, database)
        settle()
        servers = [Server([bins["catat"], "serve", "-c", ini], "http://127.0.0.1:%d/healthz" % p,
                          log=os.path.join(run, "serve%d.log" % i))
                   for i, (ini, p) in enumerate(zip(inis, ports))]
        r = run_wrk(script, ["http://127.0.0.1:%d" % p for p in ports], args.seconds, conns, env)
        r["rss"] = max(s.peak_rss_mib() for s in servers)
        for s in servers:
            s.stop()
        r["stored"] = count_rows(pg, database, "messages")
        r["entries"] = count_rows(pg, database, "entries")
        if r["entries"] != r["stored"]:
            print("warning: %s stored %d messages but %d ledger entries"
                  % (name, r["stored"], r["entries"]), file=sys.stderr)
        acknowledged = r["requests"] - r["non2xx"]
        if r["stored"] < acknowledged:
            print("warning: %s acknowledged %d messages but stored %d"
                  % (name, acknowledged, r["stored"]), file=sys.stderr)
        results[name] = r
        if kind == "pg":
            pg.drop(database)
        shutil.rmtree(run, ignore_errors=True)
    if graph:
        graph.stop()
    return results


def print_table(title, results, ratios=False):
    print("\n%s\n%-22s %10s %8s %8s %9s %10s %10s %9s" % (
        title, "run", "req/s", "p50 ms", "p99 ms", "non-2xx", "x durable", "x http", "peak RSS"))
    for name, r in results.items():
        if ratios:
            xd, xh = r.get("x_durable"), r.get("x_http")
        else:
            xd, xh = ratio(results, name, ceiling_of(name)), ratio(results, name, "http ceiling")
        rss = "%.1f MiB" % r["rss"] if "rss" in r else ""
        print("%-22s %10.0f %8.2f %8.2f %9d %10s %10s %9s" % (
            name, r["rps"], r["p50"], r["p99"], r["non2xx"],
            "" if xd is None else "%.0f%%" % xd, "" if xh is None else "%.0f%%" % xh, rss))


def ratio(results, name, of):
    if of not in results or not results[of]["rps"]:
        return None
    return 100 * results[name]["rps"] / results[of]["rps"]


def main():
    global MEMBERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--members", type=int, default=MEMBERS)
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of every run, interleaved; the medians are reported")
    ap.add_argument("--postgres", action="store_true",
                    help="also the PostgreSQL runs, on a private cluster started for the run")
    ap.add_argument("--catat", help="the catat binary (default: BUILD/catat)")
    ap.add_argument("--only", default="",
                    help="comma-separated words: only the runs whose names contain one")
    args = ap.parse_args()
    MEMBERS = args.members
    runs = RUNS + (PG_RUNS if args.postgres else [])
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        runs = [r for r in runs if any(w in r[0] for w in words)]
        if not runs:
            raise SystemExit("--only %s: no run has such a name" % args.only)
    tests = os.path.join(args.build, "tests")
    bins = {"catat": args.catat or os.path.join(args.build, "catat"),
            "http": os.path.join(tests, "bench_http_baseline"),
            "durable": os.path.join(tests, "bench_durable_baseline"),
            "pgbase": os.path.join(tests, "bench_pg_baseline")}
    for key, p in bins.items():
        if (key != "pgbase" or args.postgres) and not os.path.exists(p):
            raise SystemExit("missing %s: cmake -S . -B build && cmake --build build" % p)
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print("warning: load average %.1f on %d cores before the benchmark: other work is running"
              " and the figures will be low" % (load, os.cpu_count() or 1), file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="catat-bench-")
    pg = None
    try:
        if args.postgres:
            pg = PgCluster()
            print("PostgreSQL %s in %s" % (pg.pg(["postgres", "--version"]).split()[2], pg.dir),
                  file=sys.stderr)
        n = 60000 * args.seconds  # more unique messages than any run can send
        print("signing %d WhatsApp bodies ..." % n, file=sys.stderr)
        scripts = {"wa": write_whatsapp_script(tmp, n), "kannel": write_kannel_script(tmp)}
        rounds = []
        for k in range(args.rounds):
            print("round %d of %d ..." % (k + 1, args.rounds), file=sys.stderr)
            rounds.append(measure(args, bins, tmp, scripts, k, runs, pg))
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for k, results in enumerate(rounds):
        print_table("round %d" % (k + 1), results)
    median = {}
    for name in rounds[0]:
        per = [r[name] for r in rounds]
        median[name] = {key: statistics.median(r[key] for r in per)
                        for key in ("rps", "p50", "p99", "non2xx")}
        if "rss" in per[0]:
            median[name]["rss"] = max(r["rss"] for r in per)
        for key, of in (("x_durable", ceiling_of(name)), ("x_http", "http ceiling")):
            each = [ratio(r, name, of) for r in rounds]
            median[name][key] = None if None in each else statistics.median(each)
            if key == "x_durable" and None not in each:
                median[name]["each"] = each
    print_table("median of %d rounds (ratios: the median of each round's own ratio)"
                % len(rounds), median, ratios=True)
    for name, m in median.items():
        if m.get("each") and not name.endswith("ceiling"):
            print("%-22s of %s, each round: %s" % (name, ceiling_of(name), ", ".join(
                "%.0f%%" % x for x in m["each"])))
    if "pg ceiling" in median and "durable ceiling" in median:
        print("%-22s of durable ceiling (SQLite), each round: %s" % ("pg ceiling", ", ".join(
            "%.0f%%" % ratio(r, "pg ceiling", "durable ceiling") for r in rounds)))
    print("\n(%d s per run, %d connections, %d members, wrk pinned to core 1; load average"
          " %.1f before, %.1f after; %s)" % (args.seconds, args.connections, MEMBERS, load,
                                           os.getloadavg()[0], time.strftime("%Y-%m-%d")))


if __name__ == "__main__":
    main()
