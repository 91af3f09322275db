"""A real Kannel (Debian's 1.4.5 bearerbox + smsbox) in front of catat, with fakesmsc as the phone.

fakesmsc sends one MO SMS to bearerbox's fake SMSC; smsbox calls catat's /webhook/kannel through
the sms-service get-url recommended in gateway/channels/kannel.c; catat stores it and queues a
reply, which its outbox sends through smsbox's sendsms CGI; bearerbox hands it to the fake SMSC,
fakesmsc prints it, and the fake SMSC's delivery reports come back to catat's dlr-url.
Everything runs on loopback in a temporary directory and is killed at the end.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, free_port, run_tests  # noqa: E402

BEARERBOX = shutil.which("bearerbox") or "/usr/sbin/bearerbox"
SMSBOX = shutil.which("smsbox") or "/usr/sbin/smsbox"
FAKESMSC_CANDIDATES = ["/usr/lib/kannel/test/fakesmsc", "/usr/lib/kannel/fakesmsc",
                       "/usr/libexec/kannel/test/fakesmsc"]
FAKESMSC = next((p for p in FAKESMSC_CANDIDATES if os.access(p, os.X_OK)),
                shutil.which("fakesmsc"))
SECRET = "e2eSecret42"
PASSWORD = "kannelpw"


def missing_binaries():
    return [name for name, path in [("bearerbox", BEARERBOX), ("smsbox", SMSBOX),
                                    ("fakesmsc", FAKESMSC)]
            if not path or not os.access(path, os.X_OK)]


def kannel_conf(ports, catat_port):
    get_url = ("http://127.0.0.1:%d/webhook/kannel?from=%%p&to=%%P&text=%%b&id=%%I&smsc=%%i"
               "&ts=%%T&charset=%%C&secret=%s" % (catat_port, SECRET))
    return """group = core
admin-port = {admin}
smsbox-port = {smsbox}
admin-password = adminpw
box-allow-ip = "127.0.0.1"
admin-allow-ip = "127.0.0.1"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
global-sender = 1234
mo-recode = true

group = sendsms-user
username = catat
password = {password}
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "{get_url}"
""".format(password=PASSWORD, get_url=get_url, **ports)


def listening(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(pred, deadline, what, procs=()):
    end = time.time() + deadline
    while time.time() < end:
        if pred():
            return
        for name, p, log in procs:
            if p.poll() is not None:
                raise AssertionError("%s exited %d while waiting for %s:\n%s"
                                     % (name, p.returncode, what, tail(log)))
        time.sleep(0.05)
    raise AssertionError("timed out after %ss waiting for %s" % (deadline, what))


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def test_sms_through_real_kannel_and_back():
    missing = missing_binaries()
    if missing:
        print("SKIP test_sms_through_real_kannel_and_back: Kannel binaries missing: %s "
              "(apt-get install kannel kannel-extras)" % ", ".join(missing))
        return
    catat = Catat(ini="[server]\nreplies_per_hour = 0\n[outbox]\nretry_base_ms = 200\n"
                      "[kannel]\nenabled = true\nusername = catat\npassword = %s\nsecret = %s\n"
                      "sendsms_url = http://127.0.0.1:{sendsms}/cgi-bin/sendsms\n"
                  % (PASSWORD, SECRET))
    ports = {"admin": free_port(), "smsbox": free_port(), "smsc": free_port(),
             "sendsms": free_port()}
    # The sendsms port is known only now: fill it into the config catat was given.
    with open(catat.config) as f:
        ini = f.read().replace("{sendsms}", str(ports["sendsms"]))
    with open(catat.config, "w") as f:
        f.write(ini)
    conf = os.path.join(catat.dir, "kannel.conf")
    with open(conf, "w") as f:
        f.write(kannel_conf(ports, catat.port))
    logs = {n: os.path.join(catat.dir, n + ".log")
            for n in ("bearerbox", "smsbox", "fakesmsc", "fakesmsc2")}
    procs = []

    def spawn(name, argv):
        out = open(logs[name], "w")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=catat.dir,
                             stdin=subprocess.DEVNULL)
        out.close()
        procs.append((name, p, logs[name]))
        return p

    fakesmsc = None
    try:
        catat.start()
        spawn("bearerbox", [BEARERBOX, "-v", "1", conf])
        wait_until(lambda: listening(ports["admin"]) and listening(ports["smsc"]), 20,
                   "bearerbox admin and fake SMSC ports", procs)
        spawn("smsbox", [SMSBOX, "-v", "1", conf])
        wait_until(lambda: listening(ports["sendsms"]), 20, "smsbox sendsms port", procs)
        # -m 1: one MO message; fakesmsc then keeps listening for MT messages until killed.
        fakesmsc = spawn("fakesmsc", [FAKESMSC, "-H", "127.0.0.1", "-r", str(ports["smsc"]),
                                      "-i", "0.1", "-m", "1",
                                      "6281234567 1234 text JUAL 45rb abon"])
        wait_until(lambda: catat.sql("SELECT count(*) FROM messages")[0][0] >= 1, 30,
                   "the MO message in catat's database", procs)
        (phone, text, channel, pid), = catat.sql("SELECT phone, text, channel, provider_id"
                                                 " FROM messages")
        assert (phone, text, channel) == ("+6281234567", "JUAL 45rb abon", "kannel"), \
            (phone, text, channel)
        assert len(pid) == 36 and pid.count("-") == 4, pid  # Kannel's %I, a UUID
        (oid, reply), = catat.sql("SELECT id, text FROM outbox")
        # The reply comes out of the fake SMSC: "Got message N: <sender receiver text ...>".
        wait_until(lambda: "Got message" in tail(logs["fakesmsc"], 1000), 30,
                   "the reply printed by fakesmsc", procs)
        got = [line for line in tail(logs["fakesmsc"], 1000).splitlines() if "Got message" in line]
        assert len(got) == 1, got
        body = got[0].split("Got message", 1)[1].split(": <", 1)[1].rstrip(">")
        sender, receiver, kind, data = body.split(" ", 3)
        assert (sender, receiver) == ("1234", "+6281234567"), got
        if kind == "text":
            assert data == reply, (data, reply)
        else:  # 8-bit/UCS-2 replies are printed URL-encoded
            assert kind in ("data", "ucs-2"), got
            enc = "utf-16-be" if kind == "ucs-2" else "utf-8"
            assert urllib.parse.unquote_to_bytes(data.replace("+", " ")).decode(enc) == reply
        # The fake SMSC acknowledges (DLR 8) and delivers (DLR 1): Kannel calls catat's dlr-url.
        wait_until(lambda: catat.sql("SELECT status FROM outbox WHERE id = ?", oid)
                   == [("delivered",)], 30, "the delivery report applied to the outbox row", procs)
        assert catat.sql("SELECT provider_id, attempts, error FROM outbox") == [(str(oid), 1, None)]
        # Nothing was refused by catat along the way (no forged or malformed Kannel request).
        assert "webhook refused" not in catat.read_log(), catat.read_log()
        # A reply outside GSM-7 goes as sendsms coding=2 and reaches the phone as UCS-2.
        now = int(time.time())
        catat.sql("INSERT INTO outbox(channel, phone, text, kind, next_at, created_at)"
                  " VALUES('kannel', '+6281234567', 'Terima kasih Ibu 🙏 ☕', 'reminder', ?, ?)",
                  now, now)
        wait_until(lambda: "Got message 2" in tail(logs["fakesmsc"], 1000), 30,
                   "the UCS-2 reminder printed by fakesmsc", procs)
        line = [x for x in tail(logs["fakesmsc"], 1000).splitlines() if "Got message 2" in x][0]
        sender, receiver, kind, data = line.split(": <", 1)[1].rstrip(">").split(" ", 3)
        assert (sender, receiver, kind) == ("1234", "+6281234567", "ucs-2"), line
        assert urllib.parse.unquote_to_bytes(data.replace("+", " ")).decode("utf-16-be") \
            == "Terima kasih Ibu 🙏 ☕", line
        # A UCS-2 MO (a second fakesmsc: the fake SMSC takes one client at a time) reaches catat
        # as UTF-8 thanks to mo-recode.
        stop(fakesmsc)
        procs[:] = [x for x in procs if x[1] is not fakesmsc]
        text = "JUAL 45rb kue ☕"
        ucs2 = urllib.parse.quote_from_bytes(text.encode("utf-16-be"), safe="")
        fakesmsc = spawn("fakesmsc2", [FAKESMSC, "-H", "127.0.0.1", "-r", str(ports["smsc"]),
                                       "-i", "0.1", "-m", "1", "6281299990000 1234 ucs2 " + ucs2])
        wait_until(lambda: catat.sql("SELECT count(*) FROM messages")[0][0] >= 2, 30,
                   "the UCS-2 MO in catat's database", procs)
        assert catat.sql("SELECT phone, text FROM messages"
                         " WHERE id = (SELECT max(id) FROM messages)") == \
            [("+6281299990000", text)], catat.sql("SELECT phone, text FROM messages")
    except Exception:
        for name, _, log in procs:
            print("---- %s log ----\n%s" % (name, tail(log)))
        raise
    finally:
        for _, p, _ in reversed(procs):
            stop(p)
        if catat.proc:
            catat.stop()


if __name__ == "__main__":
    run_tests([test_sms_through_real_kannel_and_back])
