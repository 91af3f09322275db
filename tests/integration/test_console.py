"""The walking skeleton end to end: catat serve, POST /webhook/console, the reply, the rows."""
import json
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, CATAT, run_tests  # noqa: E402


def test_message_stored_once_and_answered_in_indonesian():
    c = Catat().start()
    try:
        s, ans = c.console("081234567890", "JUAL 45rb abon", "t1")
        assert s == 200, s
        assert len(ans["replies"]) == 1
        assert "DAFTAR" in ans["replies"][0], ans  # an unknown sender is told how to register
        rows = c.sql("SELECT phone, text, channel, provider_id FROM messages")
        assert rows == [("+6281234567890", "JUAL 45rb abon", "console", "t1")], rows
        # The provider retries: nothing new is stored or answered.
        s, ans = c.console("081234567890", "JUAL 45rb abon", "t1")
        assert s == 200 and ans["replies"] == [] and ans.get("duplicate") is True, ans
        assert c.sql("SELECT count(*) FROM messages") == [(1,)]
        assert c.sql("SELECT count(*) FROM outbox") == [(1,)]
        c.wait_for(lambda: c.sql("SELECT status FROM outbox") == [("sent",)], what="sent")
    finally:
        c.stop()


def test_registered_member_sale_reply():
    c = Catat()
    c.start()
    try:
        c.sql("INSERT INTO groups(code, name, created_at) VALUES('KPUK07', 'Mawar', 0)")
        s, ans = c.console("+62 812-3456-789", "daftar siti aminah KPUK07", "r1")
        assert s == 200 and "Siti Aminah" in ans["replies"][0], ans
        s, ans = c.console("08123456789", "JAUL 45rb abon", "r2")
        reply = ans["replies"][0]
        assert reply.startswith("Penjualan Rp45.000 abon dicatat"), reply
        assert len(reply) <= 160, reply
        ref = c.sql("SELECT ref FROM entries")[0][0]
        assert "BATAL " + ref in reply, reply
        assert c.sql("SELECT kind, amount, item, status FROM entries") == \
            [("sale", 45000, "abon", "confirmed")]
    finally:
        c.stop()


def test_healthz_metrics_and_bad_input():
    c = Catat().start()
    try:
        s, b = c.get("/healthz")
        assert s == 200 and json.loads(b)["status"] == "ok"
        cases = [
            ('{"from":"081234567890","text":', 400),                   # malformed JSON
            ('{"from":"081234567890"}', 400),                           # no text
            ('[1,2]', 400),                                             # not an object
            (b'{"from":"081234567890","text":"\xff\xfe"}', 400),        # invalid UTF-8
            ('{"from":"081234567890","text":"' + "x" * 70000 + '"}', 413),  # over the limit
        ]
        for body, want in cases:
            s, h, b = c.request("POST", "/webhook/console", body)
            assert s == want, (body[:40], s, b)
            assert "error" in json.loads(b), b
        # A sender that is not a phone: the event is skipped and the request answered 200, so
        # that a provider does not retry it (product.md s. 3); the answer says why.
        s, h, b = c.request("POST", "/webhook/console", '{"from":"not a phone","text":"JUAL 1rb"}')
        assert s == 200 and json.loads(b)["replies"] == [], (s, b)
        assert "phone number" in json.loads(b)["skipped"][0], b
        assert "webhook event skipped" in c.read_log()
        assert c.sql("SELECT count(*) FROM messages") == [(0,)]
        assert c.request("POST", "/webhook/nosuch", "{}")[0] == 404
        assert c.get("/nosuch")[0] == 404
        s, b = c.get("/metrics")
        text = b.decode()
        assert s == 200
        assert 'catat_webhook_rejected_total{channel="console"} 5' in text, text
        assert 'catat_webhook_events_skipped_total{channel="console"} 1' in text, text
        assert "catat_http_request_seconds_bucket" in text
        # still serving
        assert c.console("081234567890", "SALDO", "after")[0] == 200
    finally:
        c.stop()


def test_concurrent_requests_then_sigterm_exits_zero():
    c = Catat().start()
    errors = []

    def client(n):
        for i in range(25):
            s, ans = c.console("0812000%05d" % n, "JUAL %drb abon" % (i + 1), "c%d-%d" % (n, i))
            if s != 200:
                errors.append(s)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert c.sql("SELECT count(*) FROM messages") == [(200,)]
    assert c.stop(signal.SIGTERM) == 0
    c.start()
    assert c.console("081234567890", "JUAL 1rb", "x")[0] == 200
    assert c.stop(signal.SIGINT) == 0


def test_simulate_and_parse_commands():
    c = Catat()
    c.run("db", "migrate")
    c.sql("INSERT INTO groups(code, name, created_at) VALUES('KPUK07', 'Mawar', 0)")
    p = c.run("simulate", "--from", "081234567890",
              input="DAFTAR Siti KPUK07\nJUAL 45rb abon\nSALDO\n")
    lines = p.stdout.strip().split("\n")
    assert len(lines) == 3, p.stdout
    assert "Siti" in lines[0] and "Rp45.000" in lines[1] and "jual Rp45.000" in lines[2], lines
    assert c.sql("SELECT count(*) FROM messages WHERE phone = '+6281234567890'") == [(3,)]
    p = c.run("parse", "JUAL 45rb abon")
    assert json.loads(p.stdout)["commands"][0]["amount"] == 45000, p.stdout
    p = subprocess.run([CATAT, "nosuch"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown command" in p.stderr


def test_bad_configuration_is_refused_with_its_line():
    c = Catat(ini="[server]\nprot = 1\n")
    p = c.run("serve", check=False)
    assert p.returncode == 1 and "unknown key [server] prot" in p.stderr, p.stderr
    c = Catat(env={"CATAT_SERVER_PORT": "eighty"})
    p = c.run("serve", check=False)
    assert p.returncode == 1 and "CATAT_SERVER_PORT" in p.stderr, p.stderr


def test_auto_responder_loop_is_cut_by_the_hourly_reply_limit():
    c = Catat(ini="[server]\nreplies_per_hour = 3\n").start()
    try:
        answers = [c.console("081299990000", "Auto-reply: I am away", "loop%d" % i)[1]
                   for i in range(6)]
        assert [len(a["replies"]) for a in answers] == [1, 1, 1, 0, 0, 0], answers
        assert c.sql("SELECT count(*) FROM messages") == [(6,)]  # every message is kept
        assert c.sql("SELECT count(*) FROM messages WHERE status = 'limited'") == [(3,)]
        # Three replies and, once, the notice that the limit is reached.
        assert c.sql("SELECT count(*) FROM outbox") == [(4,)]
        assert c.sql("SELECT count(*) FROM outbox WHERE text LIKE 'Batas balasan%'") == [(1,)]
        # Another sender is not affected.
        assert len(c.console("081200001111", "SALDO", "other")[1]["replies"]) == 1
        metrics = c.get("/metrics")[1].decode()
        assert "catat_replies_limited_total 3" in metrics, metrics
        assert "catat_parse_errors_total 6" in metrics, metrics
    finally:
        c.stop()


if __name__ == "__main__":
    run_tests([test_message_stored_once_and_answered_in_indonesian,
               test_registered_member_sale_reply,
               test_healthz_metrics_and_bad_input,
               test_concurrent_requests_then_sigterm_exits_zero,
               test_simulate_and_parse_commands,
               test_bad_configuration_is_refused_with_its_line,
               test_auto_responder_loop_is_cut_by_the_hourly_reply_limit])
