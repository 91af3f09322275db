"""The ledger end to end: groups, members and loans imported from CSV, a week of members' and
staff's messages through catat serve (POST /webhook/console), then catat export.

Time-dependent checks are made deterministic by dating loans relative to today in the group's
timezone (a loan whose first instalment fell due 14 days ago is in arrears today, whatever the
date), and by moving an entry's created_at back in the database for the 24-hour rule."""
import datetime
import itertools
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

WIB = datetime.timezone(datetime.timedelta(hours=7))
SITI, ANI, RINA, FASIL, DEWI, LINA, SRI = (
    "+6281200000001", "+6281200000002", "+6281200000003", "+6281200000004",
    "+6281200000005", "+6281200000006", "+6281200000099")
REF = re.compile(r"Ref ([A-Z0-9]{4,5})")
_ids = itertools.count(1)


def today(days=0):
    return (datetime.datetime.now(WIB).date() + datetime.timedelta(days=days)).isoformat()


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def setup():
    """A catat with three groups: KPUK07 (a treasurer) and KPUK08 (none) in network JARPUK1,
    KPUK20 (WITA) in another network; six people; three loans."""
    # No quiet hours (start = end): broadcasts go at once whatever the hour the test runs at.
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000", "CATAT_REMINDERS_QUIET_START": "00:00",
                   "CATAT_REMINDERS_QUIET_END": "00:00"})
    groups = write(c, "groups.csv",
                   "code,name,network,district,timezone\n"
                   "KPUK07,Mawar,JARPUK1,Blitar,+07:00\n"
                   "kpuk08,Melati,jarpuk1,Blitar,\n"
                   "KPUK20,Anggrek,JARPUK2,Makassar,+08:00\n")
    members = write(c, "members.csv",
                    "phone,name,group,role,code\n"
                    "081200000001,Siti Aminah,KPUK07,member,A0101\n"
                    "081200000002,Ani,KPUK07,member,A0102\n"
                    "081200000003,Rina,KPUK07,treasurer,T0001\n"
                    "081200000004,Fasil,KPUK08,facilitator,F0001\n"
                    "081200000005,Dewi,KPUK08,,\n"
                    "081200000006,Lina,KPUK20,member,A0301\n")
    loans = write(c, "loans.csv",
                  "code,phone,principal,instalment,instalments,frequency,first_due\n"
                  "P12,081200000001,600000,150000,4,weekly,%s\n"
                  "P13,081200000005,300000,100000,3,weekly,%s\n"
                  "P14,081200000002,500000,,2,monthly,%s\n" % (today(-14), today(3), today(10)))
    assert c.run("import", "groups", groups).stdout.startswith("imported 3 groups")
    assert c.run("import", "members", members).stdout.startswith("imported 6 members")
    assert c.run("import", "loans", loans).stdout.startswith("imported 3 loans")
    return c


def say(c, phone, text):
    """Sends one console message; returns its single reply."""
    s, ans = c.console(phone, text, "m%d" % next(_ids))
    assert s == 200, (s, ans)
    assert len(ans["replies"]) == 1, ans
    return ans["replies"][0]


def confirmation(reply, *words):
    """A confirmation: Indonesian, one SMS, a reference code; returns the code."""
    assert len(reply) <= 160, (len(reply), reply)
    for w in words:
        assert w in reply, (w, reply)
    m = REF.search(reply)
    assert m, reply
    assert "BATAL " + m.group(1) in reply or "KONFIRM" in reply or "Ref" in reply, reply
    return m.group(1)


def export(c, what, fmt="json"):
    out = c.run("export", what, "--format", fmt).stdout
    return json.loads(out) if fmt == "json" else out


def loan(c, code):
    return [row for row in export(c, "loans") if row["code"] == code][0]


def outbox(c, phone, kind):
    return [r[0] for r in c.sql("SELECT text FROM outbox WHERE phone = ? AND kind = ? ORDER BY id",
                                phone, kind)]


def test_member_week_treasurer_confirms_and_balance():
    c = setup().start()
    try:
        sale = confirmation(say(c, SITI, "JUAL 45rb abon"), "Penjualan Rp45.000 abon dicatat")
        # a typo is understood and the reply names what was understood
        confirmation(say(c, SITI, "jaul 3x15rb keripik"), "Penjualan Rp45.000 3 keripik")
        buy = confirmation(say(c, SITI, "BELI 20rb gula"), "Pengeluaran Rp20.000 gula")
        confirmation(say(c, SITI, "beli#Rp 5.000#plastik"), "Pengeluaran Rp5.000")
        saving = confirmation(say(c, SITI, "TABNG 10rb"), "Tabungan Rp10.000", "menunggu")
        pay = confirmation(say(c, SITI, "BAYAR 200rb"), "Angsuran Rp200.000", "P12", "menunggu")
        assert c.sql("SELECT status FROM entries WHERE ref IN (?, ?)", saving, pay) == \
            [("reported",), ("reported",)]
        # reported repayments do not pay anything yet
        assert loan(c, "P12")["paid"] == 0

        # a member may not confirm
        assert "hanya untuk bendahara" in say(c, ANI, "KONFIRM " + pay)
        # the treasurer confirms; the member hears of it
        reply = say(c, RINA, "KONFIRM " + pay)
        assert "sah" in reply and pay in reply and len(reply) <= 160, reply
        assert any(pay in t and "dikonfirmasi" in t for t in outbox(c, SITI, "notice"))
        assert "sah" in say(c, RINA, "sah " + saving.lower())
        assert "tidak menunggu konfirmasi" in say(c, RINA, "KONFIRM " + pay)

        # 200rb: the oldest instalment (150rb) paid, 50rb carried to the second
        p12 = loan(c, "P12")
        assert p12["paid"] == 200000 and p12["outstanding"] == 400000, p12
        assert p12["next_due"] == today(-7) and p12["next_amount"] == 100000, p12
        assert p12["overdue_days"] == 7, p12

        reply = say(c, SITI, "SLADO")
        due = datetime.date.fromisoformat(today(-7))
        month = "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split()[due.month - 1]
        assert reply.startswith("Tabungan Rp10.000. Pinjaman P12 sisa Rp400.000, angsuran "
                                "Rp100.000 tgl %d %s, terlambat 7 hari." % (due.day, month)), reply
        assert "jual Rp90.000, beli Rp25.000, selisih Rp65.000" in reply, reply
        assert len(reply) <= 160, reply

        # her own entry, cancelled within 24 hours: kept in the record, marked cancelled
        assert "dibatalkan" in say(c, SITI, "BATAL " + buy)
        assert c.sql("SELECT status, amount FROM entries WHERE ref = ?", buy) == \
            [("cancelled", 20000)]
        assert "sudah dibatalkan" in say(c, SITI, "batal " + buy)
        assert "jual Rp90.000, beli Rp5.000" in say(c, SITI, "CEK SALDO")
        # someone else's entry: not hers to cancel
        assert "tidak ditemukan" in say(c, ANI, "BATAL " + sale)
        # after 24 hours only staff may cancel
        c.sql("UPDATE entries SET created_at = created_at - 90000 WHERE ref = ?", sale)
        assert "lewat 24 jam" in say(c, SITI, "BATAL " + sale)
        assert "dibatalkan" in say(c, RINA, "BATAL " + sale)
        # a cancelled confirmed repayment frees its instalments again
        assert "dibatalkan" in say(c, RINA, "BATAL " + pay)
        assert loan(c, "P12")["paid"] == 0
    finally:
        c.stop()


def test_staff_on_behalf_overpayment_and_arrears():
    c = setup().start()
    try:
        reply = say(c, RINA, "BAYAR A0101 150rb")
        ref = confirmation(reply, "Siti Aminah", "A0101", "sah")
        assert c.sql("SELECT status, recorded_by IS NOT NULL FROM entries WHERE ref = ?", ref) == \
            [("confirmed", 1)]
        notices = outbox(c, SITI, "notice")
        assert len(notices) == 1 and ref in notices[0] and "Rina" in notices[0], notices
        # she may not undo what the treasurer recorded for her; the treasurer may
        assert "tidak ditemukan" in say(c, SITI, "BATAL " + ref)
        assert "dibatalkan" in say(c, RINA, "BATAL " + ref)
        confirmation(say(c, RINA, "BAYAR P12 150rb"), "Siti Aminah", "sah")  # by loan code
        # the facilitator of the network records for a member of another group of it
        confirmation(say(c, FASIL, "bayar a0101 250rb"), "Siti Aminah", "sah")
        p12 = loan(c, "P12")
        # 400rb over instalments of 150rb: two paid, 100rb of the third
        assert p12["paid"] == 400000 and p12["outstanding"] == 200000, p12
        assert p12["next_due"] == today(0) and p12["next_amount"] == 50000, p12
        assert p12["overdue_days"] == 0, p12
        # savings on behalf, confirmed at once
        confirmation(say(c, RINA, "TABUNG A0101 25rb"), "Tabungan Rp25.000", "sah")
        assert "Tabungan Rp25.000." in say(c, SITI, "SALDO")
        # the report counts arrears: nothing of P12 is overdue now
        report = say(c, RINA, "LAPORAN")
        assert report.startswith("Grup KPUK07: 3 anggota.") and "Menunggak: 0 orang" in report, \
            report
        # Ani owes nothing yet (P14 falls due in 10 days); Siti's arrears show after moving her
        # schedule back a week
        for iid, due in c.sql("SELECT id, due_date FROM instalments WHERE loan_id ="
                              " (SELECT id FROM loans WHERE code = 'P12')"):
            week_earlier = datetime.date.fromisoformat(due) - datetime.timedelta(days=7)
            c.sql("UPDATE instalments SET due_date = ? WHERE id = ?", week_earlier.isoformat(), iid)
        report = say(c, RINA, "LAPORAN KPUK07")
        assert "Menunggak: 1 orang, Rp50.000" in report, report
        assert loan(c, "P12")["overdue_days"] == 7
        # paying off the loan: the rest is taken, outstanding 0, no next instalment
        confirmation(say(c, RINA, "BAYAR A0101 200rb"), "sah")
        p12 = loan(c, "P12")
        assert p12["outstanding"] == 0 and p12["next_due"] is None and p12["overdue_days"] == 0, \
            p12
        # nothing left to repay
        assert "tidak punya pinjaman aktif" in say(c, RINA, "BAYAR A0101 10rb")
        assert "tidak ditemukan" in say(c, RINA, "BAYAR A9999 10rb")
    finally:
        c.stop()


def test_group_without_treasurer_confirms_at_once():
    c = setup().start()
    try:
        reply = say(c, DEWI, "TABUNG 20rb")
        confirmation(reply, "Tabungan Rp20.000 dicatat. Total tabungan Rp20.000")
        reply = say(c, DEWI, "angsur 100rb P13")
        confirmation(reply, "Angsuran Rp100.000 pinjaman P13 dicatat", "Sisa pinjaman Rp200.000")
        assert c.sql("SELECT DISTINCT status FROM entries WHERE person_id ="
                     " (SELECT id FROM people WHERE phone = ?)", DEWI) == [("confirmed",)]
        # first instalment not due for 3 days: paid in advance, the next is the second
        p13 = loan(c, "P13")
        assert p13["next_due"] == today(10) and p13["overdue_days"] == 0, p13
        # last week's sale is not this week's: SALDO counts from Monday in the group's time
        old = REF.search(say(c, DEWI, "JUAL 50rb batik")).group(1)
        c.sql("UPDATE entries SET created_at = created_at - 8 * 86400 WHERE ref = ?", old)
        say(c, DEWI, "JUAL 20rb batik")
        reply = say(c, DEWI, "SALDO")
        assert "Tabungan Rp20.000. Pinjaman P13 sisa Rp200.000" in reply, reply
        assert "jual Rp20.000, beli Rp0, selisih Rp20.000" in reply, reply
        # a loan that does not exist, and someone else's loan
        assert "Tidak ada pinjaman aktif P99" in say(c, DEWI, "BAYAR 10rb P99")
        assert "hanya untuk bendahara" in say(c, DEWI, "BAYAR 10rb P12")
    finally:
        c.stop()


def test_role_refusals():
    c = setup().start()
    try:
        before = c.sql("SELECT count(*) FROM entries")[0][0]
        for text in ("BAYAR A0101 50rb", "TABUNG 10rb A0101", "KONFIRM ACDE",
                     "KIRIM KPUK07 rapat besok", "LAPORAN"):
            reply = say(c, ANI, text)
            assert "hanya untuk bendahara atau pendamping" in reply, (text, reply)
        assert c.sql("SELECT count(*) FROM entries")[0][0] == before
        assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'broadcast'") == [(0,)]
        # staff outside their network
        assert "tidak ditemukan" in say(c, FASIL, "LAPORAN KPUK20")
        assert "tidak ditemukan" in say(c, RINA, "KIRIM KPUK08 halo")
        assert "A0301 tidak ditemukan" in say(c, RINA, "BAYAR A0301 10rb")
        assert c.sql("SELECT status FROM messages WHERE text = 'LAPORAN'") == [("refused",)]
    finally:
        c.stop()


def test_admin_of_no_group_names_the_group_to_report():
    c = setup()
    admin = write(c, "admin.csv", "phone,name,group,role\n081200000099,Bu Admin,,admin\n")
    assert c.run("import", "members", admin).stdout.startswith("imported 1 members")
    c.start()
    try:
        assert say(c, "081200000099", "LAPORAN") == "Sebutkan kode grup, contoh: LAPORAN KPUK07"
        reply = say(c, "081200000099", "LAPORAN KPUK20")  # admins cover every group
        assert reply.startswith("Grup KPUK20: 1 anggota"), reply
    finally:
        c.stop()


def test_unknown_sender_registers():
    c = setup().start()
    try:
        reply = say(c, SRI, "JUAL 10rb tempe")
        assert "belum terdaftar" in reply and "DAFTAR" in reply, reply
        assert c.sql("SELECT status FROM messages WHERE phone = ?", SRI) == [("unregistered",)]
        assert c.sql("SELECT count(*) FROM entries") == [(0,)]
        for text in ("SALDO", "BAHASA EN", "KONFIRM ACDE"):
            assert "belum terdaftar" in say(c, SRI, text), text
        assert "DAFTAR nama KODEGRUP" in say(c, SRI, "BANTUAN")
        reply = say(c, SRI, "DAFTAR sri wahyuni KPUK99")
        assert "KPUK99 tidak dikenal" in reply, reply
        reply = say(c, SRI, "daftar sri wahyuni #kpuk08")
        assert "Sri Wahyuni" in reply and "KPUK08" in reply, reply
        code = c.sql("SELECT code FROM people WHERE phone = ?", SRI)[0][0]
        # a code of her own, not one of the imported ones
        assert code not in ("A0101", "A0102", "A0301") and code in reply, (code, reply)
        assert "Anda sudah terdaftar" in say(c, SRI, "DAFTAR Sri KPUK08")
        confirmation(say(c, SRI, "JUAL 10rb tempe"), "Penjualan Rp10.000 tempe")
        assert "tidak akan menerima" in say(c, SRI, "STOP")
    finally:
        c.stop()


def test_language_stop_start_and_broadcast():
    c = setup().start()
    try:
        assert say(c, LINA, "BAHASA EN") == "Language set to English."
        reply = say(c, LINA, "SELL 10k cake")
        assert reply.startswith("Sale Rp10.000 cake recorded") or "recorded" in reply, reply
        assert say(c, LINA, "bahasa id").startswith("Bahasa diganti")
        assert "tidak akan menerima" in say(c, ANI, "STOP")
        assert c.sql("SELECT opted_out FROM people WHERE phone = ?", ANI) == [(1,)]
        # STOK is not STOP: consent is never guessed
        assert "tidak akan menerima" not in say(c, SITI, "STOK 20 abon")
        reply = say(c, FASIL, "KIRIM KPUK07 Pertemuan besok jam 9, bawa buku!")
        assert reply == "Pesan dikirim ke 2 anggota grup KPUK07.", reply
        rows = c.sql("SELECT phone, text FROM outbox WHERE kind = 'broadcast' ORDER BY phone")
        # The sender is named before the text, as typed.
        assert rows == [(SITI, "Dari Fasil, KPUK07: Pertemuan besok jam 9, bawa buku!"),
                        (RINA, "Dari Fasil, KPUK07: Pertemuan besok jam 9, bawa buku!")], rows
        assert "aktif kembali" in say(c, ANI, "MULAI")
        reply = say(c, RINA, "SIARKAN kpuk07 Arisan hari Sabtu")
        assert "3 anggota" not in reply and "2 anggota" in reply, reply  # all but herself
        assert sorted(p for (p,) in c.sql("SELECT phone FROM outbox WHERE text LIKE"
                                          " 'Dari %: Arisan hari Sabtu'")) == [SITI, ANI]
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE kind = 'broadcast'"
                                 " AND status != 'sent'") == [(0,)], what="broadcasts sent")
    finally:
        c.stop()


def test_export_sums_equal_what_members_texted():
    c = setup().start()
    try:
        texted = {}
        script = [
            (SITI, "JUAL 45rb abon", "KPUK07", "sale", 45000),
            (SITI, "JUAL 1,5jt tenun", "KPUK07", "sale", 1500000),
            (ANI, "BELI 3 @ 15.000 tepung", "KPUK07", "expense", 45000),
            (ANI, "TABUNG Rp 20.000", "KPUK07", "savings", 20000),
            (DEWI, "JUAL 1jt250rb batik", "KPUK08", "sale", 1250000),
            (DEWI, "BAYAR 100rb", "KPUK08", "repayment", 100000),
            (LINA, "JUAL 75rb kue", "KPUK20", "sale", 75000),
            (LINA, "MODAL 30rb", "KPUK20", "expense", 30000),
        ]
        for phone, text, group, kind, amount in script:
            say(c, phone, text)
            texted[(group, kind)] = texted.get((group, kind), 0) + amount
        ref = REF.search(say(c, SITI, "BELI 99rb salah")).group(1)
        say(c, SITI, "BATAL " + ref)  # cancelled: exported, not summed
        say(c, SITI, "JAUL")  # not understood: no entry

        ledger = export(c, "ledger")
        keys = ["ref", "phone", "group", "kind", "amount", "status", "at"]
        assert all(list(e)[:7] == keys for e in ledger), ledger[0]
        sums = {}
        for e in ledger:
            if e["status"] != "cancelled":
                sums[(e["group"], e["kind"])] = sums.get((e["group"], e["kind"]), 0) + e["amount"]
        assert sums == texted, (sums, texted)
        cancelled = [e for e in ledger if e["status"] == "cancelled"]
        assert len(cancelled) == 1 and cancelled[0]["ref"] == ref and cancelled[0]["amount"] == 99000
        lina = [e for e in ledger if e["phone"] == LINA][0]
        assert lina["at"].endswith("+08:00") and lina["group"] == "KPUK20", lina
        assert [e for e in ledger if e["phone"] == SITI][0]["at"].endswith("+07:00")
        assert {e["status"] for e in ledger if e["phone"] == ANI} == {"confirmed", "reported"}

        csv_text = export(c, "ledger", "csv")
        assert csv_text.startswith("ref,phone,group,kind,amount,status,at,"), csv_text[:80]
        assert len(csv_text.strip().split("\n")) == len(ledger) + 1  # text mode: CRLF read as LF

        p13 = loan(c, "P13")
        assert (p13["paid"], p13["outstanding"], p13["next_due"]) == (100000, 200000, today(10))
    finally:
        c.stop()


if __name__ == "__main__":
    run_tests([test_member_week_treasurer_confirms_and_balance,
               test_staff_on_behalf_overpayment_and_arrears,
               test_group_without_treasurer_confirms_at_once,
               test_role_refusals,
               test_admin_of_no_group_names_the_group_to_report,
               test_unknown_sender_registers,
               test_language_stop_start_and_broadcast,
               test_export_sums_equal_what_members_texted])
