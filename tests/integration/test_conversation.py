"""The conversation through catat serve (product.md s. 1, 2, 7): every reply one GSM-7 SMS with
long names, long items and Rp1.000.000.000; several commands in one message; each error with an
example of the command that failed; likely duplicates and tiny amounts asked about and YA;
notices held past the recipient's quiet hours and broadcasts naming their sender; the hourly
reply limit told once; semicolon CSV and network names with spaces."""
import datetime
import itertools
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

SITI, RINA, ANI = "+6281200000001", "+6281200000003", "+6281200000002"
LONG_NAME = "Sri Rahayu Ningsih Kusumawardhani Putri Lestari Handayani"
REF = re.compile(r"\b(?:Ref|ref) ([A-Z0-9]{4,5})")
_ids = itertools.count(1)

# GSM 03.38: the basic set counts one, the extension table two; anything else forces UCS-2.
GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = "^{}\\[~]|€\f"


def gsm7_len(text):
    n = 0
    for ch in text:
        if ch in GSM7_BASIC:
            n += 1
        elif ch in GSM7_EXT:
            n += 2
        else:
            raise AssertionError("not GSM-7: %r in %r" % (ch, text))
    return n


def one_sms(reply):
    assert gsm7_len(reply) <= 160, (gsm7_len(reply), reply)
    assert "  " not in reply, reply
    return reply


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def setup(env=None, ini=""):
    """One group KPUK07 (network written by its name, semicolon CSV) with a treasurer, a
    member with a very long name and one with a loan."""
    e = {"CATAT_SERVER_REPLIES_PER_HOUR": "1000"}
    e.update(env or {})
    c = Catat(ini=ini, env=e)
    groups = write(c, "groups.csv", "code;name;network;district;timezone\n"
                   "KPUK07;Mawar Putih, Sumberjo;JARPUK Ngudi Lestari;Blitar;+07:00\n")
    members = write(c, "members.csv", "phone;name;group;role;code\n"
                    "081200000001;%s;KPUK07;member;A0101\n"
                    "081200000002;Ani;KPUK07;member;A0102\n"
                    "081200000003;Rina Wulandari;KPUK07;treasurer;T0001\n" % LONG_NAME)
    assert c.run("import", "groups", groups).stdout.startswith("imported 1 group")
    assert c.run("import", "members", members).stdout.startswith("imported 3 members")
    return c


def say(c, phone, text):
    s, ans = c.console(phone, text, "m%d" % next(_ids))
    assert s == 200, (s, ans)
    assert len(ans["replies"]) == 1, ans
    return one_sms(ans["replies"][0])


def test_semicolon_csv_and_network_name():
    c = setup()
    assert c.sql("SELECT n.code, n.name, g.name FROM groups g JOIN networks n"
                 " ON n.id = g.network_id") == [
        ("JARPUK-NGUDI-LESTARI", "JARPUK Ngudi Lestari", "Mawar Putih, Sumberjo")]
    assert c.sql("SELECT name, code FROM people ORDER BY code") == [
        (LONG_NAME, "A0101"), ("Ani", "A0102"), ("Rina Wulandari", "T0001")]
    # A comma file still reads as before; a semicolon inside a comma file's field is kept.
    g2 = write(c, "g2.csv", "code,name\nKPUK08,\"Melati; Dusun Krajan\"\n")
    c.run("import", "groups", g2)
    assert c.sql("SELECT name FROM groups WHERE code = 'KPUK08'") == [("Melati; Dusun Krajan",)]


def test_every_reply_fits():
    c = setup()
    c.start()
    try:
        # A long item and the largest amount: the quantity and unit are shown, all in one SMS.
        r = say(c, SITI, "jual abon 3 bungkus 45rb")
        assert "Penjualan Rp45.000 3 bungkus abon dicatat" in r, r
        r = say(c, SITI, "jual 1jt abon ikan tongkol pedas manis khas blitar ukuran besar sekali")
        assert r.startswith("Penjualan Rp1.000.000 abon ikan"), r
        r = say(c, SITI, "Jual 2 porsi pecel @ 10.000")
        assert "Rp20.000 2 porsi pecel" in r, r
        r = say(c, SITI, "beli 999 bks gula aren asli kualitas super dari pasar 1000000000")
        assert "Rp1.000.000.000" in r, r
        # Registration with a long name does not repeat it twice past one SMS.
        r = say(c, "+6281299999999", "daftar nama saya bu tutik dari kelompok mawar")
        assert r.count("Tutik") <= 1 and "KPUK07" in r, r
        # Three commands: one short line each, each with its ref; in one SMS.
        r = say(c, SITI, "jual 46rb abon, beli 20rb gula; tabung 10rb")
        assert len(r.split("\n")) == 3, r
        assert len(REF.findall(r)) == 3, r
        # Three commands with the largest amount and long items: still one SMS, every ref in it.
        r = say(c, SITI, "jual 999 bks abon ikan tongkol pedas manis 1000000000\n"
                "beli 999 kg gula aren asli kualitas super 999999999, tabung 1jt")
        got = re.findall(r"\b[A-Z0-9]{4}\b", r)
        refs = [ref for (ref,) in c.sql("SELECT ref FROM entries WHERE message_id ="
                                        " (SELECT max(id) FROM messages)")]
        assert len(refs) == 3 and all(ref in got for ref in refs), (r, refs)
        # Eight commands with long items: a summary in one SMS with every ref.
        many = "; ".join("jual %d abon ikan tongkol pedas manis khas blitar" % (1000 + i)
                         for i in range(8))
        r = say(c, SITI, many)
        refs = r.split("Ref: ")[1].split(".")[0].split()
        assert len(refs) == 8 and "8 perintah dicatat" in r, r
        assert c.sql("SELECT count(*) FROM entries WHERE ref IN (%s)"
                     % ",".join("?" * 8), *refs) == [(8,)]
        # The treasurer confirms several refs at once; each is answered.
        s1 = REF.search(say(c, SITI, "tabung 15rb")).group(1)
        s2 = REF.search(say(c, SITI, "tabung 16rb")).group(1)
        s3 = REF.search(say(c, SITI, "tabung 17rb")).group(1)
        r = say(c, RINA, "KONFIRM %s %s %s" % (s1, s2, s3))
        assert all(x in r for x in (s1, s2, s3)) and len(r.split("\n")) == 3, r
        assert c.sql("SELECT count(*) FROM entries WHERE ref IN (?,?,?) AND status = 'confirmed'",
                     s1, s2, s3) == [(3,)]
        r = say(c, RINA, "KONFIRM %s" % s1)
        assert "sudah sah" in r and "confirmed" not in r, r
        # English speakers get English, still one SMS.
        say(c, ANI, "BAHASA EN")
        r = say(c, ANI, "sell 3 pcs fish floss 45k")
        assert "Sale Rp45.000 3 pcs fish floss recorded" in r, r
        # LAPORAN fits one SMS even with large sums.
        # LAPORAN is a report staff ask for: at most three SMS (product.md s. 7).
        s_, ans = c.console(RINA, "LAPORAN", "m%d" % next(_ids))
        r = ans["replies"][0]
        assert r.startswith("Grup KPUK07: 3 anggota") and gsm7_len(r) <= 3 * 153, r
    finally:
        c.stop()


def test_errors_show_their_own_command():
    c = setup()
    c.start()
    try:
        cases = [("KONFIRM", "KONFIRM K7QX"), ("BATAL", "BATAL K7QX"),
                 ("KIRIM KPUK07", "KIRIM KPUK07 Pertemuan"), ("KIRIM", "KIRIM KPUK07"),
                 ("tabung 0", "TABUNG 10rb"), ("BAYAR", "BAYAR 150rb"),
                 ("beli 1.5", "BELI 20rb gula"), ("jual 0 abon", "JUAL 45rb abon"),
                 ("SESI", "SESI GT07 2"), ("beli 3 5", "BELI 2 kg gula 30rb")]
        for text, example in cases:
            r = say(c, RINA, text)
            assert example in r, (text, r)
            others = {"KONFIRM", "BATAL", "KIRIM", "TABUNG", "BAYAR", "BELI", "JUAL", "SESI"}
            own = text.split()[0].upper()
            if own in others:
                assert not any(o in r for o in others - {own}), (text, r)
    finally:
        c.stop()


def test_duplicates_and_small_amounts_asked():
    c = setup()
    c.start()
    try:
        r1 = say(c, SITI, "JUAL 50rb abon")
        first = REF.search(r1).group(1)
        r = say(c, SITI, "JUAL 50rb abon")  # she is not sure it arrived
        assert first in r and "YA" in r, r
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 50000") == [(1,)]
        r = say(c, SITI, "YA")
        second = REF.search(r).group(1)
        assert second != first and "Rp50.000" in r, r
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 50000 AND status <> 'cancelled'"
                     ) == [(2,)]
        r = say(c, SITI, "ya")  # nothing asked any more
        assert "Tidak ada pertanyaan" in r, r
        # Savings alike.
        assert REF.search(say(c, SITI, "tabung 20rb"))
        assert "YA" in say(c, SITI, "tabung 20rb")
        assert c.sql("SELECT count(*) FROM entries WHERE kind = 'savings' AND amount = 20000"
                     ) == [(1,)]
        # A different item is no duplicate.
        assert REF.search(say(c, SITI, "JUAL 50rb tempe"))
        # A tiny bare amount is asked about, with the command she meant.
        r = say(c, SITI, "jual 50 abon")
        assert r.startswith("Rp50? Kalau maksudnya Rp50.000 kirim JUAL 50rb abon"), r
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 50") == [(0,)]
        r = say(c, SITI, "YA")
        assert "Rp50 abon dicatat" in r, r
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 50") == [(1,)]
        # Written as money ("Rp50"), a small amount is what she meant: recorded at once.
        assert "Rp50 tempe dicatat" in say(c, SITI, "jual Rp50 tempe")
        # A question older than 30 minutes is not answered by YA.
        say(c, SITI, "tabung 100")
        c.sql("UPDATE pending_questions SET asked_at = asked_at - 1801")
        assert "Tidak ada pertanyaan" in say(c, SITI, "YA")
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 100") == [(0,)]
        # A duplicate older than 10 minutes is recorded at once.
        c.sql("UPDATE entries SET created_at = created_at - 601 WHERE amount = 50000")
        assert "dicatat" in say(c, SITI, "JUAL 50rb abon")
        assert c.sql("SELECT count(*) FROM entries WHERE amount = 50000 AND item = 'abon'") == [(3,)]
    finally:
        c.stop()


def quiet_window_around_now():
    """Quiet hours from two hours ago to two hours ahead, local time (+07:00)."""
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
    start = (now - datetime.timedelta(hours=2)).strftime("%H:%M")
    end_dt = now + datetime.timedelta(hours=2)
    return start, end_dt.strftime("%H:%M"), end_dt.replace(second=0, microsecond=0)


def test_broadcast_waits_for_quiet_hours_and_names_sender():
    start, end, end_dt = quiet_window_around_now()
    c = setup(env={"CATAT_REMINDERS_QUIET_START": start, "CATAT_REMINDERS_QUIET_END": end})
    c.start()
    try:
        r = say(c, RINA, "KIRIM KPUK07 Pertemuan besok jam 9 di balai desa")
        assert "2 anggota" in r, r
        rows = c.sql("SELECT phone, text, next_at, created_at FROM outbox WHERE kind = 'broadcast'"
                     " ORDER BY phone")
        assert len(rows) == 2, rows
        for phone, text, next_at, created in rows:
            assert text == "Dari Rina Wulandari, KPUK07: Pertemuan besok jam 9 di balai desa", text
            one_sms(text)
            assert next_at == int(end_dt.timestamp()), (next_at, end_dt)
            assert next_at > created
        # A direct reply is not held back.
        assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'reply' AND next_at > created_at"
                     ) == [(0,)]
    finally:
        c.stop()


def test_reply_limit_told_once():
    c = setup(env={"CATAT_SERVER_REPLIES_PER_HOUR": "3"})
    c.start()
    try:
        for i in range(6):
            c.console(ANI, "jual %drb abon" % (10 + i), "lim%d" % i)
        replies = c.sql("SELECT text FROM outbox WHERE phone = ? ORDER BY id", ANI)
        assert len(replies) == 4, replies
        assert replies[3][0].startswith("Batas balasan tercapai, pesan Anda tetap dicatat"), replies
        assert c.sql("SELECT count(*) FROM entries e JOIN people p ON p.id = e.person_id"
                     " WHERE p.phone = ?", ANI) == [(6,)]
    finally:
        c.stop()


def remind(c, now, dry=False):
    p = c.run("remind", "--now", now, *(["--dry-run"] if dry else []))
    if dry:
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return int(p.stdout.split()[0])


def test_one_loan_reminder_a_day_summing_late_instalments():
    c = setup(ini="[reminders]\nhour = 8\nquiet_start = 21:00\nquiet_end = 06:00\n"
                  "overdue_every_days = 7\noverdue_max = 10\n")
    instalment, first = 100000, datetime.date(2027, 3, 1)
    loans = write(c, "loans.csv", "code;phone;principal;instalment;instalments;frequency;first_due\n"
                  "P12;081200000001;600000;%d;6;weekly;%s\n"
                  "P13;081200000002;300000;300000;1;weekly;2027-04-05\n" % (instalment, first))
    c.run("import", "loans", loans)
    # 5 April: five weekly instalments late (1, 8, 15, 22, 29 March), the sixth due today.
    today = datetime.date(2027, 4, 5)
    got = remind(c, "2027-04-05T09:00:00+07:00", dry=True)
    by = {r["to"]: r for r in got}
    assert sorted(by) == [SITI, ANI], got
    late = [first + datetime.timedelta(days=7 * i) for i in range(6)
            if first + datetime.timedelta(days=7 * i) < today]
    text = by[SITI]["text"]
    total = "Rp{:,}".format(instalment * len(late)).replace(",", ".")
    assert text.startswith("%d angsuran pinjaman P12 terlambat, total %s, paling lama %d hari"
                           % (len(late), total, (today - late[0]).days)), text
    assert by[SITI]["kind"] == "loan_overdue" and by[ANI]["kind"] == "loan_due", got
    one_sms(text)
    one_sms(by[ANI]["text"])
    assert remind(c, "2027-04-05T09:00:00+07:00") == 2
    assert remind(c, "2027-04-05T15:00:00+07:00") == 0  # once a day
    assert c.sql("SELECT count(*) FROM outbox WHERE phone = ?", SITI) == [(1,)]
    # A due-day reminder computed late in the evening goes after the quiet hours, next morning:
    # it says the instalment is a day late, not that it falls due.
    got = remind(c, "2027-04-12T22:30:00+07:00", dry=True)
    ani = [r for r in got if r["to"] == ANI]
    assert ani and ani[0]["send_at"] == "2027-04-13T06:00:00+07:00", got
    assert "terlambat 8 hari" in ani[0]["text"], ani


def test_treasurer_told_of_waiting_reports_hourly_and_digest_lists_them():
    c = setup()
    c.start()
    try:
        siti = REF.search(say(c, SITI, "tabung 10rb")).group(1)
        ani = REF.search(say(c, ANI, "tabung 25rb")).group(1)
    finally:
        c.stop()
    got = remind(c, "2027-05-03T10:00:00+07:00", dry=True)
    assert [r["to"] for r in got] == [RINA], got
    text = one_sms(got[0]["text"])
    assert text == "Menunggu konfirmasi Anda: %s Sri Rp10.000, %s Ani Rp25.000. Kirim KONFIRM %s %s" \
        % (siti, ani, siti, ani), text
    assert remind(c, "2027-05-03T10:00:00+07:00") == 1
    assert remind(c, "2027-05-03T10:30:00+07:00") == 0  # nothing new
    c.start()
    try:
        third = REF.search(say(c, SITI, "tabung 30rb")).group(1)
    finally:
        c.stop()
    assert remind(c, "2027-05-03T10:59:00+07:00") == 0  # within the hour
    got = remind(c, "2027-05-03T11:00:00+07:00", dry=True)
    assert [r["text"] for r in got] == [
        "Menunggu konfirmasi Anda: %s Sri Rp30.000. Kirim KONFIRM %s" % (third, third)], got
    # Not in her quiet hours: the reports wait for the morning.
    assert remind(c, "2027-05-03T23:30:00+07:00") == 0
    assert remind(c, "2027-05-04T06:00:00+07:00") == 1
    # The digest lists every report still waiting, with ref, name and amount.
    p = c.run("digest", "--now", "2027-05-04T18:00:00+07:00", "--group", "KPUK07", "--print")
    total = "Rp{:,}".format(10000 + 25000 + 30000).replace(",", ".")
    assert "Menunggu konfirmasi 3 laporan, %s:" % total in p.stdout, p.stdout
    for ref, name, amount in ((siti, LONG_NAME[:18], "Rp10.000"), (ani, "Ani", "Rp25.000"),
                              (third, LONG_NAME[:18], "Rp30.000")):
        assert "- %s %s Tabungan %s" % (ref, name, amount) in p.stdout, p.stdout
    assert "menunggu konfirmasi Rp0" not in p.stdout, p.stdout


HOME = "+6281200000010"


def test_shared_handset():
    c = setup()
    members = write(c, "shared.csv", "phone,name,group,code\n"
                    "081200000010,Sumiati,KPUK07,B0001\n"
                    "081200000010,Tutik Handayani,KPUK07,B0002\n")
    assert c.run("import", "members", members).stdout.startswith("imported 2 members")
    assert c.sql("SELECT code, name FROM people WHERE phone = ? ORDER BY code", HOME) == [
        ("B0001", "Sumiati"), ("B0002", "Tutik Handayani")]
    # A loan on the shared phone names its borrower.
    bad = write(c, "l1.csv", "code,phone,principal,instalments,frequency,first_due\n"
                "P40,081200000010,300000,3,weekly,2027-01-04\n")
    p = c.run("import", "loans", bad, check=False)
    assert p.returncode == 1 and "column member" in p.stderr + p.stdout, (p.stdout, p.stderr)
    good = write(c, "l2.csv", "code,phone,principal,instalments,frequency,first_due,member\n"
                 "P40,081200000010,300000,3,weekly,2027-01-04,B0002\n")
    c.run("import", "loans", good)
    assert c.sql("SELECT p.code FROM loans l JOIN people p ON p.id = l.person_id") == [("B0002",)]
    c.start()
    try:
        # No code first: the reply lists who is on the phone; nothing is recorded.
        r = say(c, HOME, "JUAL 45rb abon")
        assert "B0001 Sumiati" in r and "B0002 Tutik" in r and "B0001 JUAL" in r, r
        assert c.sql("SELECT count(*) FROM entries") == [(0,)]
        # Her code first: hers.
        r = say(c, HOME, "B0002 JUAL 45rb abon")
        assert "Penjualan Rp45.000 abon dicatat" in r, r
        r = say(c, HOME, "b0001 tabung 10rb")
        assert "Tabungan Rp10.000" in r, r
        assert c.sql("SELECT p.code, e.kind, e.amount FROM entries e JOIN people p"
                     " ON p.id = e.person_id ORDER BY e.id") == [
            ("B0002", "sale", 45000), ("B0001", "savings", 10000)]
        r = say(c, HOME, "B0002 SALDO")
        assert "Pinjaman P40 sisa Rp300.000" in r and "jual Rp45.000" in r, r
        # Two commands for two women in one message.
        r = say(c, HOME, "B0001 JUAL 20rb tempe\nB0002 BELI 5rb gula")
        assert len(REF.findall(r)) == 2, r
        assert c.sql("SELECT p.code FROM entries e JOIN people p ON p.id = e.person_id"
                     " WHERE e.amount IN (20000, 5000) ORDER BY e.amount") == [("B0002",),
                                                                             ("B0001",)]
        # A code that is not on this phone.
        r = say(c, HOME, "A0101 JUAL 5rb abon")
        assert "A0101 tidak terdaftar di nomor ini" in r, r
        # Help needs no code.
        assert "JUAL" in say(c, HOME, "BANTUAN")
        # A third woman registers on the same phone; one already on it is told so.
        r = say(c, HOME, "DAFTAR wati KPUK07")
        code = c.sql("SELECT code FROM people WHERE phone = ? AND name = 'Wati'", HOME)[0][0]
        assert "Wati" in r and code in r and "%s JUAL" % code in r, r
        assert "sudah terdaftar" in say(c, HOME, "DAFTAR Sumiati KPUK07")
        assert c.sql("SELECT count(*) FROM people WHERE phone = ?", HOME) == [(3,)]
        r = say(c, HOME, "SALDO")
        assert all(x in r for x in ("B0001", "B0002", code)), r
        # A phone of one member may write her own code first too.
        assert "dicatat" in say(c, SITI, "A0101 JUAL 11rb abon")
    finally:
        c.stop()
    # The export has each message once.
    p = c.run("export", "messages", "--format", "csv")
    inbound = [line for line in p.stdout.splitlines() if line.startswith("in,")]
    assert c.sql("SELECT count(*) FROM messages") == [(len(inbound),)], p.stdout


def test_templates_check_worst_case():
    c = setup()
    p = c.run("templates", "check")
    assert p.stdout.strip().endswith("0 problems"), p.stdout


if __name__ == "__main__":
    run_tests([test_semicolon_csv_and_network_name, test_every_reply_fits,
               test_errors_show_their_own_command, test_duplicates_and_small_amounts_asked,
               test_broadcast_waits_for_quiet_hours_and_names_sender, test_reply_limit_told_once,
               test_one_loan_reminder_a_day_summing_late_instalments,
               test_treasurer_told_of_waiting_reports_hourly_and_digest_lists_them,
               test_shared_handset,
               test_templates_check_worst_case])
