"""A batch's trainer (batches.csv `trainer`, product.md sections 4 and 8): a batch that names its
trainer is hers alone among trainers - she opens and cancels its sessions and sees it in the web
app, another trainer is answered as if it did not exist and gets 404 - while a batch without a
trainer belongs to every trainer. An unknown trainer in the file is a line-numbered error and
nothing is imported."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Catat, run_tests  # noqa: E402
from web_client import Web  # noqa: E402

TUTI, WATI, BOSS = "+6281300000001", "+6281300000002", "+6281300000009"
_ids = iter(range(1, 10000))
C = None


def write(name, text):
    path = os.path.join(C.dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def say(phone, text):
    s, body = C.console(phone, text, "bt%d" % next(_ids))
    assert s == 200, (s, body)
    return body["replies"][0] if body.get("replies") else ""


def setup():
    global C
    C = Catat(env={"CATAT_SERVER_REPLIES_PER_HOUR": "1000"})
    C.run("import", "members", write("members.csv", "phone,name,group,role,code\n"
                                                    "081300000001,Tuti,,trainer,L0001\n"
                                                    "081300000002,Wati,,trainer,L0002\n"
                                                    "081300000009,Boss,,admin,X0001\n"))
    C.start()


def test_unknown_trainer_refused_with_its_line():
    p = C.run("import", "batches", write("bad.csv",
                                         "batch,session,starts_at,title,material,trainer\n"
                                         "GT09,1,,Sesi 1,Materi,L0001\n"
                                         "GT09,2,,Sesi 2,Materi,L0999\n"), check=False)
    assert p.returncode != 0
    assert "bad.csv:3:" in p.stderr and "L0999" in p.stderr, p.stderr
    assert C.sql("SELECT count(*) FROM batches WHERE code = 'GT09'") == [(0,)]


def test_import_names_the_trainer_by_code_or_phone():
    C.run("import", "batches", write("batches.csv",
                                     "batch,session,starts_at,title,material,trainer\n"
                                     "GT07,1,,Sesi 1,Materi satu,L0001\n"
                                     "GT07,2,,Sesi 2,Materi dua,\n"
                                     "GT08,1,,Sesi 1,Materi satu,\n"
                                     "GT10,1,,Sesi 1,Materi satu,081300000002\n"))
    rows = dict(C.sql("SELECT b.code, p.code FROM batches b LEFT JOIN people p"
                      " ON p.id = b.trainer_id"))
    assert rows == {"GT07": "L0001", "GT08": None, "GT10": "L0002"}, rows


def test_sessions_of_her_batch_only():
    # Wati may not open Tuti's batch: answered as if it did not exist, nothing opened
    reply = say(WATI, "SESI GT07 1")
    assert "GT07" in reply and "dibuka" not in reply, reply
    assert C.sql("SELECT count(*) FROM sessions s JOIN batches b ON b.id = s.batch_id"
                 " WHERE b.code = 'GT07' AND s.opened_at IS NOT NULL") == [(0,)]
    # Tuti may, and a batch without a trainer is every trainer's
    assert C.sql("SELECT count(*) FROM sessions WHERE opened_at IS NOT NULL") == [(0,)]
    say(TUTI, "SESI GT07 1")
    say(WATI, "SESI GT08 1")
    opened = C.sql("SELECT b.code FROM sessions s JOIN batches b ON b.id = s.batch_id"
                   " WHERE s.opened_at IS NOT NULL ORDER BY b.code")
    assert opened == [("GT07",), ("GT08",)], opened
    # and only she may undo her batch's opening
    say(WATI, "BATAL SESI GT07")
    assert C.sql("SELECT count(*) FROM sessions s JOIN batches b ON b.id = s.batch_id"
                 " WHERE b.code = 'GT07' AND s.opened_at IS NOT NULL") == [(1,)]


def test_web_pages_of_her_batches_only():
    tuti, wati, boss = Web(C), Web(C), Web(C)
    tuti.sign_in(TUTI)
    wati.sign_in(WATI)
    boss.sign_in(BOSS)
    status = {}
    for name, w in (("tuti", tuti), ("wati", wati), ("boss", boss)):
        for batch in ("GT07", "GT08", "GT10"):
            s, _, _ = w.get("/app/training/" + batch)
            status[(name, batch)] = s
    assert status == {("tuti", "GT07"): 200, ("tuti", "GT08"): 200, ("tuti", "GT10"): 404,
                      ("wati", "GT07"): 404, ("wati", "GT08"): 200, ("wati", "GT10"): 200,
                      ("boss", "GT07"): 200, ("boss", "GT08"): 200, ("boss", "GT10"): 200}, status
    # the overview lists the batches she may open, and no other
    _, _, page = wati.get("/app/")
    assert b"/app/training/GT08" in page and b"/app/training/GT10" in page
    assert b"/app/training/GT07" not in page


def main():
    setup()
    try:
        run_tests([test_unknown_trainer_refused_with_its_line,
                   test_import_names_the_trainer_by_code_or_phone, test_sessions_of_her_batch_only,
                   test_web_pages_of_her_batches_only])
    finally:
        C.stop()


if __name__ == "__main__":
    main()
