#!/usr/bin/env python3
"""bench.py - throughput, latency and memory of catat serve under wrk, against two baselines
measured in the same run on the same machine:

  http ceiling     bench_http_baseline: libmicrohttpd answering 200, nothing else
  durable ceiling  bench_durable_baseline: one row per request, synchronous=FULL, group commit

catat is loaded with signed WhatsApp Cloud API webhooks (a unique message id each, from
--members registered members (20,000 by default) writing sales, each of a member's messages
another amount: the same sale again within ten minutes would be asked about, not recorded) and with Kannel GET requests, and then at about 1,000
messages per second for latency at a realistic load. Replies go out through the outbox to a
local fake Graph API at a provider-like rate.

Usage: tests/bench/bench.py [--build DIR] [--seconds N] [--connections N] [--members N]
                            [--rounds N]
The runs are repeated --rounds times, interleaved (the ceilings' fsync-bound figures vary from
minute to minute on a virtual machine), and the medians reported with each round's own table.
Needs wrk (deploy/install-deps.sh installs it) and a Release build (cmake -S . -B build).
"""
import argparse
import hashlib
import hmac
import json
import os
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


def wait_http(url, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
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
for line in io.lines("%s") do
  local tab = line:find("\\t")
  entries[#entries + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
end
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
request = function()
  i = i + 1
  local e = entries[(i - 1) %% #entries + 1]
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
request = function()
  i = i + 1
  return wrk.format("GET", string.format(
    "/webhook/kannel?from=%%%%2B6281%%08d&to=1234&id=k%%d&smsc=modem&ts=1749416383&secret=s3&text=JUAL+%%drb+abon",
    i %% %d, i, 10 + math.floor(i / %d) %% 900))
end
""" % (MEMBERS, MEMBERS))
    return script


def run_wrk(script, url, seconds, connections, env=None):
    cmd = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", script, url]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "1"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                         check=True).stdout

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


class Server:
    def __init__(self, cmd, url, env=None, cwd=None):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **(env or {})}, cwd=cwd)
        wait_http(url)

    def peak_rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def catat_config(tmp, port, graph_port):
    ini = os.path.join(tmp, "catat.ini")
    with open(ini, "w") as f:
        f.write("""[server]
port = %d
templates = %s
replies_per_hour = 0
[database]
path = %s
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
""" % (port, os.path.join(SOURCE, "templates"), os.path.join(tmp, "catat.db"), graph_port,
            SECRET, graph_port))
    return ini


def prepare_members(catat, ini, tmp):
    """Registers MEMBERS members in one group so that every message is a real sale."""
    subprocess.run([catat, "db", "migrate", "-c", ini], check=True, capture_output=True)
    con = sqlite3.connect(os.path.join(tmp, "catat.db"))
    con.execute("INSERT INTO groups(code, name, created_at) VALUES('KPUK07', 'Mawar', 0)")
    con.executemany("INSERT INTO people(phone, name, group_id, role, code, created_at)"
                    " VALUES(?, 'Ibu', 1, 'member', ?, 0)",
                    [("+" + phone(i), "A%05d" % i) for i in range(MEMBERS)])
    con.commit()
    con.close()


def settle():
    """Lets the disk finish writing what the previous run left, so runs do not hurt each other."""
    os.sync()
    time.sleep(1)


def measure(args, catat, http_base, durable_base, tmp, wa, kannel, k):
    """One round: the two ceilings, then catat under each load, each on a fresh server."""
    results = {}
    settle()
    port = free_port()
    s = Server([http_base, str(port)], "http://127.0.0.1:%d/" % port)
    results["http ceiling"] = run_wrk(wa, "http://127.0.0.1:%d" % port, args.seconds,
                                      args.connections)
    s.stop()

    settle()
    port = free_port()
    db = os.path.join(tmp, "durable%d.db" % k)
    s = Server([durable_base, str(port), db], "http://127.0.0.1:%d/" % port)
    results["durable ceiling"] = run_wrk(wa, "http://127.0.0.1:%d" % port, args.seconds,
                                         args.connections)
    s.stop()

    graph_port = free_port()  # the fake Graph API and sendsms: the plain baseline server
    graph = Server([http_base, str(graph_port)], "http://127.0.0.1:%d/" % graph_port)
    for name, script, conns, env in (
            ("catat whatsapp", wa, args.connections, None),
            ("catat kannel", kannel, args.connections, None),
            ("catat ~1000 msg/s", wa, 12, {"BENCH_DELAY_MS": "10"})):
        run = os.path.join(tmp, "%s%d" % (name.split()[1].replace("~", "r"), k))
        os.makedirs(run)
        port = free_port()
        ini = catat_config(run, port, graph_port)
        prepare_members(catat, ini, run)
        settle()
        s = Server([catat, "serve", "-c", ini], "http://127.0.0.1:%d/healthz" % port)
        r = run_wrk(script, "http://127.0.0.1:%d" % port, args.seconds, conns, env)
        r["rss"] = s.peak_rss_mib()
        s.stop()
        con = sqlite3.connect(os.path.join(run, "catat.db"))
        r["stored"] = con.execute("SELECT count(*) FROM messages").fetchone()[0]
        r["entries"] = con.execute("SELECT count(*) FROM entries").fetchone()[0]
        con.close()
        if r["entries"] != r["stored"]:
            print("warning: %s stored %d messages but %d ledger entries"
                  % (name, r["stored"], r["entries"]), file=sys.stderr)
        results[name] = r
        shutil.rmtree(run, ignore_errors=True)
    graph.stop()
    return results


def print_table(title, results, ratios=False):
    print("\n%s\n%-20s %10s %8s %8s %9s %10s %10s %9s" % (
        title, "run", "req/s", "p50 ms", "p99 ms", "non-2xx", "x durable", "x http", "peak RSS"))
    for name, r in results.items():
        xd = r["x_durable"] if ratios else 100 * r["rps"] / results["durable ceiling"]["rps"]
        xh = r["x_http"] if ratios else 100 * r["rps"] / results["http ceiling"]["rps"]
        rss = "%.1f MiB" % r["rss"] if "rss" in r else ""
        print("%-20s %10.0f %8.2f %8.2f %9d %9.0f%% %9.0f%% %9s" % (
            name, r["rps"], r["p50"], r["p99"], r["non2xx"], xd, xh, rss))


def main():
    global MEMBERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--members", type=int, default=MEMBERS)
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of every run, interleaved; the medians are reported")
    args = ap.parse_args()
    MEMBERS = args.members
    catat = os.path.join(args.build, "catat")
    http_base = os.path.join(args.build, "tests", "bench_http_baseline")
    durable_base = os.path.join(args.build, "tests", "bench_durable_baseline")
    for p in (catat, http_base, durable_base):
        if not os.path.exists(p):
            raise SystemExit("missing %s: cmake -S . -B build && cmake --build build" % p)
    tmp = tempfile.mkdtemp(prefix="catat-bench-")
    n = 60000 * args.seconds  # more unique messages than any run can send
    print("signing %d WhatsApp bodies ..." % n, file=sys.stderr)
    wa = write_whatsapp_script(tmp, n)
    kannel = write_kannel_script(tmp)
    rounds = []
    for k in range(args.rounds):
        print("round %d of %d ..." % (k + 1, args.rounds), file=sys.stderr)
        rounds.append(measure(args, catat, http_base, durable_base, tmp, wa, kannel, k))
    for k, results in enumerate(rounds):
        print_table("round %d" % (k + 1), results)
    names = list(rounds[0])
    median = {}
    for name in names:
        runs = [r[name] for r in rounds]
        median[name] = {key: statistics.median(r[key] for r in runs)
                        for key in ("rps", "p50", "p99", "non2xx")}
        if "rss" in runs[0]:
            median[name]["rss"] = max(r["rss"] for r in runs)
        median[name]["x_durable"] = statistics.median(
            100 * r[name]["rps"] / r["durable ceiling"]["rps"] for r in rounds)
        median[name]["x_http"] = statistics.median(
            100 * r[name]["rps"] / r["http ceiling"]["rps"] for r in rounds)
    print_table("median of %d rounds (ratios: the median of each round's own ratio)"
                % len(rounds), median, ratios=True)
    print("\n(%d s per run, %d connections, %d members, wrk pinned to core 1; %s)"
          % (args.seconds, args.connections, MEMBERS, time.strftime("%Y-%m-%d")))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
