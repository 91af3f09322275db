"""test_training.py - a whole three-session WhatsApp e-training through catat serve.

Batches and participants are imported from CSV; the trainer opens sessions over HTTP
(POST /webhook/console); participants answer HADIR and JAWAB; the report's figures (JSON) are
checked against what was sent.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402

BATCHES = """batch,session,starts_at,title,material
GT07,1,2027-04-05T19:00:00+07:00,Sex dan gender,"Tonton https://youtu.be/s1, baca modul bab 1"
GT07,2,2027-04-07T19:00:00+07:00,Keadilan gender,https://youtu.be/s2
GT07,3,2027-04-09T19:00:00+07:00,Peran laki-laki,https://youtu.be/s3
"""
PARTICIPANTS = """phone,name,batch,sex,age,district,disability,relation,channel
081300000011,Budi,GT07,L,30,Blitar,no,suami,console
081300000012,Agus,GT07,L,41,Trenggalek,yes,ayah,
081300000013,Joko,GT07,L,25,Blitar,no,saudara,
081300000014,Wati,GT07,P,35,Gresik,yes,tokoh,
081300000015,Slamet,GT07,L,50,Trenggalek,no,suami,
"""
MEMBERS = """phone,name,role
081300000001,Pak Heru,trainer
"""
TRAINER = "081300000001"
P = ["0813000000%d" % n for n in range(11, 16)]


def write(c, name, text):
    path = os.path.join(c.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def setup():
    c = Catat()
    c.run("import", "members", write(c, "members.csv", MEMBERS))
    c.run("import", "batches", write(c, "batches.csv", BATCHES))
    c.run("import", "participants", write(c, "participants.csv", PARTICIPANTS))
    return c


def say(c, phone, text, _n=[0]):
    _n[0] += 1
    s, ans = c.console(phone, text, "m%d" % _n[0])
    assert s == 200, (s, ans)
    return ans["replies"][0] if ans["replies"] else ""


def test_bad_rows_load_nothing():
    c = Catat()
    bad = write(c, "b.csv", "batch,session,starts_at,title\nGT01,1,2027-04-05 19:00,x\n"
                            "GT01,x,,y\n")
    p = c.run("import", "batches", bad, check=False)
    assert p.returncode == 1, p
    assert "b.csv:2:" in p.stderr and "b.csv:3:" in p.stderr, p.stderr
    c.run("import", "batches", write(c, "ok.csv", BATCHES))
    bad = write(c, "p.csv", "phone,name,batch,sex,colour\n0813,Budi,GT07,L,red\n")
    p = c.run("import", "participants", bad, check=False)
    assert p.returncode == 1 and 'unknown column "colour"' in p.stderr, p.stderr
    bad = write(c, "p2.csv", "phone,name,batch,sex,disability\n081300000011,Budi,GT07,L,no\n"
                             "081300000012,Agus,GT99,L,no\n081300000013,Joko,GT07,X,no\n")
    p = c.run("import", "participants", bad, check=False)
    assert p.returncode == 1 and "p2.csv:3:" in p.stderr and "p2.csv:4:" in p.stderr, p.stderr
    assert c.sql("SELECT count(*) FROM participants") == [(0,)]
    assert c.sql("SELECT count(*) FROM sessions") == [(3,)]


def test_three_sessions_attendance_answers_and_report():
    c = setup()
    c.start()
    try:
        assert "MULAI" in say(c, P[4], "STOP")  # Slamet wants no more messages
        assert "tidak ada sesi" in say(c, P[0], "HADIR").lower()  # nothing opened yet
        # An hour before session 1, a reminder for each participant still subscribed.
        p = c.run("remind", "--now", "2027-04-05T18:00:00+07:00", "--dry-run")
        got = [json.loads(line) for line in p.stdout.splitlines()]
        assert sorted(r["to"] for r in got) == ["+62" + x[1:] for x in P[:4]], got
        assert all(r["kind"] == "session" and "GT07" in r["text"] and "19:00" in r["text"]
                   and len(r["text"]) <= 160 for r in got), got
        assert c.run("remind", "--now", "2027-04-05T18:00:00+07:00").stdout.startswith("4 ")
        assert c.run("remind", "--now", "2027-04-05T18:30:00+07:00").stdout.startswith("0 ")

        # A participant may not open a session.
        assert "hanya untuk" in say(c, P[0], "SESI GT07 1")
        reply = say(c, TRAINER, "SESI GT07 1")
        assert "Sesi 1 GT07 dibuka" in reply and "4 peserta" in reply, reply
        material = c.sql("SELECT phone, text FROM outbox WHERE kind = 'material'")
        assert len(material) == 4 and all("youtu.be/s1" in t for _, t in material), material
        assert "+6281300000015" not in [ph for ph, _ in material]
        assert "0 peserta" in say(c, TRAINER, "SESI GT07 1")  # again: nobody gets it twice
        assert "tidak ditemukan" in say(c, TRAINER, "SESI GT99 1")

        for x in P[:4]:
            assert "dicatat" in say(c, x, "HADIR"), x
        assert "sudah tercatat" in say(c, P[0], "hadir")
        assert "dicatat" in say(c, P[0], "JAWAB 2A")
        say(c, P[1], "JAWAB 2B")
        say(c, P[2], "JAWAB 2A")
        reply = say(c, P[0], "JAWAB 2C")  # latest answer wins
        assert "2C" in reply, reply
        assert "belum dibuka" in say(c, P[0], "HADIR 2")

        assert "3 peserta" not in say(c, TRAINER, "SESI GT07 2")
        say(c, P[0], "HADIR")
        assert "dicatat" in say(c, P[1], "HADIR 2")
        assert "dicatat" in say(c, P[2], "HADIR GT07-2")
        # Wati misses session 2.

        say(c, TRAINER, "SESI GT07 3")
        for x in P[:4]:
            say(c, x, "ABSEN")
        for x in P[:3]:
            assert "1Y" in say(c, x, "JAWAB YA")
        say(c, P[3], "JAWAB TIDAK")
        # A late HADIR for session 1 is still one attendance.
        assert "sudah tercatat" in say(c, P[3], "HADIR 1")
    finally:
        c.stop()

    got = json.loads(c.run("report", "training", "--format", "json").stdout)
    b = got["batches"][0]
    assert b["batch"] == "GT07" and b["participants"] == 5, b
    assert b["by_district"] == {"Blitar": 2, "Gresik": 1, "Trenggalek": 2}, b
    assert b["by_sex"] == {"L": 4, "P": 1} and b["disability"] == 2, b
    assert b["sessions"] == [{"session": 1, "present": 4, "percent": 80.0, "discussion": 0},
                             {"session": 2, "present": 3, "percent": 60.0, "discussion": 0},
                             {"session": 3, "present": 4, "percent": 80.0, "discussion": 0}], b
    assert b["completed_all"] == 3, b
    assert b["answers"] == {"1": {"N": 1, "Y": 3}, "2": {"A": 1, "B": 1, "C": 1}}, b
    assert b["answers_pct"]["1"] == {"N": 25.0, "Y": 75.0}, b
    total = got["total"]
    for key in ("participants", "by_district", "by_sex", "disability", "sessions",
                "completed_all", "answers"):
        assert total[key] == b[key], (key, total)
    # The figures agree with what was recorded from the messages.
    assert c.sql("SELECT count(*) FROM attendance") == [(11,)]
    assert c.sql("SELECT count(*) FROM outbox WHERE kind = 'material'") == [(12,)]

    text = c.run("report", "training", "--batch", "gt07").stdout
    assert "GT07: 5 peserta (L 4, P 1)" in text, text
    assert "hadir di semua sesi: 3 dari 5 (60,0%)" in text, text
    assert "jawaban sesi 3 pertanyaan 1: N 1, Y 3" in text, text
    csv = c.run("report", "training", "--format", "csv").stdout.splitlines()
    assert csv[0] == "batch,measure,key,answer,count,percent", csv
    assert "GT07,session,2,,3,60.0" in csv and "GT07,answer,1,Y,3,75.0" in csv, csv
    assert c.run("report", "training", "--batch", "NOPE", check=False).returncode == 1
    # export attendance: one row per participant present, the same 11 as the report counts.
    rows = json.loads(c.run("export", "attendance", "--format", "json").stdout)
    assert len(rows) == 11, rows
    assert [sum(1 for r in rows if r["session"] == n) for n in (1, 2, 3)] == [4, 3, 4], rows
    assert all(r["batch"] == "GT07" and r["phone"].startswith("+62") and r["at"] for r in rows)
    lines = c.run("export", "attendance").stdout.splitlines()
    assert lines[0] == "batch,session,phone,name,district,sex,disability,relation,at", lines
    assert len(lines) == 12, lines
    # The trainer's digest of the batch: participants, completion, attendance per session.
    out = c.run("digest", "--print").stdout
    assert "Pelatihan GT07" in out and "5 peserta" in out and "tamat semua sesi 3" in out, out
    assert "Sesi 2: hadir 3" in out, out
    c.run("digest", "--send")
    rows = c.sql("SELECT phone, text FROM outbox WHERE kind = 'digest'")
    assert rows == [("+6281300000001", rows[0][1])] and "Sesi 3: hadir 4" in rows[0][1], rows


if __name__ == "__main__":
    run_tests([test_bad_rows_load_nothing,
               test_three_sessions_attendance_answers_and_report])
