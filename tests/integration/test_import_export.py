"""catat import and catat export: bad rows reported with their line and nothing loaded, the CSV
dialect spreadsheets write (BOM, CRLF, quotes), re-imports that update, loan schedules, and the
shapes of the CSV and JSON exports."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402


def write(c, name, data):
    path = os.path.join(c.dir, name)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def problems(p, path):
    """The FILE:LINE: lines of a failed import, as {line: [reasons]}."""
    out = {}
    for line in p.stderr.splitlines():
        if line.startswith(path + ":") and line[len(path) + 1:].split(":")[0].isdigit():
            n, reason = line[len(path) + 1:].split(": ", 1)
            out.setdefault(int(n), []).append(reason)
    return out


GROUPS = "code,name,network,district,timezone\nKPUK07,Mawar,JARPUK1,Blitar,+07:00\n" \
         "KPUK08,Melati,JARPUK1,Blitar,\n"


def test_bad_group_rows_are_reported_and_nothing_is_loaded():
    c = Catat()
    path = write(c, "groups.csv",
                 "code,name,network,district,timezone\n"        # 1
                 "KPUK01,Mawar,JARPUK1,Blitar,+07:00\n"         # 2 good
                 "KPUK02,Melati,JARPUK1,Blitar,+05:30\n"        # 3 bad timezone
                 "KPUK03,\"Kenanga\nBaru\",JARPUK1,Blitar,\n"   # 4-5 a line break in a name
                 "KPUK04,Anggrek,JARPUK1,Blitar\n"              # 6 a field short
                 "KPUK01,Mawar lagi,,,\n"                       # 7 the same code again
                 "KPUK 05,Dahlia,,,\n"                          # 8 a space in the code
                 "KPUK06,Teratai,\"JARPUK1\"x,,\n"              # 9 text after a closing quote
                 "KPUK07,Seroja,,,WITA\n")                      # 10 good (WITA is +08:00)
    p = c.run("import", "groups", path, check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    got = problems(p, path)
    assert sorted(got) == [3, 4, 6, 7, 8, 9], p.stderr
    assert "timezone" in got[3][0] and "+05:30" in got[3][0], got
    assert "control character" in got[4][0], got
    assert got[6] == ["4 fields, but the header has 5"], got
    assert "also on line 2" in got[7][0], got
    assert "code" in got[8][0], got
    assert "closing quote" in got[9][0], got
    assert "6 bad rows, nothing imported" in p.stderr, p.stderr
    assert p.stdout == ""
    assert c.sql("SELECT count(*) FROM groups") == [(0,)]
    assert c.sql("SELECT count(*) FROM networks") == [(0,)]


def test_headers():
    c = Catat()
    cases = [
        ("code,name,kota\nKPUK01,Mawar,Blitar\n", 'unknown column "kota"'),
        ("name,district\nMawar,Blitar\n", 'required column "code" is missing'),
        ("code,name,code\nKPUK01,Mawar,KPUK01\n", 'column "code" appears twice'),
        ("", "header line is missing"),
        ("\n\n", "header line is missing"),
    ]
    for text, want in cases:
        path = write(c, "groups.csv", text)
        p = c.run("import", "groups", path, check=False)
        assert p.returncode == 1 and want in p.stderr, (text, p.stderr)
        assert (path + ":1: ") in p.stderr, p.stderr
    # columns in any order, optional ones left out, names in any case
    path = write(c, "groups.csv", "Timezone,CODE\n+09:00,kpuk30\n")
    assert c.run("import", "groups", path).stdout == "imported 1 groups (1 new, 0 updated)\n"
    assert c.sql("SELECT code, name, timezone, network_id FROM groups") == \
        [("KPUK30", "", "+09:00", None)]
    # a header only: nothing to do, not an error
    path = write(c, "loans.csv", "code,phone,principal,instalments,frequency,first_due\r\n")
    assert c.run("import", "loans", path).stdout.startswith("imported 0 loans")
    # usage
    assert c.run("import", "people", path, check=False).returncode == 2
    assert c.run("import", "groups", check=False).returncode == 2
    h = c.run("import", "--help").stdout
    assert "updates" in h and "FILE:LINE" in h, h
    assert c.run("import", "groups", os.path.join(c.dir, "nosuch.csv"), check=False).returncode == 1


def test_bom_crlf_quotes_and_reimport():
    c = Catat()
    data = ("\ufeffcode,name,network,district,timezone\r\n"
            "kpuk07,\"Mawar, \"\"Sejahtera\"\"\",jarpuk1,  Blitar  ,+07:00\r\n"
            "\r\n"
            ",,,,\r\n"
            "KPUK08,\"Melati\",JARPUK1,\"Kab. Blitar, Jawa Timur\",\r\n")
    path = write(c, "groups.csv", data)
    assert c.run("import", "groups", path).stdout == "imported 2 groups (2 new, 0 updated)\n"
    assert c.sql("SELECT g.code, g.name, n.code, g.district, g.timezone FROM groups g"
                 " JOIN networks n ON n.id = g.network_id ORDER BY g.code") == [
        ("KPUK07", 'Mawar, "Sejahtera"', "JARPUK1", "Blitar", "+07:00"),
        ("KPUK08", "Melati", "JARPUK1", "Kab. Blitar, Jawa Timur", "+07:00")]
    # the same file again: updated, not duplicated; a changed row changes; an empty cell keeps
    path = write(c, "groups.csv", "code,name,network,district,timezone\n"
                 "KPUK07,Mawar Baru,,,\nKPUK08,Melati,JARPUK2,,+08:00\nKPUK09,Anggrek,,,\n")
    assert c.run("import", "groups", path).stdout == "imported 3 groups (1 new, 2 updated)\n"
    assert c.sql("SELECT g.code, g.name, coalesce(n.code, ''), g.district, g.timezone FROM groups g"
                 " LEFT JOIN networks n ON n.id = g.network_id ORDER BY g.code") == [
        ("KPUK07", "Mawar Baru", "JARPUK1", "Blitar", "+07:00"),
        ("KPUK08", "Melati", "JARPUK2", "Kab. Blitar, Jawa Timur", "+08:00"),
        ("KPUK09", "Anggrek", "", "", "+07:00")]
    # Latin-1 bytes from an old spreadsheet are refused, not stored as mojibake
    path = write(c, "groups.csv", b"code,name\nKPUK10,Caf\xe9\n")
    p = c.run("import", "groups", path, check=False)
    assert p.returncode == 1 and path + ":2: field 2 holds bytes that are not UTF-8" in p.stderr, \
        p.stderr


def test_members_rows_codes_and_reimport():
    c = Catat()
    c.run("import", "groups", write(c, "groups.csv", GROUPS))
    bad = write(c, "members.csv",
                "phone,name,group,role,language,code,channel\n"       # 1
                "081200000001,Siti,KPUK07,member,id,,\n"               # 2 good
                "0812,Ani,KPUK07,,,,\n"                                # 3 not a phone
                "081200000003,Rina,KPUK99,treasurer,,,\n"              # 4 unknown group
                "081200000004,Fasil,KPUK07,boss,,,\n"                  # 5 bad role
                "081200000005,Dewi,KPUK07,,jawa,,\n"                   # 6 bad language
                "+62 812-0000-0001,Siti lagi,KPUK07,,,,\n"             # 7 the same phone
                "081200000007,,KPUK07,,,,\n"                           # 8 no name
                "081200000008,Yuni,,member,,,\n"                       # 9 no group
                "081200000009,Wati,KPUK07,,,,fax\n"                    # 10 bad channel
                "081200000010,Tini,KPUK07,,,B01,\n"                    # 11 good
                "081200000011,Tina,KPUK07,,,b01,\n")                   # 12 the same code
    p = c.run("import", "members", bad, check=False)
    assert p.returncode == 1
    got = problems(p, bad)
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10, 12], p.stderr
    assert "not a phone number" in got[3][0]
    assert "KPUK99 does not exist" in got[4][0]
    assert "role" in got[5][0] and "language" in got[6][0]
    assert "+6281200000001 is also on line 2" in got[7][0], got[7]
    assert "name is empty" in got[8][0] and "group is empty" in got[9][0]
    assert "channel" in got[10][0] and "B01 is also on line 11" in got[12][0], got
    assert c.sql("SELECT count(*) FROM people") == [(0,)]

    good = write(c, "members.csv",
                 "phone,name,group,role,code,channel\n"
                 "081200000001,Siti Aminah,kpuk07,member,,whatsapp\n"
                 "081200000002,  Ani  ,KPUK07,TREASURER,A0002,\n"
                 "081200000003,Rina,KPUK08,,,\n"
                 "081200000004,Admin Pusat,,admin,,\n")
    assert c.run("import", "members", good).stdout == "imported 4 members (4 new, 0 updated)\n"
    rows = c.sql("SELECT phone, name, role, code, coalesce(channel, '') FROM people ORDER BY phone")
    # made-up codes skip A0002, which the file names for Ani
    assert rows == [("+6281200000001", "Siti Aminah", "member", "A0001", "whatsapp"),
                    ("+6281200000002", "Ani", "treasurer", "A0002", ""),
                    ("+6281200000003", "Rina", "member", "A0003", ""),
                    ("+6281200000004", "Admin Pusat", "admin", "A0004", "")], rows
    # a code already held by someone else
    p = c.run("import", "members", write(c, "m2.csv", "phone,name,group,code\n"
                                         "081200000005,Dewi,KPUK07,A0001\n"), check=False)
    assert p.returncode == 1 and "A0001 already belongs to +6281200000001" in p.stderr, p.stderr
    # re-import: updated by phone, codes kept
    again = write(c, "members.csv", "phone,name,group,role\n"
                  "+6281200000001,Siti Aminah,KPUK08,treasurer\n081200000005,Dewi,KPUK07,\n")
    assert c.run("import", "members", again).stdout == "imported 2 members (1 new, 1 updated)\n"
    assert c.sql("SELECT p.code, p.role, g.code, p.channel FROM people p JOIN groups g"
                 " ON g.id = p.group_id WHERE phone = '+6281200000001'") == \
        [("A0001", "treasurer", "KPUK08", "whatsapp")]
    assert c.sql("SELECT code FROM people WHERE phone = '+6281200000005'") == [("A0005",)]


def test_loans_schedules_and_mismatch_rule():
    c = Catat()
    c.run("import", "groups", write(c, "groups.csv", GROUPS))
    c.run("import", "members", write(c, "members.csv", "phone,name,group\n"
                                     "081200000001,Siti,KPUK07\n081200000002,Ani,KPUK07\n"))
    bad = write(c, "loans.csv",
                "code,phone,principal,instalment,instalments,frequency,first_due\n"  # 1
                "P1,081200000001,1000000,100000,10,weekly,2026-01-05\n"              # 2 good
                "P2,081200000009,1000000,100000,10,weekly,2026-01-05\n"              # 3 no member
                "P3,081200000001,1.000.000,100000,10,weekly,2026-01-05\n"            # 4 not digits
                "P4,081200000001,1000000,90000,10,weekly,2026-01-05\n"               # 5 short
                "P5,081200000001,1000000,100000,0,weekly,2026-01-05\n"               # 6 0 instalments
                "P6,081200000001,1000000,100000,10,daily,2026-01-05\n"               # 7 frequency
                "P7,081200000001,1000000,100000,10,weekly,2026-02-30\n"              # 8 no such day
                "P8,081200000001,-5,,10,weekly,2026-01-05\n"                         # 9 negative
                "P1,081200000002,1000000,100000,10,weekly,2026-01-05\n")             # 10 P1 again
    p = c.run("import", "loans", bad, check=False)
    assert p.returncode == 1
    got = problems(p, bad)
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10], p.stderr
    assert "no member has phone +6281200000009" in got[3][0]
    assert "principal" in got[4][0] and "digits only" in got[4][0]
    assert "less than principal 1000000 by more than half" in got[5][0], got[5]
    assert "instalments" in got[6][0] and "frequency" in got[7][0] and "first_due" in got[8][0]
    assert "P1 is also on line 2" in got[10][0]
    assert c.sql("SELECT count(*) FROM loans") == [(0,)]
    assert c.sql("SELECT count(*) FROM instalments") == [(0,)]

    good = write(c, "loans.csv",
                 "code,phone,principal,instalment,instalments,frequency,first_due\n"
                 "P1,081200000001,1000000,335000,3,monthly,2024-01-31\n"   # 5000 interest
                 "P2,081200000002,1000000,,3,Weekly,2026-12-29\n"          # instalment left out
                 "P3,081200000002,100000,33000,3,monthly,2026-11-30\n")    # rounded down
    assert c.run("import", "loans", good).stdout == "imported 3 loans (3 new, 0 updated)\n"

    def schedule(code):
        return c.sql("SELECT due_date, amount FROM instalments WHERE loan_id ="
                     " (SELECT id FROM loans WHERE code = ?) ORDER BY n", code)
    # monthly: the same day each month, clamped to the month's end (leap year); above the
    # principal is interest: 3 x 335000 - 1000000 = 5000, spread evenly to the rupiah, the
    # rupiah of principal that does not divide (1000000 = 3 x 333333 + 1) on the first
    assert schedule("P1") == [("2024-01-31", 335000), ("2024-02-29", 335000),
                              ("2024-03-31", 335000)]
    parts = c.sql("SELECT amount - interest, interest FROM instalments WHERE loan_id ="
                  " (SELECT id FROM loans WHERE code = 'P1') ORDER BY n")
    assert parts == [(333334, 1666), (333333, 1667), (333333, 1667)], parts
    assert sum(p for p, _ in parts) == 1000000 and sum(i for _, i in parts) == 3 * 335000 - 1000000
    # below the principal by less than half an instalment is a rounding: the last takes the
    # rest (P2, P3) and there is no interest
    assert schedule("P2") == [("2026-12-29", 333333), ("2027-01-05", 333333),
                              ("2027-01-12", 333334)]
    assert schedule("P3") == [("2026-11-30", 33000), ("2026-12-30", 33000),
                              ("2027-01-30", 34000)]
    # repayments survive a re-import that changes the schedule
    siti = c.sql("SELECT id FROM people WHERE phone = '+6281200000001'")[0][0]
    c.sql("INSERT INTO entries(ref, person_id, kind, amount, loan_id, status, created_at)"
          " VALUES('KQXT', ?, 'repayment', 400000, (SELECT id FROM loans WHERE code = 'P1'),"
          " 'confirmed', 0)", siti)
    again = write(c, "loans.csv", "code,phone,principal,instalment,instalments,frequency,"
                  "first_due\nP1,081200000001,1000000,250000,4,weekly,2024-01-01\n")
    assert c.run("import", "loans", again).stdout == "imported 1 loans (0 new, 1 updated)\n"
    assert c.sql("SELECT due_date, amount, paid FROM instalments WHERE loan_id ="
                 " (SELECT id FROM loans WHERE code = 'P1') ORDER BY n") == [
        ("2024-01-01", 250000, 250000), ("2024-01-08", 250000, 150000),
        ("2024-01-15", 250000, 0), ("2024-01-22", 250000, 0)]
    loans = json.loads(c.run("export", "loans", "--format", "json").stdout)
    p1 = [x for x in loans if x["code"] == "P1"][0]
    assert list(p1)[:7] == ["code", "phone", "principal", "paid", "outstanding", "next_due",
                            "overdue_days"], p1
    assert (p1["paid"], p1["outstanding"], p1["next_due"]) == (400000, 600000, "2024-01-08")
    assert p1["overdue_days"] > 700 and p1["phone"] == "+6281200000001", p1
    assert (p1["interest"], p1["outstanding_principal"], p1["outstanding_interest"]) == \
        (0, 600000, 0), p1
    # the default disbursement: one period before the first due date
    assert p1["disbursed"] == "2023-12-25", p1
    p2 = [x for x in loans if x["code"] == "P2"][0]
    assert p2["disbursed"] == "2026-12-22" and p2["interest"] == 0, p2
    # the borrower is not changed by import
    p = c.run("import", "loans", write(c, "l3.csv", "code,phone,principal,instalments,frequency,"
                                       "first_due\nP1,081200000002,1000,1,weekly,2026-01-01\n"),
              check=False)
    assert p.returncode == 1 and "belongs to another member" in p.stderr, p.stderr


def test_export_shapes():
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    c.run("import", "groups", write(c, "groups.csv", GROUPS +
                                    "KPUK20,Anggrek,JARPUK2,Makassar,+08:00\n"))
    c.run("import", "members", write(c, "members.csv", "phone,name,group,role,code\n"
                                     "081200000001,\"Aminah, Siti\",KPUK07,,A0101\n"
                                     "081200000002,Lina,KPUK20,,\n"))
    c.start()
    try:
        text = 'JUAL 45rb abon "super", enak'
        assert c.console("081200000001", text, "w1")[0] == 200
        assert c.console("081200000002", "TABUNG 10rb", "w2")[0] == 200
        assert c.console("081299999999", "halo", "w3")[0] == 200
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'") == [(3,)],
                   what="replies sent")
    finally:
        c.stop()

    msgs = json.loads(c.run("export", "messages", "--format", "json").stdout)
    assert len(msgs) == 6, msgs
    for m in msgs:
        assert list(m)[:7] == ["direction", "channel", "provider_id", "phone", "text", "status",
                               "at"], m
        assert m["direction"] in ("in", "out") and m["channel"] == "console"
    inbound = [m for m in msgs if m["direction"] == "in"]
    assert [m["provider_id"] for m in inbound] == ["w1", "w2", "w3"]
    assert inbound[0]["text"] == text and inbound[0]["at"].endswith("+07:00")
    assert inbound[1]["at"].endswith("+08:00")  # Lina's group is in WITA
    assert inbound[2]["status"] == "unregistered" and inbound[2]["at"].endswith("+07:00")
    assert {m["status"] for m in msgs if m["direction"] == "out"} == {"sent"}

    # CSV: a header line, RFC 4180 quoting that Python's csv module reads back
    out = c.run("export", "messages").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["direction", "channel", "provider_id", "phone", "text", "status", "at",
                       "kind"], rows[0]
    assert rows[1][4] == text and len(rows) == 7, rows

    members = json.loads(c.run("export", "members", "--format", "json").stdout)
    assert members[0]["name"] == "Aminah, Siti" and members[0]["code"] == "A0101", members
    assert members[0]["opted_out"] is False and members[0]["language"] is None
    # the members CSV imports again as it is
    out = c.run("export", "members").stdout
    assert out.splitlines()[0] == "phone,name,group,role,language,code,channel"
    assert '"Aminah, Siti"' in out
    path = write(c, "again.csv", out)
    assert c.run("import", "members", path).stdout == "imported 2 members (0 new, 2 updated)\n"

    ledger = json.loads(c.run("export", "ledger", "--format", "json").stdout)
    assert [(e["phone"], e["group"], e["kind"], e["amount"], e["status"]) for e in ledger] == [
        ("+6281200000001", "KPUK07", "sale", 45000, "confirmed"),
        ("+6281200000002", "KPUK20", "savings", 10000, "confirmed")], ledger
    assert ledger[0]["item"] == "abon super enak" and ledger[0]["qty"] is None, ledger[0]
    assert len(ledger[0]["ref"]) >= 4 and ledger[0]["at"].endswith("+07:00")
    # empty exports: a header line, or an empty array
    assert c.run("export", "loans").stdout.startswith("code,phone,principal,paid,outstanding,"
                                                      "next_due,overdue_days")
    assert json.loads(c.run("export", "loans", "--format", "json").stdout) == []
    assert c.run("export", "ledger", "--format", "xml", check=False).returncode == 2
    assert c.run("export", "nothing", check=False).returncode == 2


if __name__ == "__main__":
    run_tests([test_bad_group_rows_are_reported_and_nothing_is_loaded,
               test_headers,
               test_bom_crlf_quotes_and_reimport,
               test_members_rows_codes_and_reimport,
               test_loans_schedules_and_mismatch_rule,
               test_export_shapes])
