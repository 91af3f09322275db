"""Crash safety: kill -9 under load, restart; nothing acknowledged is lost, nothing doubled.

Messages come in through the Kannel webhook and every reply goes out through a fake Kannel
sendsms server that records what it receives, so sends are counted on the wire.
"""
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402


def kannel_catat(fake):
    return Catat(ini="[server]\nreplies_per_hour = 0\n[outbox]\nrate_per_second = 0\n"
                     "[kannel]\nenabled = true\n"
                     "sendsms_url = %s/cgi-bin/sendsms\nusername = u\npassword = p\n"
                     "secret = s3cret\n" % fake.url)


def test_kill_9_under_load_loses_nothing_and_sends_once():
    fake = FakeProvider(202, b"0: Accepted for delivery", "text/plain")
    c = kannel_catat(fake).start()
    acked = set()
    lock = threading.Lock()
    stop = threading.Event()

    def member(n):
        i = 0
        while not stop.is_set():
            i += 1
            msg_id = "m%d-%d" % (n, i)
            q = urllib.parse.urlencode({"from": "0812%08d" % n, "to": "1234", "id": msg_id,
                                        "text": "JUAL %drb abon" % i, "secret": "s3cret"})
            # Like Kannel: retry the same id until the gateway answers 2xx.
            while not stop.is_set():
                try:
                    s, _, _ = c.request("GET", "/webhook/kannel?" + q)
                except OSError:
                    s = None
                if s == 200:
                    with lock:
                        acked.add(msg_id)
                    break
                time.sleep(0.01)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    kills = 0
    try:
        for _ in range(4):
            time.sleep(0.4 + random.random() * 0.6)
            c.kill()
            kills += 1
            c.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Let the outbox finish, then stop cleanly.
    c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status NOT IN "
                             "('sent','delivered','read')") == [(0,)], 60, "outbox drained")
    c.stop()
    fake.close()

    stored = {r[0] for r in c.sql("SELECT provider_id FROM messages WHERE channel = 'kannel'")}
    assert kills == 4
    assert len(acked) > 50, len(acked)
    missing = acked - stored
    assert not missing, "acknowledged but not stored: %s" % sorted(missing)[:10]
    # Exactly one reply per stored message.
    per_message = c.sql("SELECT count(*) FROM outbox GROUP BY message_id HAVING count(*) != 1")
    assert per_message == [], per_message
    assert c.sql("SELECT count(*) FROM outbox")[0][0] == len(stored)
    # On the wire: every reply sent once, plus at most once more for each kill it was in flight
    # at, and then recorded as resent (the count of such restarts).
    sends = {}
    for r in fake.received():
        dlr = urllib.parse.urlsplit(r.query["dlr-url"])
        oid = int(urllib.parse.parse_qs(dlr.query)["id"][0])
        sends[oid] = sends.get(oid, 0) + 1
    for oid, resent in c.sql("SELECT id, resent FROM outbox"):
        n = sends.get(oid, 0)
        assert 1 <= n <= 1 + resent, (oid, n, resent)
    print("acked %d, stored %d, replies sent %d, rows resent after a kill %d"
          % (len(acked), len(stored), sum(sends.values()),
             c.sql("SELECT count(*) FROM outbox WHERE resent > 0")[0][0]))


if __name__ == "__main__":
    run_tests([test_kill_9_under_load_loses_nothing_and_sends_once])
