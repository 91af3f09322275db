"""SMS Gateway for Android through the real catat serve, against a fake phone on loopback.

Webhooks are signed as the app signs them (PayloadSingingPlugin.kt): X-Timestamp = Unix seconds,
X-Signature = hex HMAC-SHA256(signing key, body + timestamp). Replies go to the fake phone's
local server (POST /message, basic auth, {"textMessage":{"text":...},"phoneNumbers":[...],
"id":...}), which answers 202 with the message state as the app does; its sms:sent /
sms:delivered / sms:failed webhooks then update the outbox row named by the id catat gave.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

KEY = "s1gn1ngK"
USER, PASSWORD = "sms", "pw:with colon"

# providers.md 4: the self-computed vector.
VECTOR_BODY = ('{"id":"Ey6ECgOkVVFjz3CL48B8C","webhookId":"LreFUt-Z3sSq0JufY9uWB","event":"sms:'
               'received","deviceId":"ffffffffceb0b1db0000018e937c815b","payload":{"messageId":'
               '"abc123","message":"Hello","sender":"+6281234567890","recipient":"+6289876543210",'
               '"simNumber":1,"phoneNumber":"+6281234567890","receivedAt":"2024-06-07T11:41:31.00'
               '0+07:00"}}')


def signature(body, ts, key=KEY):
    return hmac.new(key.encode(), (body + ts).encode(), hashlib.sha256).hexdigest()


def test_signature_helper_matches_the_reference_vector():
    assert signature(VECTOR_BODY, "1717735291", "secret12") == \
        "adad6f6275754e9620d00c19bea980fca579b823c22795814be5eb136cbd388b"


class PhoneFake(FakeProvider):
    """The app's local server: 202 with the message state, echoing the id it was given."""

    def __init__(self):
        super().__init__(202, self.answer)

    def answer(self, rec):
        body = json.loads(rec.body)
        return json.dumps({"id": body.get("id"), "deviceId": "ffffffffceb0b1db",
                           "state": "Pending",
                           "recipients": [{"phoneNumber": p, "state": "Pending"}
                                          for p in body.get("phoneNumbers", [])]}).encode()


def start(fake, extra=""):
    return Catat(ini="[server]\nreplies_per_hour = 0\n[outbox]\nretry_base_ms = 50\n"
                     "[android]\nenabled = true\napi_base = %s/\nusername = %s\npassword = %s\n"
                     "signing_key = %s\n%s" % (fake.url, USER, PASSWORD, KEY, extra)).start()


def event(name, payload, event_id):
    return json.dumps({"id": event_id, "webhookId": "LreFUt-Z3sSq0JufY9uWB", "event": name,
                       "deviceId": "ffffffffceb0b1db0000018e937c815b", "payload": payload})


def post(c, body, ts=None, sig="auto"):
    ts = ts if ts is not None else str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "me.capcom.smsgateway/1.40.0"}
    if sig == "auto":
        sig = signature(body, ts)
    if sig is not None:
        headers["X-Signature"] = sig
        headers["X-Timestamp"] = ts
    status, _, answer = c.request("POST", "/webhook/android", body, headers)
    return status, answer


def received(sender, text, event_id, at="2026-12-03T10:00:00.000+07:00"):
    return event("sms:received", {"messageId": "m" + event_id, "message": text, "sender": sender,
                                  "recipient": "+6289876543210", "simNumber": 1,
                                  "phoneNumber": sender, "receivedAt": at}, event_id)


def counts(c):
    return (c.sql("SELECT count(*) FROM messages")[0][0], c.sql("SELECT count(*) FROM outbox")[0][0])


def test_both_ways():
    fake = PhoneFake()
    c = start(fake)
    try:
        # In: a signed sms:received is stored and answered through the phone.
        status, answer = post(c, received("+6281200000001", "BANTUAN", "ev-1"))
        assert status == 200, (status, answer)
        assert c.sql("SELECT channel, phone, text, provider_id, to_addr FROM messages") == \
            [("android", "+6281200000001", "BANTUAN", "ev-1", "+6289876543210")]
        c.wait_for(lambda: c.sql("SELECT status FROM outbox") == [("sent",)], 10, "reply sent")
        (oid, reply, pid), = c.sql("SELECT id, text, provider_id FROM outbox")
        assert pid == "catat-%d" % oid, pid
        sent = fake.received()
        assert len(sent) == 1
        r = sent[0]
        assert r.method == "POST" and r.path == "/message", (r.method, r.path)
        auth = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        assert r.headers["Authorization"] == auth, r.headers
        assert r.headers["Content-Type"] == "application/json"
        assert json.loads(r.body) == {"textMessage": {"text": reply},
                                      "phoneNumbers": ["+6281200000001"], "id": pid,
                                      "withDeliveryReport": True}, r.body
        # The phone's retry of the same event (signed anew, a moment later): acknowledged, not
        # stored or answered again.
        assert post(c, received("+6281200000001", "BANTUAN", "ev-1"),
                    str(int(time.time()) + 2))[0] == 200
        assert counts(c) == (1, 1)
        # Its state webhooks move the row forward, never back.
        for name, extra, want in [
                ("sms:sent", {"sentAt": "2026-12-03T10:00:05.000+07:00", "partsCount": 1}, "sent"),
                ("sms:delivered", {"deliveredAt": "2026-12-03T10:00:09.000+07:00"}, "delivered"),
                ("sms:sent", {"sentAt": "2026-12-03T10:00:05.000+07:00"}, "delivered")]:
            payload = dict({"messageId": pid, "phoneNumber": "+6281200000001"}, **extra)
            assert post(c, event(name, payload, "st-" + name + want))[0] == 200
            assert c.sql("SELECT status FROM outbox") == [(want,)], (name, want)
        # A second message, failed on the phone: the reason is recorded.
        assert post(c, received("+6281200000002", "SALDO", "ev-2"))[0] == 200
        c.wait_for(lambda: len(fake.received()) == 2, 10, "second reply")
        c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE phone = '+6281200000002'") ==
                   [("sent",)], 10, "second reply recorded")
        (oid2, pid2), = c.sql("SELECT id, provider_id FROM outbox WHERE phone = '+6281200000002'")
        assert post(c, event("sms:failed", {"messageId": pid2, "failedAt":
                                            "2026-12-03T10:01:00.000+07:00",
                                            "reason": "RESULT_ERROR_NO_SERVICE"}, "st-f"))[0] == 200
        got = c.sql("SELECT status, error FROM outbox WHERE id = ?", oid2)
        assert got == \
            [("failed", "RESULT_ERROR_NO_SERVICE")], got
    finally:
        c.stop()
        fake.close()


def test_signatures_freshness_and_replays():
    fake = PhoneFake()
    c = start(fake)
    try:
        now = int(time.time())
        body = received("+6281200000010", "SALDO", "ev-10")
        cases = [
            # name, body, timestamp, signature, expected status
            ("no signature", body, str(now), None, 401),
            ("signed with another key", body, str(now), signature(body, str(now), "other"), 401),
            ("timestamp changed after signing", body, str(now + 1), signature(body, str(now)),
             401),
            ("stale: 10 minutes old", body, str(now - 600), signature(body, str(now - 600)), 401),
            ("from the future", body, str(now + 600), signature(body, str(now + 600)), 401),
            ("body changed after signing", body.replace("SALDO", "BAYAR 1jt"), str(now),
             signature(body, str(now)), 401),
            ("valid", body, str(now), signature(body, str(now)), 200),
            ("the same request replayed", body, str(now), signature(body, str(now)), 401),
            ("malformed JSON, signed", '{"event":', str(now), signature('{"event":', str(now)),
             400),
        ]
        for name, b, ts, sig, want in cases:
            status, answer = post(c, b, ts, sig)
            assert status == want, (name, status, answer)
            if status != 200:
                assert "error" in json.loads(answer), (name, answer)
        assert c.sql("SELECT provider_id, text FROM messages") == [("ev-10", "SALDO")]
        log = c.read_log()
        assert "stale" in log and "replay" in log, log[-2000:]
        # An event catat cannot use (an MMS, a received SMS without sender): logged, skipped, 200.
        for b in [event("mms:received", {"sender": "+6281200000011"}, "ev-11"),
                  event("sms:received", {"message": "x"}, "ev-12")]:
            assert post(c, b)[0] == 200
        assert counts(c)[0] == 1
        assert "webhook event skipped" in c.read_log()
        assert "+6281200000011" not in c.read_log()  # numbers are masked in logs
    finally:
        c.stop()
        fake.close()


def test_duplicate_id_cloud_mode_and_daily_limit():
    """409 (the phone has that id: sent before a crash) counts as sent; cloud mode posts to
    /3rdparty/v1/message; daily_limit holds what is over the cap for the next day."""
    fake = PhoneFake()
    c = start(fake, "mode = cloud\ndaily_limit = 2\n")
    try:
        fake.answer_next(409, b'{"message":"message with this id already exists"}')
        for i in range(3):
            assert post(c, received("+62812000001%02d" % i, "SALDO", "ev-c%d" % i))[0] == 200
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == 2,
                   10, "two sent")
        time.sleep(1.5)  # the outbox polls every second: the third must still be held
        rows = c.sql("SELECT status FROM outbox ORDER BY id")
        assert sorted(rows) == [("queued",), ("sent",), ("sent",)], rows
        sent = fake.received()
        assert len(sent) == 2 and all(r.path == "/3rdparty/v1/message" for r in sent), \
            [r.path for r in sent]
        assert sent[0].answer == 409
        # the row answered 409 keeps the id catat gave, so its state webhooks still find it
        (oid, pid), = c.sql("SELECT id, provider_id FROM outbox WHERE id = (SELECT min(id) FROM"
                            " outbox)")
        assert pid == "catat-%d" % oid, pid
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_signature_helper_matches_the_reference_vector, test_both_ways,
               test_signatures_freshness_and_replays, test_duplicate_id_cloud_mode_and_daily_limit])
