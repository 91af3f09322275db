"""The outbox against misbehaving providers, through the real catat serve.

Replies go out through the Kannel driver to a fake sendsms server (each request names its outbox
row in the dlr-url, so sends are counted per message on the wire). retry_base_ms is small so
retries come after about a second; Retry-After, timeouts and the rate limit are seen in the
fake's receive times.
"""
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

ACCEPTED = b"0: Accepted for delivery"


class Stamped(list):
    """The fake's request list, stamping each request with its arrival time."""

    def append(self, rec):
        rec.t = time.monotonic()
        rec.oid = outbox_id(rec)
        super().append(rec)


def outbox_id(rec):
    dlr = urllib.parse.urlsplit(rec.query.get("dlr-url", ""))
    ids = urllib.parse.parse_qs(dlr.query).get("id")
    return int(ids[0]) if ids else None


def fake_sendsms():
    fake = FakeProvider(202, ACCEPTED, "text/plain")
    fake.requests = Stamped()
    return fake


def start(fake, outbox=""):
    return Catat(ini="[server]\nreplies_per_hour = 0\n"
                     "[outbox]\nretry_base_ms = 50\nrate_per_second = 0\n%s\n"
                     "[kannel]\nenabled = true\nsendsms_url = %s/cgi-bin/sendsms\nusername = u\n"
                     "password = p\nsecret = s\n" % (outbox, fake.url)).start()


def mo(c, n):
    """One inbound SMS from member n; catat queues one reply to it and wakes the outbox."""
    q = urllib.parse.urlencode({"from": "62812%08d" % n, "to": "1234", "text": "SALDO",
                                "id": "mo-%d" % n, "secret": "s"})
    status, _, body = c.request("GET", "/webhook/kannel?" + q)
    assert status == 200, (status, body)


def rows(c):
    return {i: (s, a, e) for i, s, a, e in c.sql("SELECT id, status, attempts, error FROM outbox")}


def accepted_per_row(fake):
    n = {}
    for r in fake.received(lambda r: r.answer == 202):
        n[r.oid] = n.get(r.oid, 0) + 1
    return n


def wait_status(c, oid, status, deadline=15):
    c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE id = ?", oid) == [(status,)],
               deadline, "outbox row %d %s: %s" % (oid, status, rows(c).get(oid)))


def test_500_then_200_is_sent_once_after_a_retry():
    fake = fake_sendsms()
    c = start(fake)
    try:
        fake.answer_next(500, b"internal error", "text/plain")
        mo(c, 1)
        wait_status(c, 1, "sent")
        assert rows(c)[1] == ("sent", 2, None), rows(c)
        got = fake.received()
        assert [r.answer for r in got] == [500, 202], [r.answer for r in got]
        assert got[0].oid == got[1].oid == 1
        assert got[0].query["text"] == got[1].query["text"]
        assert got[1].t - got[0].t >= 0.5, got[1].t - got[0].t  # backoff, not a hot loop
    finally:
        c.stop()
        fake.close()


def test_429_retry_after_is_honoured():
    fake = fake_sendsms()
    c = start(fake)
    try:
        fake.answer_next(429, b"slow down", "text/plain", {"Retry-After": "3"})
        mo(c, 1)
        wait_status(c, 1, "sent")
        got = fake.received()
        assert [r.answer for r in got] == [429, 202]
        # Without Retry-After the retry would come after ~1 s (retry_base_ms = 50).
        assert got[1].t - got[0].t >= 2.0, got[1].t - got[0].t
        assert rows(c)[1][:2] == ("sent", 2)
    finally:
        c.stop()
        fake.close()


def test_provider_down_then_back_gets_everything_once():
    fake = fake_sendsms()
    c = start(fake, "max_attempts = 20")
    try:
        fake.down = True
        for n in range(1, 9):
            mo(c, n)
        c.wait_for(lambda: len({r.oid for r in fake.received()}) == 8, 10, "every row tried")
        end = time.monotonic() + 2.5
        c.wait_for(lambda: time.monotonic() >= end, 5, "provider down for 2.5 s")
        assert all(s == "queued" or s == "sending" for s, _, _ in rows(c).values()), rows(c)
        fake.down = False
        c.wait_for(lambda: all(s == "sent" for s, _, _ in rows(c).values()), 20, "all sent")
        assert accepted_per_row(fake) == {n: 1 for n in range(1, 9)}, accepted_per_row(fake)
        assert len(fake.received(lambda r: r.answer == 503)) >= 8
        assert all(a >= 2 and e is None for _, a, e in rows(c).values()), rows(c)
    finally:
        c.stop()
        fake.close()


def test_4xx_fails_at_once_with_the_providers_error():
    fake = fake_sendsms()
    c = start(fake)
    try:
        fake.answer_next(403, b"Not routable. Do not try again.", "text/html")
        mo(c, 1)
        wait_status(c, 1, "failed")
        s, attempts, error = rows(c)[1]
        assert attempts == 1 and error == "HTTP 403: Not routable. Do not try again.", error
        # Still failed a while later: never retried.
        mo(c, 2)
        wait_status(c, 2, "sent")
        assert len(fake.received(lambda r: r.oid == 1)) == 1
    finally:
        c.stop()
        fake.close()


def test_max_attempts_bounds_retries():
    fake = FakeProvider(500, b"backend exploded", "text/plain")
    fake.requests = Stamped()
    c = start(fake, "max_attempts = 3")
    try:
        mo(c, 1)
        wait_status(c, 1, "failed", 20)
        s, attempts, error = rows(c)[1]
        assert attempts == 3 and error == "HTTP 500: backend exploded", rows(c)
        assert len(fake.received()) == 3
    finally:
        c.stop()
        fake.close()


def test_hanging_provider_times_out_without_blocking_others():
    fake = fake_sendsms()
    c = start(fake, "timeout_seconds = 2")
    try:
        fake.hang_seconds = 4
        mo(c, 1)
        c.wait_for(lambda: fake.received(), 5, "the hanging request")
        fake.hang_seconds = 0
        t0 = time.monotonic()
        for n in range(2, 6):
            mo(c, n)
        c.wait_for(lambda: all(rows(c)[i][0] == "sent" for i in range(2, 6)), 5, "others sent")
        assert time.monotonic() - t0 < 1.9, time.monotonic() - t0
        assert rows(c)[1][0] == "sending", rows(c)[1]  # still waiting on the hung request
        wait_status(c, 1, "sent", 15)
        assert rows(c)[1] == ("sent", 2, None), rows(c)[1]
        assert len(fake.received(lambda r: r.oid == 1)) == 2
        assert "Timeout was reached" in c.read_log() or "timed out" in c.read_log(), c.read_log()
    finally:
        c.stop()
        fake.close()


def test_rate_limit_per_channel():
    fake = fake_sendsms()
    c = start(fake, "rate_per_second = 2\nmax_attempts = 3")
    try:
        for n in range(1, 11):
            mo(c, n)
        c.wait_for(lambda: all(s == "sent" for s, _, _ in rows(c).values()), 20, "all sent")
        times = sorted(r.t for r in fake.received())
        assert len(times) == 10
        # Ten sends at 2/s with a burst of 2 take about 4 s; generous bounds either way.
        assert times[-1] - times[0] >= 2.5, times[-1] - times[0]
        busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
        assert busiest <= 5, (busiest, [round(t - times[0], 2) for t in times])
        # Waiting for the limiter is not a failed attempt: each was tried once.
        assert {a for _, a, _ in rows(c).values()} == {1}, rows(c)
    finally:
        c.stop()
        fake.close()


def test_nothing_sent_twice_across_a_graceful_restart():
    fake = fake_sendsms()
    c = start(fake, "concurrency = 2")
    try:
        fake.hang_seconds = 0.2  # slow provider: a restart lands with sends in flight
        stop = threading.Event()
        sent_mo = []

        def members():
            n = 0
            while not stop.is_set() and n < 30:
                n += 1
                try:
                    mo(c, n)
                    sent_mo.append(n)
                except (AssertionError, OSError):
                    n -= 1  # server restarting: the provider retries the same id
                    time.sleep(0.05)

        t = threading.Thread(target=members)
        t.start()
        c.wait_for(lambda: len(fake.received()) >= 3, 10, "sends under way")
        c.stop()
        c.start()
        t.join(30)
        stop.set()
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)],
                   40, "outbox drained")
        n_rows = c.sql("SELECT count(*) FROM outbox")[0][0]
        assert n_rows == 30, n_rows
        per_row = {}
        for r in fake.received():
            per_row[r.oid] = per_row.get(r.oid, 0) + 1
        assert per_row == {i: 1 for i in range(1, 31)}, per_row
        assert c.sql("SELECT count(*) FROM outbox WHERE resent = 1") == [(0,)]
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_500_then_200_is_sent_once_after_a_retry, test_429_retry_after_is_honoured,
               test_provider_down_then_back_gets_everything_once,
               test_4xx_fails_at_once_with_the_providers_error, test_max_attempts_bounds_retries,
               test_hanging_provider_times_out_without_blocking_others,
               test_rate_limit_per_channel, test_nothing_sent_twice_across_a_graceful_restart])
