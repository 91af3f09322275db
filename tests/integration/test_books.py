"""The LKP's books end to end: loans with interest imported from CSV, a quarter (2026Q3) of
members' and treasurers' messages for two groups in two networks and two time zones through
catat serve, then `catat report loans`, `catat export` and LAPORAN.

The console channel stamps an entry with the time it arrives; the test sends the quarter in
date order and then dates each entry (created_at, confirmed_at) where the quarter puts it. Every
expected figure is counted here from the list of events the test sent and from the loans'
terms (the schedule and the spreading of repayments are worked out again in Python), never read
from catat's output."""
import datetime
import itertools
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

REF = re.compile(r"Ref ([A-Z0-9]{4,5})")
_ids = itertools.count(1)

SITI, ANI, RINA = "+6281200000001", "+6281200000002", "+6281200000003"
LINA, WATI, TARI = "+6281200000011", "+6281200000012", "+6281200000013"
TZ = {"KPUK07": 7, "KPUK20": 8, "KPUK08": 7}
GROUP_OF = {SITI: "KPUK07", ANI: "KPUK07", RINA: "KPUK07", LINA: "KPUK20", WATI: "KPUK20",
            TARI: "KPUK20"}
NETWORK = {"KPUK07": "JARPUK1", "KPUK08": "JARPUK1", "KPUK20": "JARPUK2"}
TREASURER = {"KPUK07": RINA, "KPUK20": TARI}
FROM, TO = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)

# code, phone, principal, instalment (None: principal / n), n, frequency, first_due, disbursed
LOANS = [
    ("P1", SITI, 1000000, 110000, 10, "weekly", "2026-07-08", None),
    ("P2", ANI, 500000, 170000, 3, "monthly", "2026-06-15", "2026-05-20"),
    ("P3", LINA, 2000000, 550000, 4, "monthly", "2026-08-10", "2026-07-10"),
    ("P4", WATI, 300000, None, 3, "weekly", "2026-10-07", "2026-10-01"),
]


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def setup():
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    groups = write(c, "groups.csv", "code,name,network,district,timezone\n"
                   "KPUK07,Mawar,JARPUK1,Blitar,+07:00\n"
                   "KPUK08,Melati,JARPUK1,Blitar,+07:00\n"
                   "KPUK20,Anggrek,JARPUK2,Makassar,+08:00\n")
    members = write(c, "members.csv", "phone,name,group,role,code\n"
                    "081200000001,Siti Aminah,KPUK07,member,A0101\n"
                    "081200000002,Ani,KPUK07,member,A0102\n"
                    "081200000003,Rina,KPUK07,treasurer,T0001\n"
                    "081200000011,Lina,KPUK20,member,A0201\n"
                    "081200000012,Wati,KPUK20,member,A0202\n"
                    "081200000013,Tari,KPUK20,treasurer,T0002\n")
    rows = ["code,phone,principal,instalment,instalments,frequency,first_due,disbursed"]
    for code, phone, p, inst, n, freq, first, disb in LOANS:
        rows.append("%s,0%s,%d,%s,%d,%s,%s,%s" % (code, phone[3:], p, inst or "", n, freq, first,
                                                  disb or ""))
    loans = write(c, "loans.csv", "\n".join(rows) + "\n")
    c.run("import", "groups", groups)
    c.run("import", "members", members)
    assert c.run("import", "loans", loans).stdout.startswith("imported 4 loans")
    return c


def say(c, phone, text):
    s, ans = c.console(phone, text, "b%d" % next(_ids))
    assert s == 200, (s, ans)
    assert len(ans["replies"]) == 1, ans
    return ans["replies"][0]


def ref_of(reply):
    m = REF.search(reply)
    assert m, reply
    return m.group(1)


def stamp(group, date, hour=10, minute=0):
    """Unix time of a local date and time in the group's zone."""
    tz = datetime.timezone(datetime.timedelta(hours=TZ[group]))
    return int(datetime.datetime(date.year, date.month, date.day, hour, minute, tzinfo=tz)
               .timestamp())


# ---- the schedule and the spreading of repayments, worked out again ----

def add_months(d, k):
    m = d.month - 1 + k
    y, m = d.year + m // 12, m % 12 + 1
    last = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31,
            31, 30, 31, 30, 31][m - 1]
    return datetime.date(y, m, min(d.day, last))


def schedule(loan):
    """[(due, amount, interest)]: interest is instalment x n - principal; the principal parts
    are principal / n, the odd rupiahs one each on the first instalments."""
    code, phone, p, inst, n, freq, first, disb = loan
    first = datetime.date.fromisoformat(first)
    inst = inst or p // n
    dues = [first + datetime.timedelta(days=7 * i) if freq == "weekly" else add_months(first, i)
            for i in range(n)]
    if inst * n <= p:  # no interest: the last takes what is left
        return [(dues[i], inst if i < n - 1 else p - inst * (n - 1), 0) for i in range(n)]
    out = []
    for i in range(n):
        principal_part = p // n + (1 if i < p % n else 0)
        out.append((dues[i], inst, inst - principal_part))
    return out


def disbursed(loan):
    code, phone, p, inst, n, freq, first, disb = loan
    if disb:
        return datetime.date.fromisoformat(disb)
    first = datetime.date.fromisoformat(first)
    return first - datetime.timedelta(days=7) if freq == "weekly" else add_months(first, -1)


def spread(loan, payments):
    """Pays the instalments oldest first, interest first within each; returns the paid amount
    per instalment and, per payment, (principal, interest)."""
    sched = schedule(loan)
    paid = [0] * len(sched)
    split = []
    for amount in payments:
        principal = interest = 0
        for i, (_, inst_amount, inst_interest) in enumerate(sched):
            if amount == 0:
                break
            take = min(amount, inst_amount - paid[i])
            if take <= 0:
                continue
            to_interest = max(0, min(take, inst_interest - paid[i]))
            interest += to_interest
            principal += take - to_interest
            paid[i] += take
            amount -= take
        assert amount == 0, "the test never overpays"
        split.append((principal, interest))
    return paid, split


# ---- the quarter ----

# (phone, text, local date, hour, treasurer confirms?, cancelled by the treasurer?)
# In date order. Each member here has one loan, so a repayment is that loan's.
EVENTS = [
    (ANI, "BAYAR 170rb", datetime.date(2026, 6, 16), 9, True, False),     # before the quarter
    (SITI, "TABUNG 40rb", datetime.date(2026, 6, 20), 9, True, False),    # before the quarter
    (SITI, "TABUNG 100rb", datetime.date(2026, 7, 3), 9, True, False),
    (LINA, "TABUNG 200rb", datetime.date(2026, 7, 5), 9, True, False),
    (SITI, "JUAL 45rb abon", datetime.date(2026, 7, 10), 9, None, False),
    (SITI, "BELI 20rb gula", datetime.date(2026, 7, 11), 9, None, False),
    (SITI, "BAYAR 220rb", datetime.date(2026, 7, 20), 9, True, False),
    (SITI, "TARIK 30rb", datetime.date(2026, 8, 1), 9, True, False),
    (SITI, "BAYAR 110rb", datetime.date(2026, 8, 5), 9, True, False),
    (LINA, "JUAL 3x15rb keripik", datetime.date(2026, 8, 8), 9, None, False),
    (LINA, "BAYAR 550rb", datetime.date(2026, 8, 10), 9, True, False),
    (ANI, "BAYAR 340rb", datetime.date(2026, 8, 14), 9, True, False),    # the exact rest
    (SITI, "BAYAR 50rb", datetime.date(2026, 8, 25), 9, False, False),   # never confirmed
    (SITI, "BAYAR 105rb", datetime.date(2026, 9, 2), 9, True, True),     # confirmed, cancelled
    (SITI, "JUAL 99rb kain", datetime.date(2026, 9, 3), 9, None, True),  # cancelled
    (RINA, "TABUNG A0102 25rb", datetime.date(2026, 9, 15), 9, None, False),  # staff: at once
    (LINA, "BAYAR 300rb", datetime.date(2026, 9, 20), 9, True, False),
    (SITI, "TABUNG 60rb", datetime.date(2026, 9, 29), 9, False, False),  # never confirmed
    (SITI, "JUAL 1,5jt tenun", datetime.date(2026, 9, 30), 7, None, False),
    (LINA, "TARIK 20rb", datetime.date(2026, 9, 30), 23, True, False),   # 23:00 WITA: Q3
    (LINA, "AMBIL 50rb", datetime.date(2026, 10, 1), 0, True, False),    # 00:00 WITA: Q4
    (LINA, "BELI 12.500 gas", datetime.date(2026, 10, 1), 9, None, False),
    (SITI, "BAYAR 110rb", datetime.date(2026, 10, 2), 9, True, False),   # after the quarter
]

KIND = {"BAYAR": "repayment", "TABUNG": "savings", "TARIK": "withdrawal", "AMBIL": "withdrawal",
        "JUAL": "sale", "BELI": "expense"}
AMOUNT = re.compile(r"(\d+)x(\d+)rb|(\d+),(\d)jt|(\d+)rb|(\d+)\.(\d{3})")


def amount_of(text):
    m = AMOUNT.search(text)
    if m.group(1):
        return int(m.group(1)) * int(m.group(2)) * 1000
    if m.group(3):
        return int(m.group(3)) * 1000000 + int(m.group(4)) * 100000
    if m.group(5):
        return int(m.group(5)) * 1000
    return int(m.group(6)) * 1000 + int(m.group(7))


def replay(c):
    """Sends the events; returns them with their kind, amount, member, group, time and final
    status."""
    done = []
    for phone, text, date, hour, confirm, cancel in EVENTS:
        word = text.split()[0]
        member = phone
        if phone == RINA:  # on Ani's behalf
            member = ANI
        group = GROUP_OF[member]
        reply = say(c, phone, text)
        ref = ref_of(reply)
        at = stamp(group, date, hour)
        status = "confirmed"
        if confirm:
            assert "sah" in say(c, TREASURER[group], "KONFIRM " + ref)
        elif confirm is False:
            status = "reported"
        c.sql("UPDATE entries SET created_at = ?, confirmed_at = CASE WHEN confirmed_at IS NOT"
              " NULL THEN ? END WHERE ref = ?", at, at, ref)
        if cancel:
            assert "dibatalkan" in say(c, TREASURER[group], "BATAL " + ref)
            status = "cancelled"
        done.append({"ref": ref, "kind": KIND[word], "amount": amount_of(text), "member": member,
                     "group": group, "at": at, "status": status})
    return done


def expected(events):
    """Every figure of the quarter per group, counted from the events and the loans."""
    start = {g: stamp(g, FROM, 0) for g in TZ}
    end = {g: stamp(g, TO + datetime.timedelta(days=1), 0) for g in TZ}
    keys = ["loans_active", "disbursed", "repaid_principal", "repaid_interest", "outstanding",
            "in_arrears", "par30", "savings_in", "savings_out", "savings_balance", "sales",
            "expenses"]
    figures = {g: dict.fromkeys(keys, 0) for g in TZ}
    for e in events:
        if e["status"] != "confirmed" or e["at"] >= end[e["group"]]:
            continue
        f = figures[e["group"]]
        inside = e["at"] >= start[e["group"]]
        if e["kind"] == "savings":
            f["savings_balance"] += e["amount"]
            f["savings_in"] += e["amount"] if inside else 0
        elif e["kind"] == "withdrawal":
            f["savings_balance"] -= e["amount"]
            f["savings_out"] += e["amount"] if inside else 0
        elif e["kind"] == "sale" and inside:
            f["sales"] += e["amount"]
        elif e["kind"] == "expense" and inside:
            f["expenses"] += e["amount"]
    for loan in LOANS:
        code, phone = loan[0], loan[1]
        g = GROUP_OF[phone]
        f = figures[g]
        if FROM <= disbursed(loan) <= TO:
            f["disbursed"] += loan[2]
        pays = sorted((e for e in events if e["member"] == phone and e["kind"] == "repayment"
                       and e["status"] == "confirmed" and e["at"] < end[g]),
                      key=lambda e: e["at"])
        paid, split = spread(loan, [e["amount"] for e in pays])
        for e, (principal, interest) in zip(pays, split):
            if e["at"] >= start[g]:
                f["repaid_principal"] += principal
                f["repaid_interest"] += interest
        if disbursed(loan) > TO:
            continue
        sched = schedule(loan)
        owed = sum(a for _, a, _ in sched) - sum(paid)
        late = [(TO - due).days for (due, a, _), p in zip(sched, paid) if p < a and due < TO]
        if owed:
            f["loans_active"] += 1
            f["outstanding"] += owed
        if late:
            f["in_arrears"] += 1  # one loan per member here
        if late and max(late) > 30:
            f["par30"] += owed
    return figures


def test_quarter_report_to_the_rupiah():
    c = setup().start()
    try:
        # overpaying and withdrawing more than is saved are refused and change nothing
        before = c.sql("SELECT count(*) FROM entries")[0][0]
        reply = say(c, LINA, "BAYAR 10jt")
        assert "Rp2.200.000" in reply and "BAYAR Rp2.200.000 P3" in reply, reply
        assert "Penarikan" not in reply and len(reply) <= 160, reply
        assert "Belum ada tabungan" in say(c, LINA, "TARIK 500rb")
        assert c.sql("SELECT count(*) FROM entries")[0][0] == before
        events = replay(c)
        want = expected(events)

        # hand counts of a few figures, beside the worked-out ones: P1 (110000 x 10, 10000 of
        # each interest) had 220000 + 110000 by the end of September: three instalments paid,
        # 770000 owed, the fourth (due 07-29) 63 days late
        assert want["KPUK07"]["outstanding"] == 770000 + 0
        assert want["KPUK07"]["par30"] == 770000
        assert want["KPUK07"]["repaid_interest"] == 3 * 10000 + (3333 + 3334)
        assert want["KPUK20"]["repaid_principal"] == 500000 + 250000

        out = json.loads(c.run("report", "loans", "--period", "2026Q3", "--format", "json").stdout)
        assert (out["period"], out["from"], out["to"]) == ("2026Q3", "2026-07-01", "2026-09-30")
        got = {g["group"]: g for g in out["groups"]}
        assert sorted(got) == ["KPUK07", "KPUK08", "KPUK20"], got
        for g in TZ:
            assert got[g]["network"] == NETWORK[g]
            for k, v in want[g].items():
                assert got[g][k] == v, (g, k, got[g][k], v)
        nets = {n["network"]: n for n in out["networks"]}
        assert sorted(nets) == ["JARPUK1", "JARPUK2"]
        for net in nets:
            for k in want["KPUK07"]:
                assert nets[net][k] == sum(want[g][k] for g in TZ if NETWORK[g] == net), (net, k)
        for k in want["KPUK07"]:
            assert out["total"][k] == sum(want[g][k] for g in TZ), k

        # the CSV has the same figures; the text is Indonesian and shows them in rupiah
        csv = c.run("report", "loans", "--period", "2026q3", "--format", "csv").stdout
        lines = csv.splitlines()
        header = lines[0].split(",")
        assert header[:6] == ["period", "from", "to", "scope", "code", "network"], header
        assert len(lines) == 1 + 3 + 2 + 1, lines  # groups, networks, total
        total = dict(zip(header, lines[-1].split(",")))
        assert total["scope"] == "total" and total["period"] == "2026Q3", total
        for k in want["KPUK07"]:
            assert int(total[k]) == out["total"][k], k
        text = c.run("report", "loans", "--period", "2026Q3").stdout
        assert "Laporan pinjaman" in text and "Jumlah" in text and "Grup KPUK20" in text, text
        assert "Rp770.000" in text, text
        # a month: only September's repayments
        sep = json.loads(c.run("report", "loans", "--period", "2026-09", "--format",
                               "json").stdout)
        assert sep["total"]["repaid_principal"] + sep["total"]["repaid_interest"] == 300000
        assert sep["total"]["disbursed"] == 0
        bad = c.run("report", "loans", "--period", "2026Q5", check=False)
        assert bad.returncode == 2 and "YYYYQn" in bad.stderr, bad.stderr

        # exports now: P1 after October's 110000 too: four instalments paid
        loans = {x["code"]: x for x in json.loads(c.run("export", "loans", "--format",
                                                        "json").stdout)}
        p1 = loans["P1"]
        assert (p1["principal"], p1["interest"], p1["paid"]) == (1000000, 100000, 440000), p1
        assert (p1["outstanding"], p1["outstanding_principal"], p1["outstanding_interest"]) == \
            (660000, 600000, 60000), p1
        assert p1["disbursed"] == "2026-07-01" and loans["P4"]["disbursed"] == "2026-10-01"
        assert loans["P2"]["outstanding"] == 0 and loans["P2"]["next_due"] is None
        members = {m["code"]: m for m in json.loads(c.run("export", "members", "--format",
                                                          "json").stdout)}
        for phone, code in ((SITI, "A0101"), (ANI, "A0102"), (LINA, "A0201")):
            saved = sum(e["amount"] if e["kind"] == "savings" else -e["amount"] for e in events
                        if e["member"] == phone and e["status"] == "confirmed"
                        and e["kind"] in ("savings", "withdrawal"))
            assert members[code]["savings"] == saved, (code, members[code], saved)
        ledger = json.loads(c.run("export", "ledger", "--format", "json").stdout)
        assert sum(1 for e in ledger if e["kind"] == "withdrawal") == 3

        # LAPORAN keeps what waits apart: Siti's 60000 saving and 50000 repayment
        report = say(c, RINA, "LAPORAN")
        assert "tabung Rp60.000" in report and "menunggu konfirmasi Rp50.000" in report, report
        # so does the digest
        digest = c.run("digest", "--group", "KPUK07", "--print").stdout
        # each report waiting, with its ref, her name and the amount
        assert re.search(r"^- [A-Z0-9]{4} Siti Aminah Tabungan Rp60\.000$", digest, re.M), digest
        assert re.search(r"^- [A-Z0-9]{4} Siti Aminah Angsuran Rp50\.000$", digest, re.M), digest
        # TUNGGAKAN: Siti is late (Ani paid off)
        arrears = say(c, RINA, "TUNGGAKAN")
        assert "Siti Aminah" in arrears and "Ani " not in arrears, arrears
    finally:
        c.stop()


def test_member_cancel_tells_the_treasurer():
    c = setup().start()
    try:
        ref = ref_of(say(c, SITI, "TABUNG 15rb"))
        assert "dibatalkan" in say(c, SITI, "BATAL " + ref)
        notices = [r[0] for r in c.sql("SELECT text FROM outbox WHERE phone = ? AND kind ="
                                       " 'notice'", RINA)]
        assert any(ref in t and "Siti Aminah" in t and "Rp15.000" in t for t in notices), notices
        # confirmed by the treasurer: the member may not cancel it
        ref = ref_of(say(c, SITI, "TABUNG 25rb"))
        say(c, RINA, "KONFIRM " + ref)
        assert "tidak bisa dibatalkan" in say(c, SITI, "BATAL " + ref)
        assert c.sql("SELECT status FROM entries WHERE ref = ?", ref) == [("confirmed",)]
        # a minus sign is a bad amount, nothing recorded
        before = c.sql("SELECT count(*) FROM entries")[0][0]
        assert "Jumlah tidak jelas" in say(c, SITI, "tabung -10rb")
        assert c.sql("SELECT count(*) FROM entries")[0][0] == before
    finally:
        c.stop()


if __name__ == "__main__":
    run_tests([test_quarter_report_to_the_rupiah, test_member_cancel_tells_the_treasurer])
