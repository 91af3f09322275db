"""Twilio channel (SMS and WhatsApp) through the real catat serve.

Webhooks are signed as Twilio signs them: HMAC-SHA1(auth token, public_url + path + every POST
parameter name and value in sorted order), base64. Replies go to a fake REST API that records
them and answers like Twilio (201 and a JSON message with its sid).
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "6789"
PUBLIC = "https://catat.example.org"
FROM = "+15017122661"

# providers.md 2a: a real inbound body (courier's receiveValid), signed with token 6789 over
# https://example.com/twilio/sms it gives 8HevM6eoGCwJL75z2t59ndOIS3E= (the self-computed vector).
COURIER_BODY = ("ToCountry=US&ToState=District+Of+Columbia&SmsMessageSid=SMe287d7109a5a925f182f0e0"
                "7fe5b223b&NumMedia=0&ToCity=&FromZip=01022&SmsSid=SMe287d7109a5a925f182f0e07fe5b22"
                "3b&FromState=MA&SmsStatus=received&FromCity=CHICOPEE&Body=Msg&FromCountry=US&To=%2"
                "B12028831111&ToZip=&NumSegments=1&MessageSid=SMe287d7109a5a925f182f0e07fe5b223b&Ac"
                "countSid=acctid&From=%2B14133881111&ApiVersion=2010-04-01")


def signature(url, body, token=TOKEN):
    params = sorted(set(urllib.parse.parse_qsl(body, keep_blank_values=True)))
    text = url + "".join(k + v for k, v in params)
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def test_signature_helper_matches_the_published_vector():
    # So that a bug in this file's signer cannot make the server tests vacuous.
    assert signature("https://example.com/twilio/sms", COURIER_BODY) == \
        "8HevM6eoGCwJL75z2t59ndOIS3E="
    assert signature("https://mycompany.com/myapp.php?foo=1&bar=2",
                     "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234"
                     "&From=%2B14158675309&To=%2B18005551212", "12345") == \
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="


class TwilioFake(FakeProvider):
    def __init__(self):
        self.counter = itertools.count(1)
        super().__init__(201, self.answer)

    def answer(self, rec):
        rec.sid = "SM%032d" % next(self.counter)
        form = rec.form()
        return json.dumps({"sid": rec.sid, "status": "queued", "to": form.get("To"),
                           "from": form.get("From"), "body": form.get("Body"),
                           "error_code": None, "error_message": None}).encode()


def start(fake, frm=FROM, public=PUBLIC):
    return Catat(ini="[server]\nreplies_per_hour = 0\npublic_url = %s\n[outbox]\nretry_base_ms = 50\n"
                     "[twilio]\nenabled = true\napi_base = %s/\naccount_sid = %s\nauth_token = %s\n"
                     "from = %s\n" % (public, fake.url, SID, TOKEN, frm)).start()


def post(c, path, body, sig="auto", url=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if sig == "auto":
        sig = signature((url or PUBLIC + path), body)
    if sig is not None:
        headers["X-Twilio-Signature"] = sig
    status, hdrs, answer = c.request("POST", path, body, headers)
    return status, hdrs, answer


def form(**fields):
    return urllib.parse.urlencode(fields)


def inbound(sid, frm, body, **extra):
    f = {"ToCountry": "ID", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid,
         "SmsStatus": "received", "Body": body, "To": "+6281100000000", "NumSegments": "1",
         "MessageSid": sid, "AccountSid": SID, "From": frm, "ApiVersion": "2010-04-01"}
    f.update(extra)
    return form(**f)


def counts(c):
    return (c.sql("SELECT count(*) FROM messages")[0][0], c.sql("SELECT count(*) FROM outbox")[0][0])


def test_inbound_cases_table():
    fake = TwilioFake()
    c = start(fake)
    W = "/webhook/twilio"
    valid = inbound("SM" + "a" * 32, "+6281200000001", "JUAL 45rb abon")
    media = inbound("SM" + "b" * 32, "+6281200000002", "", NumMedia="1",
                    MediaContentType0="image/jpeg",
                    MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME")
    wa = inbound("SM" + "c" * 32, "whatsapp:+6281200000003", "SALDO", To="whatsapp:+14155238886",
                 ProfileName="Ibu Sari", WaId="6281200000003")
    local = inbound("SM" + "d" * 32, "081200000004", "BANTUAN")
    extra_param = inbound("SM" + "e" * 32, "+6281200000005", "SALDO", AddOns='{"status":"ok"}',
                          NewParam="twilio adds these without notice")
    tampered = valid.replace("45rb", "99rb").replace("a" * 32, "f" * 32)
    cases = [
        # name, path, body, signature, expected status, messages added, replies added
        ("courier's real body", W, COURIER_BODY, "auto", 200, 1, 1),
        ("valid text", W, valid, "auto", 200, 1, 1),
        ("retry of the same MessageSid", W, valid, "auto", 200, 0, 0),
        ("media without body", W, media, "auto", 200, 1, 1),
        ("WhatsApp via Twilio", W, wa, "auto", 200, 1, 1),
        ("local number", W, local, "auto", 200, 1, 1),
        ("unknown extra parameters are signed too", W, extra_param, "auto", 200, 1, 1),
        ("signed with the default port", W, inbound("SM" + "1" * 32, "+6281200000006", "SALDO"),
         signature(PUBLIC + ":443" + W, inbound("SM" + "1" * 32, "+6281200000006", "SALDO")),
         200, 1, 1),
        ("params changed after signing", W, tampered, signature(PUBLIC + W, valid), 401, 0, 0),
        ("signed for another path", W, tampered, signature(PUBLIC + W + "/status", tampered),
         401, 0, 0),
        ("signed for the server's own address", W, tampered,
         signature(c.url + W, tampered), 401, 0, 0),
        ("signed with another token", W, tampered,
         base64.b64encode(hmac.new(b"nope", (PUBLIC + W).encode(), hashlib.sha1).digest()).decode(),
         401, 0, 0),
        ("missing signature", W, tampered, None, 401, 0, 0),
        ("empty signature", W, tampered, "", 401, 0, 0),
        # An event catat cannot use is skipped and logged, answered 200 so Twilio does not
        # retry it (product.md s. 3): nothing stored, nothing sent.
        ("no From", W, form(MessageSid="SM" + "2" * 32, Body="SALDO"), "auto", 200, 0, 0),
        ("no MessageSid", W, form(From="+6281200000007", Body="SALDO"), "auto", 200, 0, 0),
        ("From not a phone", W, inbound("SM" + "3" * 32, "alice", "SALDO"), "auto", 200, 0, 0),
        ("NumMedia not a number", W, inbound("SM" + "4" * 32, "+6281200000008", "x",
                                             NumMedia="many"), "auto", 200, 0, 0),
        ("malformed form escape", W, "MessageSid=SM1&From=%2B62812&Body=%zz", None, 400, 0, 0),
        ("invalid UTF-8", W, "MessageSid=SM5&From=%2B6281200000009&Body=%FF%FE", None, 400, 0, 0),
        ("unknown sub-path", W + "/other", valid, "auto", 404, 0, 0),
    ]
    try:
        for name, path, body, sig, want, add_m, add_r in cases:
            before = counts(c)
            status, headers, answer = post(c, path, body, sig)
            assert status == want, (name, status, answer)
            if status == 200:
                assert headers["Content-Type"].startswith("text/xml"), (name, headers)
                assert answer.startswith(b"<?xml") and b"<Response" in answer, (name, answer)
                assert b"<Message" not in answer, answer  # replies go through the REST API
            else:
                assert "error" in json.loads(answer), (name, answer)
            assert counts(c) == (before[0] + add_m, before[1] + add_r), (name, before, counts(c))
        assert c.request("GET", W + "?" + valid)[0] == 405
        rows = dict(c.sql("SELECT provider_id, phone || '|' || text || '|' || media FROM messages"))
        assert rows["SM" + "a" * 32] == "+6281200000001|JUAL 45rb abon|", rows
        assert rows["SM" + "b" * 32] == "+6281200000002||image", rows
        assert rows["SM" + "c" * 32] == "+6281200000003|SALDO|", rows
        assert rows["SM" + "d" * 32] == "+6281200000004|BANTUAN|", rows
        assert rows["SMe287d7109a5a925f182f0e07fe5b223b"] == "+14133881111|Msg|", rows
        # Every reply sent once through the REST API with basic auth and a StatusCallback.
        n = counts(c)[1]
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == n,
                   10, "replies sent")
        sent = fake.received()
        assert len(sent) == n, (len(sent), n)
        auth = "Basic " + base64.b64encode(("%s:%s" % (SID, TOKEN)).encode()).decode()
        for r in sent:
            assert r.method == "POST", r.method
            assert r.path == "/2010-04-01/Accounts/%s/Messages.json" % SID, r.path
            assert r.headers["Authorization"] == auth, r.headers
            assert r.headers["Content-Type"] == "application/x-www-form-urlencoded"
            f = r.form()
            # A reply goes out from the number she wrote to, on its channel (product.md s. 3).
            (wrote_to,), = c.sql("SELECT m.to_addr FROM outbox o JOIN messages m"
                                 " ON m.id = o.message_id WHERE o.provider_id = ?", r.sid)
            assert f["From"] == wrote_to and f["Body"], (f, wrote_to)
            assert f["To"].startswith("whatsapp:") == wrote_to.startswith("whatsapp:"), f
            assert f["StatusCallback"] == PUBLIC + "/webhook/twilio/status", f
        assert {r.form()["From"] for r in sent} == {"+12028831111", "+6281100000000",
                                                   "whatsapp:+14155238886"}
        assert sorted(r.form()["To"].replace("whatsapp:", "") for r in sent) == \
            sorted(p for (p,) in c.sql("SELECT phone FROM outbox")), [r.form()["To"] for r in sent]
        assert {p for (p,) in c.sql("SELECT provider_id FROM outbox")} == {r.sid for r in sent}
    finally:
        c.stop()
        fake.close()


def test_status_callbacks_update_the_right_row():
    fake = TwilioFake()
    c = start(fake)
    S = "/webhook/twilio/status"
    try:
        for i in range(4):
            assert post(c, "/webhook/twilio",
                        inbound("SM%032d" % (900 + i), "+62813000000%02d" % i, "SALDO"))[0] == 200
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == 4,
                   10, "replies sent")
        sid = dict(c.sql("SELECT phone, provider_id FROM outbox"))
        a, b, d, e = (sid["+628130000000%d" % i] for i in range(4))

        def cb(s, status, **extra):
            f = {"SmsSid": s, "SmsStatus": status, "MessageStatus": status, "To": "+6281300000000",
                 "MessageSid": s, "AccountSid": SID, "From": FROM, "ApiVersion": "2010-04-01"}
            f.update(extra)
            return form(**f)

        for body in [cb(a, "sent"), cb(a, "delivered"), cb(b, "sending"), cb(d, "failed",
                     ErrorCode="21610"), cb(e, "undelivered", ErrorCode="30003"),
                     cb("SM" + "9" * 32, "delivered")]:
            status, headers, answer = post(c, S, body)
            assert status == 200, (status, answer, body)
        got = {p: (s, err) for p, s, err in c.sql("SELECT phone, status, error FROM outbox")}
        assert got["+6281300000000"] == ("delivered", None), got
        assert got["+6281300000001"] == ("sent", None), got
        assert got["+6281300000002"] == ("failed", "21610: failed"), got
        assert got["+6281300000003"] == ("failed", "30003: undelivered"), got
        # Forged or broken status callbacks change nothing.
        forged = cb(b, "failed", ErrorCode="1")
        assert post(c, S, forged, None)[0] == 401
        assert post(c, S, forged, signature(PUBLIC + "/webhook/twilio", forged))[0] == 401
        # a callback without MessageStatus is skipped, answered 200 so Twilio does not retry it
        assert post(c, S, form(MessageSid=b), "auto")[0] == 200
        assert c.sql("SELECT status FROM outbox WHERE provider_id = ?", b) == [("sent",)]
        assert c.sql("SELECT count(*) FROM messages")[0][0] == 4
    finally:
        c.stop()
        fake.close()


def test_whatsapp_sender_and_provider_errors():
    """A whatsapp: sender writes to whatsapp: addresses; a 400 from Twilio fails the row at once
    with Twilio's error recorded; a 201 without sid is accepted but leaves no provider id."""
    fake = TwilioFake()
    c = start(fake, frm="whatsapp:+14155238886", public=PUBLIC + "/")
    try:
        fake.answer_next(400, json.dumps({"code": 21211, "message": "The 'To' number is not a "
                                          "valid phone number.", "status": 400}).encode())
        assert post(c, "/webhook/twilio", inbound("SM" + "7" * 32, "whatsapp:+6281400000001",
                                                  "SALDO", To="whatsapp:+14155238886"))[0] == 200
        c.wait_for(lambda: c.sql("SELECT status FROM outbox") == [("failed",)], 10, "failed")
        (err, attempts), = c.sql("SELECT error, attempts FROM outbox")
        assert "HTTP 400" in err and "21211" in err and attempts == 1, (err, attempts)
        f = fake.received()[0].form()
        assert f["To"] == "whatsapp:+6281400000001" and f["From"] == "whatsapp:+14155238886", f
        assert f["StatusCallback"] == PUBLIC + "/webhook/twilio/status", f
        assert len(fake.received()) == 1
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_signature_helper_matches_the_published_vector, test_inbound_cases_table,
               test_status_callbacks_update_the_right_row, test_whatsapp_sender_and_provider_errors])
