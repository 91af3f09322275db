"""The staff web app over real HTTP (product.md section 8): sign-in with a one-time code from the
outbox (the console channel), sessions, CSRF, each role's scope, escaping of hostile names and
messages, page weight, a confirm equal to KONFIRM, downloads as CSV and XLSX, the import upload
and broadcast. Figures on pages are compared with the command line's and with hand counts."""
import csv
import datetime
import io
import itertools
import json
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402
from web_client import Web  # noqa: E402

WIB = datetime.timezone(datetime.timedelta(hours=7))
SITI, ANI, RINA, FASIL, BOSS, TARI, PUTRI, YANTI = (
    "+6281200000001", "+6281200000002", "+6281200000003", "+6281200000004",
    "+6281200000009", "+6281200000010", "+6281200000021", "+6281200000022")
HOSTILE = "Siti <script>alert(1)</script>"
_ids = itertools.count(1)
REF = re.compile(r"Ref ([A-Z0-9]{4,5})")


def today(days=0):
    return (datetime.datetime.now(WIB).date() + datetime.timedelta(days=days)).isoformat()


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def say(c, phone, text):
    s, body = c.console(phone, text, "w%d" % next(_ids))
    assert s == 200, (s, body)
    return body["replies"][0] if body.get("replies") else ""


STATE = {}


def setup():
    c = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    c.run("import", "groups", write(c, "groups.csv",
                                     "code,name,network,district,timezone\n"
                                     "KPUK07,Mawar,JARPUK1,Blitar,+07:00\n"
                                     "KPUK20,Anggrek,JARPUK2,Makassar,+08:00\n"))
    c.run("import", "members", write(c, "members.csv",
                                      "phone,name,group,role,code\n"
                                      "081200000001,\"%s\",KPUK07,member,A0101\n"
                                      "081200000002,Ani,KPUK07,member,A0102\n"
                                      "081200000003,Rina,KPUK07,treasurer,T0001\n"
                                      "081200000004,Fasil,KPUK20,facilitator,F0001\n"
                                      "081200000009,Boss,,admin,X0001\n"
                                      "081200000010,Tari,,trainer,R0001\n" % HOSTILE))
    c.run("import", "loans", write(c, "loans.csv",
                                    "code,phone,principal,instalment,instalments,frequency,"
                                    "first_due\n"
                                    "P12,081200000001,600000,150000,4,weekly,%s\n"
                                    "P13,081200000002,400000,100000,4,weekly,%s\n"
                                    % (today(-40), today(3))))
    c.run("import", "batches", write(c, "batches.csv",
                                      "batch,session,starts_at,title,material\n"
                                      "GT07,1,2026-11-01T09:00:00+07:00,Mulai,Selamat datang\n"
                                      "GT07,2,2026-11-02T09:00:00+07:00,Dua,Materi dua\n"))
    c.run("import", "participants", write(c, "participants.csv",
                                           "phone,name,batch,sex,age,district,disability\n"
                                           "081200000021,Putri,GT07,P,30,Blitar,no\n"
                                           "081200000022,Yanti,GT07,P,41,Kediri,yes\n"))
    c.run("import", "surveys", write(c, "surveys.csv",
                                      "batch,session,question,kind,text,indicator,agree\n"
                                      "GT07,1,1,yesno,Punya usaha sendiri?,usaha,\n"
                                      "GT07,2,1,yesno,Punya usaha sendiri?,usaha,\n"))
    c.start()
    # A week of messages: sales and expenses counted by hand below.
    say(c, SITI, "JUAL 45rb abon")
    say(c, SITI, "JUAL 30rb keripik")
    say(c, SITI, "BELI 20rb gula")
    say(c, ANI, "JUAL 12500 sayur")
    r1 = REF.search(say(c, SITI, "TABUNG 50rb")).group(1)
    r2 = REF.search(say(c, SITI, "TABUNG 30rb")).group(1)
    say(c, SITI, "<script>alert('pesan')</script>")  # not understood, kept and shown escaped
    say(c, ANI, "STOP")
    say(c, TARI, "SESI GT07 1")
    say(c, PUTRI, "HADIR")
    say(c, YANTI, "HADIR")
    say(c, PUTRI, "JAWAB YA")  # before the training: one of two participants says yes
    STATE.update(c=c, web_ref=r1, sms_ref=r2)
    return c


def test_sign_in_right_code():
    c = STATE["c"]
    w = Web(c)
    s, h, _ = w.get("/app/")
    assert s == 303 and h["location"] == "/app/login", (s, h)
    s, _, page = w.get("/app/login")
    assert s == 200 and b'name="phone"' in page
    s, _, _ = w.post("/app/login", {"phone": "0812-0000-0003"})  # stored as E.164
    assert s == 200
    code = w.last_code(RINA)
    s, h, _ = w.post("/app/login/code", {"phone": RINA, "code": code})
    assert s == 303 and h["location"] == "/app/" and w.cookie
    cookie = h["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/app" in cookie
    assert "Secure" not in cookie  # public_url is not https here
    s, _, page = w.get("/app/")
    assert s == 200 and b"Rina" in page
    # stored hashed: neither the code nor the token is in the database
    token = w.cookie.split("=", 1)[1]
    dump = "\n".join(str(r) for t in ("web_codes", "web_sessions")
                     for r in c.sql("SELECT * FROM " + t))
    assert token not in dump and len(c.sql("SELECT * FROM web_sessions")) >= 1
    assert code not in dump
    # once used, the code is no longer readable in the outbox either
    assert w.last_code(RINA) is None
    assert code not in str(c.sql("SELECT text FROM outbox"))
    # the same code cannot start a second session
    w2 = Web(c)
    s, _, _ = w2.post("/app/login/code", {"phone": RINA, "code": code})
    assert s == 401 and not w2.cookie
    # nothing about codes or tokens in the log
    log = c.read_log()
    assert code not in log and token not in log
    STATE["rina"] = w


def test_wrong_code_and_expired_code():
    c = STATE["c"]
    w = Web(c)
    s, _, _ = w.post("/app/login", {"phone": FASIL})
    assert s == 200
    code = w.last_code(FASIL)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    s, _, page = w.post("/app/login/code", {"phone": FASIL, "code": wrong})
    assert s == 401 and not w.cookie
    # the code expires after 10 minutes: moved back in time, the right code is refused
    c.sql("UPDATE web_codes SET expires_at = expires_at - 601 WHERE used_at IS NULL")
    s, _, _ = w.post("/app/login/code", {"phone": FASIL, "code": code})
    assert s == 401 and not w.cookie
    w.sign_in(FASIL)
    STATE["fasil"] = w


def test_five_tries_end_the_code():
    c = STATE["c"]
    w = Web(c)
    w.post("/app/login", {"phone": BOSS})
    code = w.last_code(BOSS)
    wrong = "%06d" % ((int(code) + 7) % 1000000)
    for _ in range(5):
        s, _, _ = w.post("/app/login/code", {"phone": BOSS, "code": wrong})
        assert s == 401
    s, _, _ = w.post("/app/login/code", {"phone": BOSS, "code": code})
    assert s == 401 and not w.cookie, "the right code after five wrong tries must be refused"
    w.sign_in(BOSS)  # a new code works
    STATE["boss"] = w


def test_member_cannot_sign_in():
    c = STATE["c"]
    w = Web(c)
    s, _, page = w.post("/app/login", {"phone": SITI})
    assert s == 200 and b'name="code"' in page  # the same page as for staff
    assert not c.sql("SELECT id FROM outbox WHERE kind = 'signin' AND phone = ?", SITI)
    s, _, _ = w.post("/app/login/code", {"phone": SITI, "code": "123456"})
    assert s == 401 and not w.cookie
    # an unknown phone likewise
    s, _, _ = w.post("/app/login", {"phone": "081299999999"})
    assert s == 200 and not c.sql("SELECT id FROM outbox WHERE phone = '+6281299999999'")


def test_codes_per_phone_are_limited():
    c = STATE["c"]
    w = Web(c)
    for i in range(5):
        s, _, _ = w.post("/app/login", {"phone": TARI})
        assert s == 200, (i, s)
    s, _, _ = w.post("/app/login", {"phone": TARI})
    assert s == 429
    n = c.sql("SELECT count(*) FROM outbox WHERE kind = 'signin' AND phone = ?", TARI)[0][0]
    assert n == 5, n
    # the latest code still signs in
    code = w.last_code(TARI)
    s, h, _ = w.post("/app/login/code", {"phone": TARI, "code": code})
    assert s == 303 and w.cookie
    STATE["tari"] = w


def test_session_expiry_and_logout():
    c = STATE["c"]
    w = Web(c)
    w.sign_in(RINA)
    assert w.get("/app/")[0] == 200
    # idle longer than [web] session_hours (12): the session is over
    token_rows = c.sql("SELECT id FROM web_sessions ORDER BY id DESC LIMIT 1")
    c.sql("UPDATE web_sessions SET last_seen = last_seen - 12 * 3600 - 5 WHERE id = ?",
          token_rows[0][0])
    s, h, _ = w.get("/app/")
    assert s == 303 and h["location"] == "/app/login"
    # logout ends a live session
    w.sign_in(RINA)
    _, _, page = w.get("/app/")
    s, h, _ = w.post("/app/logout", {"csrf": w.csrf(page)})
    assert s == 303 and h["location"] == "/app/login"
    old = w.cookie
    s, _, _ = w.request("GET", "/app/", headers={"Cookie": old}) if old else (303, None, None)
    assert s == 303


def test_csrf_refused_and_nothing_changed():
    c = STATE["c"]
    w = STATE["rina"]
    ref = STATE["web_ref"]
    before = c.sql("SELECT status, confirmed_by FROM entries WHERE ref = ?", ref)
    actions = c.sql("SELECT count(*) FROM web_actions")[0][0]
    s, _, _ = w.post("/app/groups/KPUK07/confirm", {"ref": ref})
    assert s == 403
    s, _, _ = w.post("/app/groups/KPUK07/confirm", {"ref": ref, "csrf": "0" * 64})
    assert s == 403
    _, _, other_page = STATE["fasil"].get("/app/")
    s, _, _ = w.post("/app/groups/KPUK07/confirm", {"ref": ref, "csrf": w.csrf(other_page)})
    assert s == 403, "another session's token must not do"
    assert c.sql("SELECT status, confirmed_by FROM entries WHERE ref = ?", ref) == before
    assert before[0][0] == "reported"
    assert c.sql("SELECT count(*) FROM web_actions")[0][0] == actions


def test_role_scope():
    fasil, rina, tari, boss = STATE["fasil"], STATE["rina"], STATE["tari"], STATE["boss"]
    for path in ("/app/groups/KPUK07", "/app/members/A0101", "/app/groups/KPUK07?download=1"
                 "&format=csv", "/app/groups/NOSUCH"):
        assert fasil.get(path)[0] == 404, path
    assert fasil.get("/app/groups/KPUK20")[0] == 200
    assert rina.get("/app/groups/KPUK20")[0] == 404
    assert rina.get("/app/training/GT07")[0] == 404
    assert rina.get("/app/import")[0] == 404
    assert tari.get("/app/groups/KPUK07")[0] == 404
    assert tari.get("/app/training/GT07")[0] == 200
    for path in ("/app/groups/KPUK07", "/app/groups/KPUK20", "/app/members/A0101",
                 "/app/training/GT07"):
        assert boss.get(path)[0] == 200, path
    # the overview lists only her own groups
    _, _, page = fasil.get("/app/")
    assert b"KPUK20" in page and b"KPUK07" not in page
    # a POST into another's group with her own valid token: 404, unchanged
    _, _, page = fasil.get("/app/")
    ref = STATE["web_ref"]
    s, _, _ = fasil.post("/app/groups/KPUK07/confirm", {"ref": ref, "csrf": fasil.csrf(page)})
    assert s == 404
    assert STATE["c"].sql("SELECT status FROM entries WHERE ref = ?", ref)[0][0] == "reported"
    # messages of other groups are not listed
    _, _, page = fasil.get("/app/messages")
    assert b"+6281200000001" not in page


def test_hostile_text_escaped_and_pages_light():
    boss = STATE["boss"]
    pages = ["/app/", "/app/groups/KPUK07", "/app/members/A0101", "/app/loans",
             "/app/training/GT07", "/app/messages", "/app/messages?phone=081200000001",
             "/app/import", "/app/broadcast"]
    for path in pages:
        s, h, body = boss.get(path)
        assert s == 200, (path, s)
        assert len(body) < 100 * 1024, (path, len(body))
        assert b"<script" not in body, path
        assert not re.search(rb"(src|href|action)=\"(https?:)?//", body), path
        assert b"<link" not in body and b"@import" not in body and b"url(" not in body, path
        assert "script-src" not in h["content-security-policy"]
    s, _, body = Web(STATE["c"]).get("/app/login")
    assert s == 200 and len(body) < 100 * 1024 and b"<script" not in body
    _, _, group = boss.get("/app/groups/KPUK07")
    assert b"Siti &lt;script&gt;alert(1)&lt;/script&gt;" in group
    _, _, msgs = boss.get("/app/messages?phone=081200000001")
    assert b"&lt;script&gt;alert(&#39;pesan&#39;)&lt;/script&gt;" in msgs
    # a search for the text finds it, escaped
    _, _, found = boss.get("/app/messages?text=%3Cscript")
    assert b"&lt;script&gt;alert(&#39;pesan&#39;)" in found


def csv_table(web, path, n):
    s, h, body = web.get("%s%sdownload=%d&format=csv" % (path, "&" if "?" in path else "?", n))
    assert s == 200 and h["content-type"].startswith("text/csv"), (path, s)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_overview_figures_by_hand():
    rina = STATE["rina"]
    rows = csv_table(rina, "/app/", 0)
    head, data = rows[0], rows[1:]
    kpuk07 = [r for r in data if r[0] == "KPUK07"]
    assert len(kpuk07) == 2, data  # today and eight weeks
    today_row = kpuk07[0]
    col = {name: i for i, name in enumerate(head)}
    sales = 45000 + 30000 + 12500
    assert int(today_row[col["Penjualan"]]) == sales
    assert int(today_row[col["Pengeluaran"]]) == 20000
    assert int(today_row[col["Menunggak"]]) == 1  # Siti: P12 fell due 40 days ago
    assert int(today_row[col["Pesan tak dipahami"]]) >= 1
    assert int(kpuk07[1][col["Penjualan"]]) == sales


def test_confirm_through_the_web_equals_konfirm():
    c = STATE["c"]
    rina = STATE["rina"]
    web_ref, sms_ref = STATE["web_ref"], STATE["sms_ref"]
    s, _, page = rina.get("/app/groups/KPUK07")
    assert s == 200 and web_ref.encode() in page and sms_ref.encode() in page
    s, _, page = rina.post("/app/groups/KPUK07/confirm", {"ref": web_ref, "csrf": rina.csrf(page)})
    assert s == 200 and b'class="ok"' in page, page[-2000:]
    reply = say(c, RINA, "KONFIRM " + sms_ref)
    assert sms_ref in reply
    rina_id = c.sql("SELECT id FROM people WHERE phone = ?", RINA)[0][0]
    rows = {r[0]: r[1:] for r in c.sql(
        "SELECT ref, status, confirmed_by, confirmed_at IS NOT NULL, cancelled_at FROM entries"
        " WHERE ref IN (?, ?)", web_ref, sms_ref)}
    assert rows[web_ref] == rows[sms_ref] == ("confirmed", rina_id, 1, None), rows
    # the member is told the same way, either way
    notices = c.sql("SELECT text FROM outbox WHERE phone = ? AND kind = 'notice'"
                    " ORDER BY id", SITI)
    web_notice = [t for (t,) in notices if web_ref in t]
    sms_notice = [t for (t,) in notices if sms_ref in t]
    assert len(web_notice) == 1 and len(sms_notice) == 1, notices
    assert web_notice[0].replace(web_ref, "R").replace("50.000", "N") == \
        sms_notice[0].replace(sms_ref, "R").replace("30.000", "N")
    # recorded with who did it
    assert c.sql("SELECT action, target FROM web_actions WHERE person_id = ? AND target = ?",
                 rina_id, web_ref) == [("confirm", web_ref)]
    # the entry is no longer waiting; a second confirm is refused and changes nothing
    _, _, page = rina.get("/app/groups/KPUK07")
    assert ('value="%s"' % web_ref).encode() not in page
    s, _, page = rina.post("/app/groups/KPUK07/confirm", {"ref": web_ref, "csrf": rina.csrf(page)})
    assert s == 200 and b'class="err"' in page


def test_figures_equal_the_command_line():
    c = STATE["c"]
    boss = STATE["boss"]
    # the group's members table against each member's own SALDO reply
    rows = csv_table(boss, "/app/groups/KPUK07", 1)  # members
    col = {name: i for i, name in enumerate(rows[0])}
    by_code = {r[col["Kode"]]: r for r in rows[1:]}
    assert len(by_code) == 3
    for code, phone in (("A0101", SITI), ("A0102", ANI), ("T0001", RINA)):
        reply = say(c, phone, "SALDO")
        savings = int(re.search(r"Tabungan Rp([\d.]+)", reply).group(1).replace(".", ""))
        m = re.search(r"sisa Rp([\d.]+)", reply)
        owed = int(m.group(1).replace(".", "")) if m else 0
        assert int(by_code[code][col["Tabungan"]]) == savings, (code, reply)
        assert int(by_code[code][col["Sisa pinjaman"]]) == owed, (code, reply)
    assert int(by_code["A0101"][col["Tabungan"]]) == 50000 + 30000  # both confirmed, by hand
    loans = json.loads(c.run("export", "loans", "--format", "json").stdout)
    assert int(by_code["A0101"][col["Sisa pinjaman"]]) == \
        sum(l["outstanding"] for l in loans if l["phone"] == SITI) == 600000
    # the loans page: every figure of `catat report loans` for the same period
    period = datetime.datetime.now(WIB).strftime("%Y-%m")
    report = json.loads(c.run("report", "loans", "--period", period, "--format", "json").stdout)
    rows = csv_table(boss, "/app/loans?period=" + period, 0)
    measures = ["loans_active", "disbursed", "repaid_principal", "repaid_interest",
                "outstanding", "in_arrears", "par30", "savings_in", "savings_out",
                "savings_balance", "sales", "expenses"]
    groups = {g["group"]: g for g in report["groups"]}
    assert len(rows) == 1 + len(groups) == 3, rows
    for r in rows[1:]:
        assert [int(x) for x in r[1:]] == [groups[r[0]][m] for m in measures], (r, groups[r[0]])
    kpuk07 = groups["KPUK07"]
    assert kpuk07["outstanding"] == 600000 + 400000 == sum(l["outstanding"] for l in loans)
    assert kpuk07["par30"] == 600000  # P12 has an instalment 40 days late, P13 none
    assert kpuk07["sales"] == 45000 + 30000 + 12500 and kpuk07["savings_in"] == 80000
    # networks and the total are an admin's; a facilitator sees her own group only
    net = csv_table(boss, "/app/loans?period=" + period, 1)
    total = [r for r in net[1:] if r[0] == "Jumlah"][0]
    assert [int(x) for x in total[1:]] == [report["total"][m] for m in measures]
    rows = csv_table(STATE["fasil"], "/app/loans?period=" + period, 0)
    assert [r[0] for r in rows[1:]] == ["KPUK20"]
    assert STATE["fasil"].get("/app/loans?period=" + period + "&download=1&format=csv")[0] == 404
    assert boss.get("/app/loans?period=2026-13")[0] == 400
    # training: as `catat report training`
    report = json.loads(c.run("report", "training", "--batch", "GT07", "--format",
                              "json").stdout)["batches"][0]
    rows = csv_table(boss, "/app/training/GT07", 0)
    assert int(rows[1][1]) == report["participants"] == 2
    rows = csv_table(boss, "/app/training/GT07", 1)  # attendance per session
    present = {r[0]: int(r[1]) for r in rows[1:]}
    assert present["1"] == report["sessions"][0]["present"] == 2
    rows = csv_table(boss, "/app/training/GT07", 2)  # indicators, before and after
    ind = report["indicators"][0]
    assert rows[1][0] == ind["indicator"] == "usaha"
    assert int(rows[1][2]) == ind["before"]["yes"] == 1  # Putri, counted by hand
    assert rows[1][3] == "%.1f%%" % ind["before"]["percent"] == "50.0%"
    assert int(rows[1][4]) == ind["yes"] == 0 and int(rows[1][6]) == ind["of"] == 2


def test_downloads_csv_and_xlsx():
    boss = STATE["boss"]
    s, h, body = boss.get("/app/groups/KPUK07?download=1&format=xlsx")
    assert s == 200 and "spreadsheetml" in h["content-type"]
    assert 'filename="members.xlsx"' in h["content-disposition"]
    z = zipfile.ZipFile(io.BytesIO(body))
    assert z.testzip() is None
    names = z.namelist()
    assert "xl/worksheets/sheet1.xml" in names
    strings = z.read("xl/sharedStrings.xml").decode()
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "Siti &lt;script&gt;alert(1)&lt;/script&gt;" in strings and "Rina" in strings
    assert "<v>80000</v>" in sheet  # Siti's savings, a number
    assert len(re.findall(r"<row ", sheet)) == 1 + 3
    rows = csv_table(boss, "/app/groups/KPUK07", 1)
    assert rows[0][0] == "Kode" and len(rows) == 4 and rows[1][1] == HOSTILE


def test_import_upload_all_or_nothing():
    c = STATE["c"]
    boss = STATE["boss"]
    _, _, page = boss.get("/app/import")
    token = boss.csrf(page)
    bad = ("phone,name,group,role,code\n"
           "081200000031,Wati,KPUK07,member,A0131\n"
           "notaphone,Sari,KPUK07,member,A0132\n"
           "081200000033,Nur,NOGROUP,member,A0133\n").encode()
    s, _, page = boss.post_multipart("/app/import", {"csrf": token, "kind": "members"},
                                     {"file": ("members.csv", bad)})
    assert s == 422, s
    assert b"members.csv:3:" in page and b"members.csv:4:" in page
    assert not c.sql("SELECT id FROM people WHERE phone = '+6281200000031'")
    # the command line says the same about the same file
    p = c.run("import", "members", write(c, "members.csv", bad.decode()), check=False)
    assert p.returncode == 1
    for line in p.stderr.splitlines():
        if re.match(r".*members\.csv:\d+: ", line):
            assert line.split("members.csv", 1)[1].encode() in page.replace(b"&quot;", b'"'), line
    good = b"phone,name,group,role,code\r\n081200000031,Wati,KPUK07,member,A0131\r\n"
    s, _, page = boss.post_multipart("/app/import", {"csrf": token, "kind": "members"},
                                     {"file": ("members.csv", good)})
    assert s == 200 and b"imported 1 members" in page, page[-1500:]
    assert c.sql("SELECT name FROM people WHERE phone = '+6281200000031'") == [("Wati",)]
    assert c.sql("SELECT action FROM web_actions WHERE action = 'import'") == [("import",)]
    # without a csrf token: 403, nothing imported
    s, _, _ = boss.post_multipart("/app/import", {"kind": "members"},
                                  {"file": ("members.csv", b"phone,name,group\n"
                                            b"081200000041,Eka,KPUK07\n")})
    assert s == 403 and not c.sql("SELECT id FROM people WHERE phone = '+6281200000041'")


def test_broadcast_preview_and_send():
    c = STATE["c"]
    rina = STATE["rina"]
    _, _, page = rina.get("/app/broadcast")
    token = rina.csrf(page)
    # 150 characters: one SMS alone, two with the heading catat puts before a broadcast
    text = ("Rapat kelompok Sabtu jam 9 di rumah Bu Rina. Bawa buku tabungan dan "
            "catatan penjualan minggu ini. Ada pelatihan singkat pembukuan sesudahnya ya.")
    text = (text + " " * 150)[:150].rstrip() + "."
    s, _, page = rina.post("/app/broadcast", {"csrf": token, "step": "preview",
                                              "group": "KPUK07", "text": text})
    assert s == 200
    assert not c.sql("SELECT id FROM outbox WHERE kind = 'broadcast'")  # nothing sent yet
    preview = csv_table_from_page(rina, page)
    s, _, page = rina.post("/app/broadcast", {"csrf": token, "step": "send",
                                              "group": "KPUK07", "text": text})
    assert s == 200 and b'class="ok"' in page
    sent = c.sql("SELECT phone, text, segments FROM outbox WHERE kind = 'broadcast'")
    # KPUK07: Siti, Ani (STOP), Rina (the sender), Wati (imported) -> Siti and Wati
    assert sorted(p for p, _, _ in sent) == sorted([SITI, "+6281200000031"]), sent
    assert all(t.endswith(text) for _, t, _ in sent), sent
    longest = max(len(t) for _, t, _ in sent)  # GSM-7 text: 160 in one SMS, else 153 a part
    expected = 1 if longest <= 160 else -(-longest // 153)
    assert expected == 2
    assert preview == {"recipients": 2, "opted_out": 1, "segments": expected}, preview


def csv_table_from_page(web, page):
    m = re.search(rb'<td class="n">(\d+)</td><td class="n">(\d+)</td><td class="n">(\d+)</td>',
                  page)
    assert m, page[-2000:]
    return {"recipients": int(m.group(1)), "opted_out": int(m.group(2)),
            "segments": int(m.group(3))}


def test_retry_a_failed_delivery():
    c = STATE["c"]
    boss = STATE["boss"]
    oid = c.sql("SELECT id FROM outbox WHERE phone = ? AND kind = 'reply' ORDER BY id LIMIT 1",
                SITI)[0][0]
    c.sql("UPDATE outbox SET status = 'failed', error = 'test: gave up' WHERE id = ?", oid)
    _, _, page = boss.get("/app/messages?status=failed")
    assert ('name="id" value="%d"' % oid).encode() in page
    s, _, page = boss.post("/app/messages/retry", {"id": oid, "csrf": boss.csrf(page)})
    assert s == 200 and b'class="ok"' in page
    c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE id = ?", oid)[0][0] != "failed",
               what="the retried message to leave failed")
    assert c.sql("SELECT count(*) FROM web_actions WHERE action = 'retry' AND target = ?",
                 str(oid))[0][0] == 1
    # a message that has not failed is left as it is
    s, _, page = boss.post("/app/messages/retry", {"id": oid, "csrf": boss.csrf(page)})
    assert s == 200 and b'class="err"' in page


def test_bad_forms_are_refused():
    boss = STATE["boss"]
    s, _, _ = boss.request("POST", "/app/messages/retry", b"a=%zz",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert s == 400
    s, _, _ = boss.request("POST", "/app/import", b"--x\r\nno headers",
                           {"Content-Type": "multipart/form-data; boundary=x"})
    assert s == 400
    assert boss.get("/app/healthz")[0] == 404
    assert STATE["c"].get("/healthz")[0] == 200  # still serving


def test_long_lists_stay_light():
    """Many waiting entries and long messages: pages show the newest rows under 100 KB, the
    downloads hold every row."""
    c = STATE["c"]
    boss = STATE["boss"]
    before = c.sql("SELECT count(*) FROM entries WHERE status = 'reported' AND group_id ="
                   " (SELECT id FROM groups WHERE code = 'KPUK07') AND kind <> 'sale'"
                   " AND kind <> 'expense'")[0][0]
    for i in range(60):
        say(c, SITI, "TABUNG %d" % (1000 + i))
        say(c, SITI, ("<b>catatan panjang</b> %d " % i) + "x" * 3000)
    waiting = before + 60
    s, _, page = boss.get("/app/groups/KPUK07")
    assert s == 200 and len(page) < 100 * 1024, len(page)
    assert page.count(b'name="ref"') == 50
    rows = csv_table(boss, "/app/groups/KPUK07", 0)
    assert len(rows) - 1 == waiting, (len(rows), waiting)
    for path in ("/app/messages", "/app/messages?phone=081200000001", "/app/members/A0101"):
        s, _, page = boss.get(path)
        assert s == 200 and len(page) < 100 * 1024, (path, len(page))
        assert b"&lt;b&gt;catatan panjang&lt;/b&gt;" in page and b"<b>catatan" not in page
    rows = csv_table(boss, "/app/messages?phone=081200000001", 0)
    assert sum(1 for r in rows if "x" * 3000 in r[4]) == 60  # whole in the download


def test_web_disabled():
    c = Catat(env={"CATAT_WEB_ENABLED": "false"})
    c.start()
    try:
        s, _, _ = c.request("GET", "/app/login")
        assert s == 404
        assert c.get("/healthz")[0] == 200
    finally:
        c.stop()


def main():
    c = setup()
    try:
        run_tests([test_sign_in_right_code, test_wrong_code_and_expired_code,
                   test_five_tries_end_the_code, test_member_cannot_sign_in,
                   test_codes_per_phone_are_limited, test_session_expiry_and_logout,
                   test_csrf_refused_and_nothing_changed, test_role_scope,
                   test_hostile_text_escaped_and_pages_light, test_overview_figures_by_hand,
                   test_confirm_through_the_web_equals_konfirm, test_figures_equal_the_command_line,
                   test_downloads_csv_and_xlsx, test_import_upload_all_or_nothing,
                   test_broadcast_preview_and_send, test_retry_a_failed_delivery,
                   test_bad_forms_are_refused, test_long_lists_stay_light, test_web_disabled])
    finally:
        if c.proc:
            c.stop()


if __name__ == "__main__":
    main()
