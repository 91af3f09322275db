"""test_reminders.py - loan reminders with a fixed clock (catat remind --now), and digests.

Two groups in two time zones (+07:00 and +09:00), members imported from CSV, loans due on
2027-03-11 (dates after the real clock, so nothing queued is sent while the test runs).
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

GROUPS = """code,name,network,district,timezone
KPUK07,Mawar,JARPUK1,Blitar,+07:00
KPUK09,Melati,JARPUK1,Jayapura,+09:00
"""
MEMBERS = """phone,name,group,role,code
081100000001,Siti Aminah,KPUK07,member,A0001
081100000002,Ani Wenda,KPUK09,member,A0002
081100000003,Rina Sari,KPUK07,member,A0003
081100000004,Dewi Lestari,KPUK07,member,A0004
081100000009,Bu Tari,KPUK07,facilitator,F0001
"""
LOANS = """code,phone,principal,instalments,frequency,first_due
P1,081100000001,150000,1,monthly,2027-03-11
P2,081100000002,150000,1,monthly,2027-03-11
P3,081100000003,150000,1,monthly,2027-03-11
P4,081100000004,150000,1,monthly,2027-03-11
"""
SITI, ANI, RINA, DEWI = "+6281100000001", "+6281100000002", "+6281100000003", "+6281100000004"


def setup(ini=""):
    c = Catat(ini=ini)
    for name, text in (("groups", GROUPS), ("members", MEMBERS), ("loans", LOANS)):
        path = os.path.join(c.dir, name + ".csv")
        with open(path, "w") as f:
            f.write(text)
        c.run("import", name, path)
    return c


def dry(c, now):
    p = c.run("remind", "--now", now, "--dry-run")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def remind(c, now):
    p = c.run("remind", "--now", now)
    return int(p.stdout.split()[0])


def reminders(c):
    return c.sql("SELECT phone, kind, text, next_at, status FROM outbox"
                 " WHERE kind LIKE 'loan%' ORDER BY id")


def test_each_group_reminded_at_its_own_local_hour():
    c = setup()
    # 08:00 in Jayapura (+09:00) is 06:00 in Blitar: only KPUK09's member is due a reminder.
    got = dry(c, "2027-03-10T08:00:00+09:00")
    assert [(r["to"], r["kind"]) for r in got] == [(ANI, "loan_due")], got
    r = got[0]
    assert r["send_at"] == "2027-03-10T08:00:00+09:00", r
    assert "Rp150.000" in r["text"] and "P2" in r["text"] and "2027-03-11" in r["text"], r
    assert len(r["text"]) <= 160, r
    assert set(r) >= {"to", "kind", "send_at", "text"}
    assert reminders(c) == []  # a dry run queues nothing
    assert remind(c, "2027-03-10T08:00:00+09:00") == 1
    assert remind(c, "2027-03-10T07:59:00+07:00") == 0  # Blitar: not yet 08:00
    assert remind(c, "2027-03-10T08:00:00+07:00") == 3  # Siti, Rina, Dewi
    rows = reminders(c)
    assert [(p, k) for p, k, *_ in rows] == [(ANI, "loan_due"), (SITI, "loan_due"),
                                             (RINA, "loan_due"), (DEWI, "loan_due")], rows
    # The due day itself, again at each group's hour.
    assert remind(c, "2027-03-11T08:30:00+07:00") == 4


def test_twice_for_the_same_moment_queues_nothing_twice():
    c = setup()
    assert remind(c, "2027-03-10T09:00:00+07:00") == 4
    before = c.sql("SELECT * FROM outbox ORDER BY id")
    assert remind(c, "2027-03-10T09:00:00+07:00") == 0
    assert remind(c, "2027-03-10T10:00:00+07:00") == 0
    assert dry(c, "2027-03-10T11:00:00+07:00") == []
    assert c.sql("SELECT * FROM outbox ORDER BY id") == before


def test_opted_out_and_paid_are_not_reminded_and_a_payment_drops_the_queued_one():
    c = setup()
    p = c.run("simulate", "--from", RINA, input="BERHENTI\n")
    assert "MULAI" in p.stdout, p.stdout
    p = c.run("simulate", "--from", DEWI, input="BAYAR 150rb\n")
    assert "P4" in p.stdout, p.stdout
    got = dry(c, "2027-03-10T08:00:00+07:00")
    assert sorted(r["to"] for r in got) == [SITI, ANI], got  # not Rina (STOP), not Dewi (paid)
    assert remind(c, "2027-03-10T08:00:00+07:00") == 2
    assert [(p, s) for p, _, _, _, s in reminders(c)] == [(SITI, "queued"), (ANI, "queued")]
    # Siti pays (no treasurer in KPUK07: confirmed at once): her queued reminder is dropped.
    p = c.run("simulate", "--from", SITI, input="BAYAR 150rb P1\n")
    assert "P1" in p.stdout, p.stdout
    assert [(p, s) for p, _, _, _, s in reminders(c)] == [(SITI, "dropped"), (ANI, "queued")]
    # Paid: not on the due day either; Ani still is.
    assert [r["to"] for r in dry(c, "2027-03-11T08:00:00+07:00")] == [ANI]
    # Rina says MULAI again: she is reminded on the due day.
    c.run("simulate", "--from", RINA, input="MULAI\n")
    assert sorted(r["to"] for r in dry(c, "2027-03-11T08:00:00+07:00")) == [ANI, RINA]


def test_quiet_hours_move_the_reminder_to_their_end():
    c = setup("[reminders]\nhour = 5\nquiet_start = 21:00\nquiet_end = 06:00\n")
    got = dry(c, "2027-03-10T05:00:00+07:00")
    sends = {r["to"]: r["send_at"] for r in got}
    # Blitar's 05:00 is quiet: they go at 06:00. It is 07:00 in Jayapura: Ani's goes now.
    assert sends == {SITI: "2027-03-10T06:00:00+07:00", RINA: "2027-03-10T06:00:00+07:00",
                     DEWI: "2027-03-10T06:00:00+07:00", ANI: "2027-03-10T07:00:00+09:00"}, got
    assert remind(c, "2027-03-10T05:00:00+07:00") == 4
    # 06:00 +07:00 is 23:00 UTC the day before; 07:00 +09:00 is 22:00 UTC.
    at = dict((p, n) for p, _, _, n, _ in reminders(c))
    assert at[SITI] - at[ANI] == 3600 and at[SITI] % 86400 == 23 * 3600, at
    # A late run in the evening (quiet from 21:00) goes at 06:00 the next morning.
    got = dry(c, "2027-03-11T22:30:00+07:00")
    assert got and all(r["send_at"] == "2027-03-12T06:00:00+07:00" for r in got), got


def test_overdue_every_few_days_up_to_the_bound():
    c = setup("[reminders]\noverdue_every_days = 3\noverdue_max = 2\n")
    days = []
    for d in range(8, 24):
        n = remind(c, "2027-03-%02dT09:00:00+09:00" % d)
        if n:
            days.append(d)
    kinds = c.sql("SELECT kind, count(*) FROM outbox WHERE phone = ? GROUP BY kind ORDER BY kind",
                  ANI)
    assert kinds == [("loan_due", 2), ("loan_overdue", 2)], kinds
    texts = [t for (t,) in c.sql("SELECT text FROM outbox WHERE phone = ? AND kind ="
                                 " 'loan_overdue' ORDER BY id", ANI)]
    assert "3" in texts[0] and "6" in texts[1], texts
    assert days == [10, 11, 14, 17], days


def test_digest_print_has_the_groups_figures():
    c = setup()
    c.run("simulate", "--from", SITI, input="JUAL 45rb abon\nBELI 20rb gula\nBAYAR 50rb\n")
    c.run("simulate", "--from", "+6289999999999", input="halo apa kabar\n")
    now = c.sql("SELECT max(received_at) FROM messages")[0][0] + 60
    iso = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    # Written in small letters, after a longer code given first: the last --group counts.
    p = c.run("digest", "--now", iso, "--group", "kpuk0999", "--group", "kpuk07", "--print")
    out = p.stdout
    assert "KPUK07" in out and "Rp45.000" in out and "Rp20.000" in out, out
    assert "Rp50.000" in out, out  # the repayment
    assert "KPUK09" not in out, out
    # Arrears: on 2027-03-20 Ani's and Rina's instalments are late.
    p = c.run("digest", "--now", "2027-03-20T18:00:00+07:00", "--print")
    assert "Rina Sari" in p.stdout and "Rp150.000" in p.stdout and "9" in p.stdout, p.stdout
    # --send queues it once per staff member and day.
    c.run("digest", "--now", "2027-03-20T18:00:00+07:00", "--send")
    rows = c.sql("SELECT phone, text FROM outbox WHERE kind = 'digest' ORDER BY id")
    # The facilitator of KPUK07 gets her group's digest and her network's.
    assert [p for p, _ in rows] == ["+6281100000009"] * 2, rows
    assert "KPUK07" in rows[0][1] and "JARPUK1" in rows[1][1], rows
    assert "Ani Wenda" in rows[1][1] and "Ani Wenda" not in rows[0][1], rows
    assert all(len(t) <= 3 * 153 for _, t in rows), rows  # console is not WhatsApp: SMS-sized
    c.run("digest", "--now", "2027-03-20T18:05:00+07:00", "--send")
    assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'digest'") == [(2,)]


def test_scheduler_in_serve_queues_and_sends_with_the_real_clock():
    # A loan due tomorrow by the real clock, reminders at any hour: the scheduler's first pass
    # (a minute after start) queues the day-before reminder and the outbox sends it.
    import time
    c = Catat(ini="[reminders]\nhour = 0\nquiet_start = 00:00\nquiet_end = 00:00\n")
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600 + 86400))
    for name, text in (("groups", GROUPS), ("members", MEMBERS),
                       ("loans", "code,phone,principal,instalments,frequency,first_due\n"
                                 "P1,081100000001,150000,1,monthly,%s\n" % tomorrow)):
        path = os.path.join(c.dir, name + ".csv")
        with open(path, "w") as f:
            f.write(text)
        c.run("import", name, path)
    c.start()
    try:
        c.wait_for(lambda: c.sql("SELECT phone, kind, status FROM outbox WHERE kind ="
                                 " 'loan_due'") == [(SITI, "loan_due", "sent")],
                   deadline=100, what="the scheduler's reminder, sent")
    finally:
        c.stop()


if __name__ == "__main__":
    run_tests([test_each_group_reminded_at_its_own_local_hour,
               test_twice_for_the_same_moment_queues_nothing_twice,
               test_opted_out_and_paid_are_not_reminded_and_a_payment_drops_the_queued_one,
               test_quiet_hours_move_the_reminder_to_their_end,
               test_overdue_every_few_days_up_to_the_bound,
               test_digest_print_has_the_groups_figures,
               test_scheduler_in_serve_queues_and_sends_with_the_real_clock])
