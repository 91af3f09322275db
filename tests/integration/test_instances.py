"""Two catat serve instances on one PostgreSQL database, behind the same fake Kannel.

Both instances have the same [database] url (harness: share_database_of) and listen on their
own ports, like two machines behind nginx. Members and unknown senders post Kannel MOs: some
messages to one instance, some to the other, and some to both at once with the same Kannel id
(a provider's retry that reaches the other instance). A sender that gets no 2xx tries the other
instance, as a balancer would. Under that load instance A is killed with kill -9, B serves alone
for a while, then A is started again. Meanwhile both schedulers tick every second on a day
before four loans fall due, and `catat remind` and `catat digest --send` run from both
configurations at once. Then:

- every message acknowledged with 2xx is stored exactly once (rows in messages by provider_id),
  and a member's sale is in the books once;
- every stored message has exactly one reply, sent once on the wire (each Kannel sendsms carries
  its outbox id in the dlr-url), or once more only when it was in flight on A at the kill: then
  its outbox row records it (resent > 0), and it was 'sending' right after the kill;
- each loan's reminder is queued once (one reminders row, one outbox row) and sent once, and the
  digests are queued once, however many schedulers and commands ran.

PostgreSQL only: one SQLite file is one machine's database, not one to share.
"""
# catat-test-backends: postgresql -- two instances share a database only on PostgreSQL.
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

GROUPS = "code,name,network,district,timezone\nKPUK07,Mawar,JARPUK1,Blitar,+07:00\n"
MEMBERS = [("081100000001", "Siti Aminah", "A0001"), ("081100000002", "Ani Wenda", "A0002"),
           ("081100000003", "Rina Sari", "A0003"), ("081100000004", "Dewi Lestari", "A0004")]
FACILITATOR = ("081100000009", "Bu Tari", "F0001")
WIB = 7 * 3600


def e164(phone):
    return "+62" + phone[1:]


def instance(fake, share=None):
    ini = ("[server]\nreplies_per_hour = 0\n"
           "[outbox]\nrate_per_second = 0\nretry_base_ms = 50\ndefault_channel = kannel\n"
           "[scheduler]\ntick_seconds = 1\n"
           "[reminders]\nhour = 0\nquiet_start = 00:00\nquiet_end = 00:00\n"
           "[kannel]\nenabled = true\nsendsms_url = %s/cgi-bin/sendsms\nusername = u\n"
           "password = p\nsecret = s3cret\n" % fake.url)
    return Catat(ini=ini, share_database_of=share)


def import_world(c, due):
    """Groups, members and one loan per member falling due on due (YYYY-MM-DD)."""
    members = "phone,name,group,role,code\n" + "".join(
        "%s,%s,KPUK07,member,%s\n" % m for m in MEMBERS) + \
        "%s,%s,KPUK07,facilitator,%s\n" % FACILITATOR
    loans = "code,phone,principal,instalments,frequency,first_due\n" + "".join(
        "P%d,%s,150000,1,monthly,%s\n" % (i + 1, m[0], due) for i, m in enumerate(MEMBERS))
    for name, text in (("groups", GROUPS), ("members", members), ("loans", loans)):
        path = os.path.join(c.dir, name + ".csv")
        with open(path, "w") as f:
            f.write(text)
        c.run("import", name, path)


class Load:
    """Senders posting Kannel MOs until stopped, each retried until some instance says 2xx."""

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acked = {}   # Kannel id -> sender's phone (E.164), acknowledged with 2xx
        self.tried = set()  # every Kannel id posted at least once
        self.member_acked = set()
        self.acked_by = {a.port: 0, b.port: 0}  # acknowledgements per instance
        self.threads = []

    def deliver(self, order, msg_id, phone, text):
        q = urllib.parse.urlencode({"from": phone, "to": "1234", "id": msg_id, "text": text,
                                    "secret": "s3cret"})
        with self.lock:
            self.tried.add(msg_id)
        while not self.stop.is_set():
            for c in order:
                try:
                    status = c.request("GET", "/webhook/kannel?" + q)[0]
                except OSError:
                    status = None
                if 200 <= (status or 0) < 300:
                    with self.lock:
                        self.acked[msg_id] = e164(phone)
                        self.acked_by[c.port] += 1
                    return True
            time.sleep(0.01)
        return False

    def sender(self, name, order, phone, member):
        i = 0
        while not self.stop.is_set():
            i += 1
            msg_id = "%s-%d" % (name, i)
            text = "JUAL %drb abon" % i
            if self.deliver(order, msg_id, phone, text) and member:
                with self.lock:
                    self.member_acked.add(msg_id)

    def twin_sender(self, name, phone):
        """Each message posted to both instances at once, with the same id."""
        i = 0
        while not self.stop.is_set():
            i += 1
            msg_id = "%s-%d" % (name, i)
            sides = [threading.Thread(target=self.deliver, args=(order, msg_id, phone, "halo"))
                     for order in ((self.a, self.b), (self.b, self.a))]
            for t in sides:
                t.start()
            for t in sides:
                t.join()

    def start(self):
        a, b = self.a, self.b
        plan = [(self.sender, ("a-own", (a, b), "081299990001", False)),
                (self.sender, ("b-own", (b, a), "081299990002", False)),
                (self.sender, ("m1", (a, b), MEMBERS[0][0], True)),
                (self.sender, ("m2", (b, a), MEMBERS[1][0], True)),
                (self.twin_sender, ("twin", "081299990003"))]
        for target, args in plan:
            t = threading.Thread(target=target, args=args, daemon=True)
            t.start()
            self.threads.append(t)

    def by(self, c):
        with self.lock:
            return self.acked_by[c.port]

    def count(self):
        with self.lock:
            return len(self.acked)

    def wait(self, n, what, deadline=60):
        end = time.monotonic() + deadline
        while self.count() < n:
            if time.monotonic() > end:
                raise AssertionError("%s: only %d of %d messages acknowledged"
                                     % (what, self.count(), n))
            time.sleep(0.01)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def sends_by_outbox_id(fake):
    sends = {}
    for r in fake.received():
        dlr = urllib.parse.urlsplit(r.query["dlr-url"])
        oid = int(urllib.parse.parse_qs(dlr.query)["id"][0])
        sends[oid] = sends.get(oid, 0) + 1
    return sends


def test_two_instances_one_database_kill_9_under_load():
    fake = FakeProvider(202, b"0: Accepted for delivery", "text/plain")
    a = instance(fake)
    b = instance(fake, share=a)
    assert a.database_url == b.database_url and a.port != b.port
    # Loans due tomorrow in Blitar: the schedulers' first pass queues the day-before reminder.
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + WIB + 86400))
    import_world(a, tomorrow)
    a.start()
    b.start()
    load = Load(a, b)
    sending_at_kill = set()
    try:
        load.start()
        load.wait(60, "both instances")
        # Both instances' schedulers and remind commands from both configurations, at once.
        now = time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + WIB))
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda c: c.run("remind", "--now", now), [a, b, a, b]))
        queued_by_commands = sum(int(p.stdout.split()[0]) for p in runs)
        assert queued_by_commands <= len(MEMBERS), [p.stdout for p in runs]

        load.wait(load.count() + 60, "before the kill")
        assert load.by(a) > 0 and load.by(b) > 0, load.acked_by
        a.kill()
        sending_at_kill = {oid for (oid,) in b.sql("SELECT id FROM outbox"
                                                    " WHERE status = 'sending'")}
        load.wait(load.count() + 60, "with A dead")  # B alone takes what A no longer answers
        a.start()
        a_before = load.by(a)
        load.wait(load.count() + 60, "after A restarted")
        a.wait_for(lambda: load.by(a) > a_before, 30, "A answering again")
        # Digests for one evening, sent from both configurations at once.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: c.run("digest", "--now", "2027-03-20T18:00:00+07:00",
                                          "--send"), [a, b, a, b]))
    finally:
        load.finish()
    try:
        # Everything but the digests (queued for 2027) goes out now.
        now_kinds = "kind <> 'digest'"
        a.wait_for(lambda: a.sql("SELECT count(*) FROM outbox WHERE " + now_kinds +
                                 " AND status NOT IN ('sent', 'delivered', 'read')") == [(0,)]
                   and a.sql("SELECT count(*) FROM outbox WHERE kind = 'loan_due'")[0][0]
                   >= len(MEMBERS), 90, "replies and reminders sent")
    finally:
        a.stop()
        b.stop()
        fake.close()

    # Every acknowledged message stored once; nothing stored that was not posted.
    stored = {}
    for pid, n in a.sql("SELECT provider_id, count(*) FROM messages WHERE channel = 'kannel'"
                        " GROUP BY provider_id"):
        stored[pid] = n
    assert [p for p, n in stored.items() if n != 1] == [], "stored more than once"
    missing = set(load.acked) - set(stored)
    assert not missing, "acknowledged but not stored: %s" % sorted(missing)[:10]
    assert set(stored) <= load.tried
    twins = [m for m in load.acked if m.startswith("twin-")]
    assert len(twins) > 10 and len(load.member_acked) > 10, (len(twins), len(load.member_acked))
    # A member's sale is in the books once per stored message of hers.
    member_stored = sum(1 for p in stored if p.startswith(("m1-", "m2-")))
    assert a.sql("SELECT count(*) FROM entries WHERE kind = 'sale'") == [(member_stored,)]

    # One reply per stored message.
    replies = a.sql("SELECT message_id, count(*) FROM outbox WHERE kind = 'reply'"
                    " GROUP BY message_id")
    assert [r for r in replies if r[1] != 1 or r[0] is None] == [], replies[:10]
    assert len(replies) == len(stored), (len(replies), len(stored))

    # Reminders: one per loan however many passes ran, and two digests for the facilitator
    # (her group's and her network's), queued once.
    assert a.sql("SELECT count(*) FROM reminders WHERE kind = 'loan_due'") == [(len(MEMBERS),)]
    due = sorted(p for (p,) in a.sql("SELECT phone FROM outbox WHERE kind = 'loan_due'"))
    assert due == sorted(e164(m[0]) for m in MEMBERS), due
    assert a.sql("SELECT phone, count(*) FROM outbox WHERE kind = 'digest' GROUP BY phone") == \
        [(e164(FACILITATOR[0]), 2)]

    # On the wire: each row once, or once more when it was in flight on A at the kill, and
    # then its row says so.
    sends = sends_by_outbox_id(fake)
    rows = a.sql("SELECT id, kind, resent, status, coalesce(error, '') FROM outbox WHERE "
                 + now_kinds)
    for oid, kind, resent, status, error in rows:
        n = sends.get(oid, 0)
        assert 1 <= n <= 1 + resent, ("sent %d times" % n, oid, kind, resent, status, error)
        # Only A's rows in flight may go twice; resending B's live ones is a double send.
        assert resent == 0 or oid in sending_at_kill, \
            ("resent but not in flight at the kill", oid, kind, resent, n, error)
    assert set(sends) <= {r[0] for r in rows}, "sent but not in the outbox"
    print("acked %d (twins %d), stored %d, replies sent %d, in flight at the kill %d, resent %d"
          % (len(load.acked), len(twins), len(stored), sum(sends.values()),
             len(sending_at_kill), sum(r[2] for r in rows)))


if __name__ == "__main__":
    run_tests([test_two_instances_one_database_kill_9_under_load])
