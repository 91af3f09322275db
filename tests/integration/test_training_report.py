"""test_training_report.py - an e-training shaped like seed 004, through catat serve.

Two programmes (WEE and PWD), four batches over two programme years (October to September),
eight districts, participants with and without a disability, surveys before (session 1) and
after (session 3) with indicators. Every HADIR and JAWAB goes through POST /webhook/console;
the test keeps what it sent and counts every figure of `catat report training` itself (JSON,
CSV and text, Indonesian and English). Also: sessions only within the batch, BATAL SESI, JAWAB
checked against the survey, participants' own BANTUAN and SALDO, completion congratulated once.
"""
import json
import os
import random
import re
import sys
import time
from decimal import Decimal, ROUND_HALF_UP

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

DISTRICTS = ["Trenggalek", "Blitar", "Sampang", "Gresik", "Surabaya", "Kediri", "Malang",
             "Bangkalan"]
# batch -> (first session date, sizes {programme: participants})
BATCHES = {
    "GT01": ("2019-11-04", {"WEE": 10}),
    "GT02": ("2020-08-03", {"WEE": 8}),
    "GT03": ("2020-11-02", {"WEE": 8, "PWD": 2}),
    "PW01": ("2021-04-07", {"PWD": 8}),
}
YEAR_OF = {"GT01": 2019, "GT02": 2019, "GT03": 2020, "PW01": 2020}
TRAINER = "081300000001"
AKSES = "menyetujui akses yang sama bagi laki-laki dan perempuan"
CHAMPION = "siap menjadi champion kesetaraan gender"
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]


def pct(n, of):
    """A percentage to one decimal, half up, as a float (0.0 when of is 0)."""
    if not of:
        return 0.0
    return float((Decimal(100 * n) / Decimal(of)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def pct_id(n, of):
    return ("%.1f" % pct(n, of)).replace(".", ",")


def day(date, plus):
    y, m, d = (int(x) for x in date.split("-"))
    return "%04d-%02d-%02d" % (y, m, d + plus)  # the test's dates never cross a month end


def words(date):
    y, m, d = (int(x) for x in date.split("-"))
    return "%d %s %d" % (d, MONTHS[m - 1], y)


def build(rng):
    """The CSV files and the participants: list of dicts."""
    batches = ["batch,session,starts_at,title,material"]
    surveys = ["batch,session,question,kind,text,indicator,agree"]
    people = []
    n = 0
    for code, (first, sizes) in BATCHES.items():
        for s in (1, 2, 3):
            batches.append("%s,%d,%sT19:00:00+07:00,Sesi %d,https://youtu.be/%s%d"
                           % (code, s, day(first, 2 * (s - 1)), s, code, s))
        for s in (1, 3):
            surveys.append("%s,%d,1,yesno,%s,akses_setara," % (code, s, AKSES))
            surveys.append("%s,%d,2,choice,%s,champion,AB" % (code, s, CHAMPION))
        surveys.append('%s,3,3,choice,"Materi mana yang paling berguna, A B atau C?",,' % code)
        for programme, size in sizes.items():
            for _ in range(size):
                n += 1
                people.append({
                    "phone": "08131000%04d" % n,
                    "name": "Peserta %d" % n,
                    "batch": code,
                    "sex": "P" if n % 9 == 0 else "L",
                    "district": DISTRICTS[n % len(DISTRICTS)],
                    "disability": rng.random() < (0.7 if programme == "PWD" else 0.1),
                    "programme": programme,
                })
    rows = ["phone,name,batch,sex,age,district,disability,relation,channel,programme"]
    for p in people:
        rows.append("%s,%s,%s,%s,30,%s,%s,suami,console,%s"
                    % (p["phone"], p["name"], p["batch"], p["sex"], p["district"],
                       "yes" if p["disability"] else "no", p["programme"]))
    return ("\n".join(batches) + "\n", "\n".join(surveys) + "\n", "\n".join(rows) + "\n", people)


class World:
    def __init__(self):
        self.rng = random.Random(4)
        b, s, p, self.people = build(self.rng)
        self.c = Catat("[server]\nreplies_per_hour = 100000\n"
                       "[reminders]\nquiet_start = 00:00\nquiet_end = 00:00\n")
        c = self.c
        c.run("import", "members", self.write("members.csv", "phone,name,role\n%s,Bu Rum,trainer\n"
                                              % TRAINER))
        c.run("import", "batches", self.write("batches.csv", b))
        out = c.run("import", "surveys", self.write("surveys.csv", s)).stdout
        assert out.startswith("imported %d surveys" % (5 * len(BATCHES))), out
        c.run("import", "participants", self.write("participants.csv", p))
        self.n = 0
        self.attended = {p["phone"]: set() for p in self.people}
        self.latest = {}  # (phone, session, question) -> letter
        self.congratulated = set()

    def write(self, name, text):
        path = os.path.join(self.c.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def say(self, phone, text):
        self.n += 1
        s, ans = self.c.console(phone, text, "m%d" % self.n)
        assert s == 200, (s, ans)
        reply = ans["replies"][0] if ans["replies"] else ""
        assert len(reply) <= 160, reply
        return reply

    def of(self, code):
        return [p for p in self.people if p["batch"] == code]

    def hadir(self, p, text, session):
        reply = self.say(p["phone"], text)
        had = session in self.attended[p["phone"]]
        assert ("sudah tercatat" if had else "dicatat") in reply, (text, reply)
        self.attended[p["phone"]].add(session)
        done = len(self.attended[p["phone"]]) == 3 and not had
        assert ("Selamat" in reply) == done, (p, reply)
        if done:
            assert p["phone"] not in self.congratulated
            self.congratulated.add(p["phone"])

    def jawab(self, p, session, answers):
        """answers: [(question, letter)]; sent in one of the ways participants write them."""
        shown = {"Y": ["YA", "Y", "SETUJU"], "N": ["TIDAK", "N", "TDK"]}
        parts = []
        for q, a in answers:
            parts.append("%d%s" % (q, self.rng.choice(shown[a]) if a in shown else a))
        reply = self.say(p["phone"], "JAWAB " + " ".join(parts))
        assert "dicatat" in reply, (parts, reply)
        for q, a in answers:
            self.latest[(p["phone"], session, q)] = a

    def run_session(self, code, session):
        reply = self.say(TRAINER, "SESI %s %d" % (code, session))
        assert "Sesi %d %s dibuka" % (session, code) in reply, reply
        rng = self.rng
        for p in self.of(code):
            if rng.random() < 0.85:
                self.hadir(p, rng.choice(["HADIR", "hadir", "ABSEN", "HADIR %d" % session]),
                           session)
            if session == 2:
                if rng.random() < 0.2:
                    assert "tidak punya survei" in self.say(p["phone"], "JAWAB 1A")
                continue
            if rng.random() < 0.1:  # not a question of the survey, or a letter it does not take
                bad = rng.choice(["JAWAB 5A", "JAWAB 1B", "JAWAB 1YA 2YA", "JAWAB 4C"])
                reply = self.say(p["phone"], bad)
                assert "tidak ada di survei" in reply and "JAWAB 1YA 2A" in reply, (bad, reply)
            if rng.random() < 0.9:
                answers = [(1, rng.choice("YN")), (2, rng.choice("ABCD"))]
                if session == 3:
                    answers.append((3, rng.choice("ABC")))
                self.jawab(p, session, answers)
                if rng.random() < 0.25:  # changes her mind: the latest answer counts
                    self.jawab(p, session, [(1, rng.choice("YN"))])

    def wait_sent(self):
        """Until the outbox has sent everything queued (console delivers on the spot)."""
        end = time.time() + 60  # generous: the suite may share the cores with a sanitizer build
        while self.c.sql("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"
                         " AND kind = 'material'") != [(0,)]:
            assert time.time() < end, "material not sent"
            time.sleep(0.05)


def expected(w, people, codes):
    """The report's figures as product.md section 4 defines them, counted from what was sent."""
    def figure(ps, code=None):
        f = {"participants": len(ps)}
        if code:
            f["batch"] = code
        f["by_programme"] = count(p["programme"] for p in ps)
        f["by_district"] = count(p["district"] for p in ps)
        f["by_sex"] = {"L": sum(p["sex"] == "L" for p in ps), "P": sum(p["sex"] == "P" for p in ps)}
        f["disability"] = sum(p["disability"] for p in ps)
        f["by_district_disability"] = {
            d: {"yes": sum(p["disability"] for p in ps if p["district"] == d),
                "no": sum(not p["disability"] for p in ps if p["district"] == d)}
            for d in f["by_district"]}
        f["sessions"] = [{"session": s, "present": sum(s in w.attended[p["phone"]] for p in ps),
                          "percent": pct(sum(s in w.attended[p["phone"]] for p in ps), len(ps)),
                          "discussion": 0}  # the console carries no voice notes
                         for s in (1, 2, 3)]
        f["completed_all"] = sum(len(w.attended[p["phone"]]) == 3 for p in ps)
        answers = {}
        for p in ps:
            for q in (1, 2, 3):
                got = [w.latest[(p["phone"], s, q)] for s in (1, 3) if (p["phone"], s, q) in w.latest]
                if got:  # her answer of the latest session she answered q in
                    answers.setdefault(str(q), {}).setdefault(got[-1], 0)
                    answers[str(q)][got[-1]] += 1
        f["answers"] = answers
        by_session = {}
        for (phone, s, q), a in w.latest.items():
            if any(p["phone"] == phone for p in ps):
                d = by_session.setdefault(str(s), {}).setdefault(str(q), {})
                d[a] = d.get(a, 0) + 1
        f["answers_by_session"] = by_session
        inds = []
        for name, q, agree, text in (("akses_setara", 1, "Y", AKSES), ("champion", 2, "AB", CHAMPION)):
            yes = sum(w.latest.get((p["phone"], 3, q)) in list(agree) for p in ps)
            before = sum(w.latest.get((p["phone"], 1, q)) in list(agree) for p in ps)
            inds.append({"indicator": name, "text": text, "session": 3, "yes": yes,
                         "of": len(ps), "percent": pct(yes, len(ps)),
                         "before": {"session": 1, "yes": before, "of": len(ps),
                                    "percent": pct(before, len(ps))}})
        f["indicators"] = inds
        return f

    def count(values):
        out = {}
        for v in values:
            out[v] = out.get(v, 0) + 1
        return out

    batches = [figure([p for p in people if p["batch"] == code], code) for code in codes]
    return batches, figure(people)


def check_figure(got, want):
    for key, value in want.items():
        assert got[key] == value, (want.get("batch", "total"), key, got[key], value)


def test_seed_shaped_training():
    w = World()
    c = w.c
    # participants.csv carries the programme; surveys.csv the questions per session.
    assert c.sql("SELECT programme, count(*) FROM participants GROUP BY 1 ORDER BY 1") == \
        [("PWD", sum(p["programme"] == "PWD" for p in w.people)),
         ("WEE", sum(p["programme"] == "WEE" for p in w.people))]
    c.start()
    try:
        p0 = w.people[0]
        # Only the batch's sessions open; nothing is sent for one it does not have.
        reply = w.say(TRAINER, "SESI GT01 5")
        assert "hanya punya sesi 1-3" in reply and "SESI GT01 1" in reply, reply
        assert c.sql("SELECT count(*) FROM sessions WHERE n > 3") == [(0,)]
        assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'material'") == [(0,)]
        reply = w.say(TRAINER, "sesi gt01")
        assert "SESI GT07 2" in reply and "KIRIM" not in reply, reply
        assert "Belum ada sesi GT01" in w.say(TRAINER, "BATAL SESI GT01")
        # A participant's own help and balance.
        reply = w.say(p0["phone"], "BANTUAN")
        assert "HADIR" in reply and "JAWAB" in reply and "JUAL" not in reply, reply
        reply = w.say(p0["phone"], "SALDO")
        assert "Tabungan Rp0" not in reply and "HADIR" in reply and "GT01" in reply, reply
        assert "hanya untuk" in w.say(p0["phone"], "BATAL SESI GT01")

        # The material lists the survey's questions.
        w.run_session("GT01", 1)
        material = c.sql("SELECT text FROM outbox WHERE kind = 'material'")
        assert len(material) == 10 and all(AKSES in t and "JAWAB 1YA 2A" in t for t, in material)
        for code in ("GT01", "GT03", "PW01"):
            for s in ((2, 3) if code == "GT01" else (1, 2, 3)):
                w.run_session(code, s)

        # GT02: session 3 opened by mistake, then undone before anyone answered it.
        gt02 = w.of("GT02")
        w.run_session("GT02", 1)
        assert "dibuka" in w.say(TRAINER, "SESI GT02 3")
        w.wait_sent()
        reply = w.say(TRAINER, "BATAL SESI GT02")
        assert "sesi 3 GT02 dibatalkan. %d peserta diberi tahu" % len(gt02) in reply, reply
        told = c.sql("SELECT phone FROM outbox WHERE kind = 'notice' AND text LIKE '%salah kirim%'")
        assert sorted(t for t, in told) == sorted("+62" + p["phone"][1:] for p in gt02), told
        # Session 1 is now the last opened, and it has answers: it stays.
        reply = w.say(TRAINER, "BATAL SESI GT02")
        assert "tidak bisa dibatalkan" in reply, reply
        assert "belum dibuka" in w.say(gt02[0]["phone"], "HADIR 3")
        w.run_session("GT02", 2)
        w.run_session("GT02", 3)
        assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'material' AND text LIKE"
                     " '%GT023%'") == [(2 * len(gt02),)]

        # Late HADIR for a missed session; completion congratulated once.
        for p in w.people:
            missed = {1, 2, 3} - w.attended[p["phone"]]
            if len(missed) == 1 and w.rng.random() < 0.5:
                m = missed.pop()
                w.hadir(p, "HADIR %d" % m, m)
        for phone in list(w.congratulated)[:3]:
            assert "Selamat" not in w.say(phone, "HADIR 1")
    finally:
        c.stop()
    assert w.congratulated, "nobody completed: the random draw is too thin"
    assert c.sql("SELECT count(*) FROM participants WHERE congratulated_at IS NOT NULL") == \
        [(len(w.congratulated),)]

    # ---- JSON: every figure ----
    raw = c.run("report", "training", "--format", "json").stdout
    for number in re.findall(r'"(?:percent|disability_percent|completed_all_percent)": ([0-9.]+)', raw):
        assert re.fullmatch(r"\d+\.\d", number), number
    got = json.loads(raw)
    codes = sorted(BATCHES)
    want_batches, want_total = expected(w, w.people, codes)
    assert [b["batch"] for b in got["batches"]] == codes
    for g, e in zip(got["batches"], want_batches):
        check_figure(g, e)
    check_figure(got["total"], want_total)
    assert got["total"]["batches"] == 4
    assert len(got["total"]["by_district"]) == 8
    years = {y["year"]: y for y in got["years"]}
    for y in (2019, 2020):
        codes_y = [b for b in BATCHES if YEAR_OF[b] == y]
        assert years[y]["batches"] == len(codes_y), years
        assert years[y]["participants"] == sum(len(w.of(b)) for b in codes_y), years
        assert years[y]["from"] == "%d-10-01" % y and years[y]["to"] == "%d-09-30" % (y + 1)
    progs = {p["programme"]: p for p in got["programmes"]}
    for name in ("WEE", "PWD"):
        ps = [p for p in w.people if p["programme"] == name]
        codes_p = sorted({p["batch"] for p in ps})
        assert progs[name]["batches"] == len(codes_p), progs
        assert progs[name]["participants"] == len(ps)
        assert progs[name]["disability"] == sum(p["disability"] for p in ps)
        assert progs[name]["from"] == BATCHES[codes_p[0]][0]
        assert progs[name]["to"] == day(BATCHES[codes_p[-1]][0], 4)

    # --programme limits every figure to that programme's participants.
    got = json.loads(c.run("report", "training", "--programme", "pwd", "--format", "json").stdout)
    pwd = [p for p in w.people if p["programme"] == "PWD"]
    pcodes = sorted({p["batch"] for p in pwd})
    assert got["programme"] == "PWD" and [b["batch"] for b in got["batches"]] == pcodes
    want_batches, want_total = expected(w, pwd, pcodes)
    for g, e in zip(got["batches"], want_batches):
        check_figure(g, e)
    check_figure(got["total"], want_total)

    # ---- CSV ----
    _, total = expected(w, w.people, codes)
    rows = c.run("report", "training", "--format", "csv").stdout.splitlines()
    assert rows[0] == "batch,measure,key,answer,count,percent"
    for ind in total["indicators"]:
        assert "TOTAL,indicator,%s,after,%d,%.1f" % (ind["indicator"], ind["yes"],
                                                     ind["percent"]) in rows, rows
        b = ind["before"]
        assert "TOTAL,indicator,%s,before,%d,%.1f" % (ind["indicator"], b["yes"],
                                                      b["percent"]) in rows
    for s in total["sessions"]:
        assert "TOTAL,session,%d,,%d,%.1f" % (s["session"], s["present"], s["percent"]) in rows
    for d, yn in total["by_district_disability"].items():
        n = total["by_district"][d]
        assert "TOTAL,district_disability,%s,yes,%d,%.1f" % (d, yn["yes"], pct(yn["yes"], n)) in rows
    assert "TOTAL,disability,,,%d,%.1f" % (total["disability"],
                                           pct(total["disability"], len(w.people))) in rows

    # ---- text, Indonesian by default, as seed 004 writes it ----
    text = c.run("report", "training").stdout
    n = len(w.people)
    for ind in total["indicators"]:
        line = "- %d dari %d (%s%%) peserta %s (sebelum pelatihan, sesi 1: %d dari %d (%s%%))" % (
            ind["yes"], n, pct_id(ind["yes"], n), ind["text"], ind["before"]["yes"], n,
            pct_id(ind["before"]["yes"], n))
        assert line in text, (line, text)
    assert "terlaksana 4 batch dengan %d peserta di 8 kabupaten/kota" % n in text, text
    y19 = [b for b in BATCHES if YEAR_OF[b] == 2019]
    assert "- %d batch (%d peserta) terlaksana di tahun program Oktober 2019 - September 2020" % (
        len(y19), sum(len(w.of(b)) for b in y19)) in text, text
    ps = [p for p in w.people if p["programme"] == "PWD"]
    dis = sum(p["disability"] for p in ps)
    assert "- Program PWD: 2 batch, %d peserta (%d penyandang disabilitas; %d non disabilitas)" % (
        len(ps), dis, len(ps) - dis) in text, text
    assert "periode waktu pelaksanaan %s sampai dengan %s" % (
        words(BATCHES["GT03"][0]), words(day(BATCHES["PW01"][0], 4))) in text, text
    gt01 = w.of("GT01")
    done = sum(len(w.attended[p["phone"]]) == 3 for p in gt01)
    assert "  hadir di semua sesi: %d dari %d (%s%%)" % (done, len(gt01), pct_id(done, len(gt01))) \
        in text, text

    # ---- exports for the trainers' own spreadsheets ----
    rows = json.loads(c.run("export", "participants", "--format", "json").stdout)
    assert len(rows) == len(w.people), rows
    by_phone = {r["phone"]: r for r in rows}
    for p in w.people:
        r = by_phone["+62" + p["phone"][1:]]
        assert (r["batch"], r["district"], r["sex"], r["disability"], r["programme"]) == \
            (p["batch"], p["district"], p["sex"], p["disability"], p["programme"]), (r, p)
        assert r["present"] == len(w.attended[p["phone"]]), (r, p)
        assert r["completed_all"] == (len(w.attended[p["phone"]]) == 3)
    out = c.run("export", "participants").stdout
    lines = out.splitlines()
    assert lines[0] == "phone,name,batch,sex,age,district,disability,relation,channel,programme"
    assert len(lines) == len(w.people) + 1
    again = os.path.join(c.dir, "again.csv")
    with open(again, "w") as f:
        f.write(out)
    assert c.run("import", "participants", again).stdout.startswith("imported %d" % n)
    rows = json.loads(c.run("export", "answers", "--format", "json").stdout)
    assert len(rows) == len(w.latest), (len(rows), len(w.latest))
    agree = {1: "Y", 2: "AB"}
    for r in rows:
        key = ("0" + r["phone"][3:], r["session"], r["question"])
        assert w.latest[key] == r["answer"], (r, w.latest[key])
        if r["question"] in agree:
            assert r["indicator"] == ("akses_setara" if r["question"] == 1 else "champion")
            assert r["agrees"] == (r["answer"] in agree[r["question"]]), r
        else:
            assert r["indicator"] is None and r["agrees"] is None, r
    lines = c.run("export", "answers").stdout.splitlines()
    assert lines[0] == ("batch,session,question,answer,phone,name,sex,district,disability,"
                        "programme,indicator,agrees,at") and len(lines) == len(w.latest) + 1

    # English when the configuration says so.
    c.env["CATAT_LOCALE_LANGUAGE"] = "en"
    text = c.run("report", "training").stdout
    ind = total["indicators"][0]
    assert "- %d of %d (%.1f%%) participants %s" % (ind["yes"], n, ind["percent"], AKSES) in text
    assert "By programme year:" in text and "October 2020 - September 2021" in text, text


def test_surveys_import_errors_load_nothing():
    c = Catat()
    path = os.path.join(c.dir, "b.csv")
    with open(path, "w") as f:
        f.write("batch,session,title\nGT07,1,a\nGT07,2,b\n")
    c.run("import", "batches", path)
    bad = os.path.join(c.dir, "s.csv")
    with open(bad, "w") as f:
        f.write("batch,session,question,kind,text,indicator,agree\n"
                "GT07,1,1,yesno,Setuju?,akses_setara,\n"   # fine
                "GT07,3,1,yesno,x,,\n"                       # no session 3
                "GT07,1,1,choice,x,,\n"                      # the same question again
                "GT07,1,2,scale,x,,\n"                       # kind
                "GT07,1,3,choice,x,champion,\n"              # indicator without agree
                "GT07,1,4,choice,x,,AF\n"                    # agree letters
                "GT99,1,1,yesno,x,,\n"                       # batch
                "GT07,1,0,yesno,x,,\n")                      # question number
    p = c.run("import", "surveys", bad, check=False)
    assert p.returncode == 1, p
    for line in range(3, 10):
        assert "s.csv:%d:" % line in p.stderr, (line, p.stderr)
    assert "s.csv:2:" not in p.stderr, p.stderr
    assert c.sql("SELECT count(*) FROM survey_questions") == [(0,)]


def test_whatsapp_reply_buttons():
    """Material on WhatsApp carries HADIR and YA/TIDAK buttons inside the 24-hour window; a
    press comes back as interactive.button_reply and counts as the typed command."""
    import test_whatsapp as wa
    fake = wa.GraphFake()
    c = Catat(ini="[server]\nreplies_per_hour = 0\n"
                  "[reminders]\nquiet_start = 00:00\nquiet_end = 00:00\n[outbox]\nretry_base_ms = 50\n"
                  "[whatsapp]\nenabled = true\napi_base = %s/v21.0/\nphone_number_id = %s\n"
                  "access_token = %s\napp_secret = %s\nverify_token = %s\ntemplate = %s\n"
                  "template_language = id\n"
              % (fake.url, wa.PHONE_ID, wa.TOKEN, wa.SECRET, wa.VERIFY, wa.TEMPLATE))
    files = {
        "members.csv": "phone,name,role\n%s,Bu Rum,trainer\n" % TRAINER,
        "batches.csv": "batch,session,title,material\nGT09,1,Sex dan gender,https://youtu.be/a\n"
                       "GT09,2,Keadilan,https://youtu.be/b\n",
        "surveys.csv": "batch,session,question,kind,text,indicator,agree\n"
                       "GT09,1,1,choice,Pilih A atau B,,\nGT09,1,2,yesno,%s,akses_setara,\n" % AKSES,
        "participants.csv": "phone,name,batch,district,channel\n"
                            "081500000001,Budi,GT09,Blitar,whatsapp\n"
                            "081500000002,Agus,GT09,Blitar,whatsapp\n",
    }
    for name in ("members", "batches", "surveys", "participants"):
        path = os.path.join(c.dir, name + ".csv")
        with open(path, "w") as f:
            f.write(files[name + ".csv"])
        c.run("import", name, path)
    c.start()
    try:
        def press(wamid, title):
            msg = {"from": "6281500000001", "id": wamid, "timestamp": str(int(time.time())),
                   "type": "interactive",
                   "interactive": {"type": "button_reply",
                                   "button_reply": {"id": title, "title": title}}}
            assert wa.post(c, json.dumps(wa.envelope([msg])))[0] == 200

        # Budi wrote today (inside the window); Agus never wrote.
        assert wa.post(c, json.dumps(wa.envelope([wa.text_msg("6281500000001", "wamid.H",
                                                              "BANTUAN")])))[0] == 200
        c.wait_for(lambda: len(fake.received()) == 1, 10, "the help reply")
        assert "HADIR" in json.loads(fake.received()[0].body)["text"]["body"]
        s, ans = c.console(TRAINER, "SESI GT09 1", "t1")
        assert s == 200 and "2 peserta" in ans["replies"][0], ans
        c.wait_for(lambda: len(fake.received()) == 3, 10, "the material")
        by_to = {json.loads(r.body)["to"]: json.loads(r.body) for r in fake.received()[1:]}
        budi, agus = by_to["6281500000001"], by_to["6281500000002"]
        assert budi["type"] == "interactive", budi
        ia = budi["interactive"]
        assert ia["type"] == "button" and "youtu.be/a" in ia["body"]["text"], ia
        titles = [b["reply"]["title"] for b in ia["action"]["buttons"]]
        assert titles == ["HADIR", "JAWAB 2 YA", "JAWAB 2 TIDAK"], titles  # the yes/no question
        assert agus["type"] == "template", agus  # outside the window: the approved template

        press("wamid.P1", "JAWAB 2 YA")
        press("wamid.P2", "HADIR")
        c.wait_for(lambda: len(fake.received()) == 5, 10, "the replies to the presses")
        replies = [json.loads(r.body)["text"]["body"] for r in fake.received()[3:]]
        # Sent side by side: either may reach the provider first.
        assert sorted("dicatat: 2Y" in r for r in replies) == [False, True], replies
        assert sorted("Kehadiran sesi 1 GT09 dicatat" in r for r in replies) == [False, True], replies
        assert c.sql("SELECT question, answer FROM answers") == [(2, "Y")]
        assert c.sql("SELECT count(*) FROM attendance") == [(1,)]
        press("wamid.P3", "JAWAB 2 TIDAK")  # pressed again: the latest counts
        c.wait_for(lambda: len(fake.received()) == 6, 10, "the reply")
        # Voice notes in the discussion: Budi sends two, someone outside the training one.
        for wamid, frm in (("wamid.V1", "6281500000001"), ("wamid.V2", "6281500000001"),
                           ("wamid.V3", "6281500000009")):
            voice = {"from": frm, "id": wamid, "timestamp": str(int(time.time())),
                     "type": "audio", "audio": {"id": "media-" + wamid, "mime_type": "audio/ogg",
                                                "voice": True}}
            assert wa.post(c, json.dumps(wa.envelope([voice])))[0] == 200
        c.wait_for(lambda: len(fake.received()) == 9, 10, "the replies to the voice notes")
        replies = [json.loads(r.body) for r in fake.received()[6:]]
        by_to = {}
        for r in replies:
            by_to.setdefault(r["to"], []).append(r["text"]["body"])
        assert all("diskusi sesi 1 GT09" in t for t in by_to["6281500000001"]), by_to
        assert "hanya bisa membaca pesan teks" in by_to["6281500000009"][0], by_to
        assert c.sql("SELECT kind, count(*) FROM discussion GROUP BY kind") == [("audio", 2)]
    finally:
        c.stop()
        fake.close()
    got = json.loads(c.run("report", "training", "--format", "json").stdout)
    ind = got["total"]["indicators"][0]
    assert (ind["indicator"], ind["yes"], ind["of"], ind["percent"]) == ("akses_setara", 0, 2, 0.0)
    assert got["total"]["answers"] == {"2": {"N": 1}}, got["total"]
    # Participants who took part in the discussion, not voice notes: 1 of 2.
    assert (got["total"]["discussion"], got["total"]["discussion_percent"]) == (1, 50.0), got
    assert [s["discussion"] for s in got["total"]["sessions"]] == [1, 0], got["total"]["sessions"]
    text = c.run("report", "training").stdout
    assert "ikut diskusi (pesan suara atau media): 1 dari 2 (50,0%)" in text, text


if __name__ == "__main__":
    run_tests([test_seed_shaped_training, test_surveys_import_errors_load_nothing,
               test_whatsapp_reply_buttons])
