"""Kannel SMS channel through the real catat serve, against a fake sendsms CGI.

MO requests are shaped as Kannel 1.4.5 sends them for the get-url recommended in kannel.c
(from=%p&to=%P&text=%b&id=%I&smsc=%i&ts=%T&charset=%C&secret=...); replies go out as sendsms GET
requests whose dlr-url is then called back exactly as Kannel would call it.
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

SECRET = "s3cret-Kannel_1"


def start(fake, extra=""):
    return Catat(ini="[server]\nreplies_per_hour = 0\npublic_url = http://gw.example:8080/\n"
                     "[outbox]\nretry_base_ms = 50\n"
                     "[kannel]\nenabled = true\nsendsms_url = %s/cgi-bin/sendsms\nusername = catat\n"
                     "password = p@ss w&rd\nsecret = %s\n%s" % (fake.url, SECRET, extra)).start()


def sendsms_fake():
    return FakeProvider(202, b"0: Accepted for delivery", "text/html")


def mo(**over):
    q = {"from": "6281234567", "to": "1234", "text": "JUAL 45rb abon",
         "id": "5f6b6478-949b-4a71-93c0-b238f687b257", "smsc": "FAKE", "ts": "1795343977",
         "charset": "UTF-8", "secret": SECRET}
    q.update(over)
    return urllib.parse.urlencode({k: v for k, v in q.items() if v is not None})


def counts(c):
    return (c.sql("SELECT count(*) FROM messages")[0][0], c.sql("SELECT count(*) FROM outbox")[0][0])


def test_mo_cases_table():
    fake = sendsms_fake()
    c = start(fake)
    K = "/webhook/kannel"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        # name, method, path, body, expected status, messages added, replies added
        ("GET as Kannel sends it", "GET", K + "?" + mo(), None, 200, 1, 1),
        ("Kannel retry, same %I", "GET", K + "?" + mo(), None, 200, 0, 0),
        ("same %I, other text", "GET", K + "?" + mo(text="BELI 1jt"), None, 200, 0, 0),
        ("commands on two lines (%b)", "GET", K + "?" + mo(id="id-2", **{"from": "6281200000002"},
                                                          text="JUAL 45rb abon\nBELI 20rb gula"),
         None, 200, 1, 1),
        ("UTF-8 after mo-recode", "GET", K + "?" + mo(id="id-3", text="JUAL 45rb kue 🍰",
                                                     **{"from": "+6281200000003"}), None, 200, 1, 1),
        ("without ts, smsc, charset, to", "GET",
         K + "?" + mo(id="id-4", ts=None, smsc=None, charset=None, to=None,
                      **{"from": "081200000004"}), None, 200, 1, 1),
        ("POST form, secret in the query", "POST", K + "?secret=" + SECRET,
         mo(id="id-5", secret=None, **{"from": "6281200000005"}), 200, 1, 1),
        ("POST form, secret in the body", "POST", K, mo(id="id-6", **{"from": "6281200000006"}),
         200, 1, 1),
        ("wrong secret", "GET", K + "?" + mo(id="x-1", secret="guess"), None, 401, 0, 0),
        ("secret prefix only", "GET", K + "?" + mo(id="x-2", secret=SECRET[:-1]), None, 401, 0, 0),
        ("missing secret", "GET", K + "?" + mo(id="x-3", secret=None), None, 401, 0, 0),
        ("POST, wrong secret in the body", "POST", K, mo(id="x-4", secret="no"), 401, 0, 0),
        ("missing id", "GET", K + "?" + mo(id=None), None, 400, 0, 0),
        ("empty id", "GET", K + "?" + mo(id=""), None, 400, 0, 0),
        ("missing from", "GET", K + "?" + mo(id="x-5", **{"from": None}), None, 400, 0, 0),
        ("missing text", "GET", K + "?" + mo(id="x-6", text=None), None, 400, 0, 0),
        ("UTF-16 without mo-recode", "GET", K + "?" + mo(id="x-7", charset="UTF-16BE"), None,
         400, 0, 0),
        ("ts not Unix seconds", "GET", K + "?" + mo(id="x-8", ts="2026-11-22 10:39:37"), None,
         400, 0, 0),
        # skipped and logged, answered 200 so Kannel does not retry (product.md s. 3)
        ("from not a phone", "GET", K + "?" + mo(id="x-9", **{"from": "VODAFONE"}), None,
         200, 0, 0),
        ("invalid UTF-8 in a form body", "POST", K, "from=6281234567&id=x-10&text=%FF&secret="
         + SECRET, 400, 0, 0),
        ("malformed form body", "POST", K, "from=6281234567&id=x-11&text=%G1&secret=" + SECRET,
         400, 0, 0),
        ("unknown sub-path", "GET", K + "/mo?" + mo(id="x-12"), None, 404, 0, 0),
        ("DLR by POST", "POST", K + "/dlr?id=1&status=1&secret=" + SECRET, "", 405, 0, 0),
        ("PUT", "PUT", K + "?" + mo(id="x-13"), "", 405, 0, 0),
    ]
    try:
        for name, method, path, body, want, add_m, add_r in cases:
            before = counts(c)
            status, headers, answer = c.request(method, path, body,
                                                form if method == "POST" else None)
            assert status == want, (name, status, answer)
            if status == 200:
                # Empty text/plain: with omit-empty Kannel sends nothing back itself.
                assert answer == b"" and headers["Content-Type"].startswith("text/plain"), \
                    (name, headers, answer)
            else:
                assert "error" in json.loads(answer), (name, answer)
            assert counts(c) == (before[0] + add_m, before[1] + add_r), (name, before, counts(c))
        rows = dict(c.sql("SELECT provider_id, phone || '|' || text || '|' || coalesce(provider_at, 0)"
                          " FROM messages"))
        assert rows["5f6b6478-949b-4a71-93c0-b238f687b257"] == \
            "+6281234567|JUAL 45rb abon|1795343977", rows
        assert rows["id-2"] == "+6281200000002|JUAL 45rb abon\nBELI 20rb gula|1795343977", rows
        assert rows["id-3"] == "+6281200000003|JUAL 45rb kue 🍰|1795343977", rows
        assert rows["id-4"] == "+6281200000004|JUAL 45rb abon|0", rows
        assert rows["id-5"] == "+6281200000005|JUAL 45rb abon|1795343977", rows
        n = counts(c)[1]
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == n,
                   10, "replies sent")
        assert len(fake.received()) == n
    finally:
        c.stop()
        fake.close()


def test_sendsms_requests_and_delivery_reports():
    fake = sendsms_fake()
    c = start(fake, "from = CATAT\nsmsc = telkomsel\n")
    try:
        assert c.request("GET", "/webhook/kannel?" + mo())[0] == 200
        now = int(time.time())
        c.sql("INSERT INTO outbox(channel, phone, text, kind, next_at, created_at)"
              " VALUES('kannel', '+6281299999999', 'Terima kasih 🙏 Ibu', 'reminder', ?, ?)",
              now, now)
        c.wait_for(lambda: len(fake.received()) == 2, 15, "two sendsms requests")
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == 2,
                   10, "both sent")
        ids = dict(c.sql("SELECT phone, id FROM outbox"))
        by_to = {r.query["to"]: r for r in fake.received()}
        assert set(by_to) == {"+6281234567", "+6281299999999"}, by_to
        for to, r in by_to.items():
            q = r.query
            assert r.method == "GET" and r.path == "/cgi-bin/sendsms", (r.method, r.path)
            assert q["username"] == "catat" and q["password"] == "p@ss w&rd", q
            assert q["from"] == "CATAT" and q["smsc"] == "telkomsel", q
            assert q["dlr-mask"] == "31", q
            dlr = urllib.parse.urlsplit(q["dlr-url"])
            assert (dlr.scheme, dlr.netloc, dlr.path) == ("http", "gw.example:8080",
                                                          "/webhook/kannel/dlr"), q["dlr-url"]
            dq = urllib.parse.parse_qs(dlr.query)
            assert dq == {"id": [str(ids[to])], "status": ["%d"], "secret": [SECRET]}, dq
        uni = by_to["+6281299999999"].query
        assert uni["text"] == "Terima kasih 🙏 Ibu", uni
        assert uni["coding"] == "2" and uni["charset"] == "UTF-8", uni
        gsm = [r.query for t, r in by_to.items() if t != "+6281299999999"][0]
        assert "coding" not in gsm and gsm["text"], gsm
        # The provider id of a Kannel message is its outbox id (sendsms answers with none).
        for oid, pid in c.sql("SELECT id, provider_id FROM outbox"):
            assert pid == str(oid), (oid, pid)

        def dlr_call(to, status, secret=SECRET):
            url = by_to[to].query["dlr-url"].replace("%d", str(status))
            if secret != SECRET:
                url = url.replace("secret=" + SECRET, "secret=" + secret)
            path = url[len("http://gw.example:8080"):]
            return c.request("GET", path)[0]

        other = [t for t in by_to if t != "+6281299999999"][0]

        def state():
            return {p: (s, e) for p, s, e in c.sql("SELECT phone, status, error FROM outbox")}

        before_msgs = counts(c)[0]
        assert dlr_call(other, 8) == 200 and state()[other] == ("sent", None)
        assert dlr_call(other, 4) == 200 and state()[other] == ("sent", None)
        assert dlr_call(other, 1) == 200 and state()[other] == ("delivered", None)
        assert dlr_call(other, 8) == 200 and state()[other] == ("delivered", None)  # late ack
        assert state()["+6281299999999"] == ("sent", None)  # the other row untouched
        assert dlr_call("+6281299999999", 16) == 200
        assert state()["+6281299999999"] == ("failed", "16: rejected by the SMSC"), state()
        # Forged and broken delivery reports change nothing.
        assert dlr_call(other, 2, secret="guess") == 401
        assert c.request("GET", "/webhook/kannel/dlr?id=%d&status=2" % ids[other])[0] == 401
        assert c.request("GET", "/webhook/kannel/dlr?id=abc&status=2&secret=" + SECRET)[0] == 400
        assert c.request("GET", "/webhook/kannel/dlr?id=%d&status=&secret=%s"
                         % (ids[other], SECRET))[0] == 400
        assert state()[other] == ("delivered", None), state()
        # Unknown id: acknowledged (Kannel would retry for ever otherwise), nothing changes.
        assert c.request("GET", "/webhook/kannel/dlr?id=999999&status=2&secret=" + SECRET)[0] == 200
        assert dlr_call(other, 2) == 200
        assert state()[other] == ("failed", "2: not delivered to the phone"), state()
        assert counts(c)[0] == before_msgs
    finally:
        c.stop()
        fake.close()


def test_sendsms_refusals():
    """403 Authorization failed fails at once; 503 Temporal failure is retried; a 202 whose body
    is not an acceptance is recorded but not resent."""
    fake = sendsms_fake()
    c = start(fake, "[outbox]\nmax_attempts = 3\n")
    try:
        fake.answer_next(403, b"Authorization failed for sendsms", "text/html")
        assert c.request("GET", "/webhook/kannel?" + mo(id="r-1"))[0] == 200
        # r-1's reply is the first row, r-2's the second (ids are not counted on: PostgreSQL's
        # sequences may skip some)
        first = "(SELECT min(id) FROM outbox)"
        c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE id = " + first) == [("failed",)],
                   10, "403 failed")
        assert "Authorization failed" in c.sql("SELECT error FROM outbox WHERE id = " + first)[0][0]
        assert len(fake.received()) == 1
        fake.answer_next(503, b"Temporal failure, try again later.", "text/html")
        assert c.request("GET", "/webhook/kannel?" + mo(id="r-2", **{"from": "6281200000022"})
                         )[0] == 200
        c.wait_for(lambda: c.sql("SELECT status, attempts FROM outbox WHERE id > " + first)
                   == [("sent", 2)], 15, "503 then sent")
        assert len(fake.received()) == 3
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_mo_cases_table, test_sendsms_requests_and_delivery_reports,
               test_sendsms_refusals])
