"""WhatsApp Cloud API channel through the real catat serve.

Real-shaped Meta webhooks (signed with X-Hub-Signature-256 over the raw body) go in; replies
come out to a fake Graph API that records them. Each case states what must happen: HTTP status,
rows stored, replies queued and what reached the provider.
"""
import hashlib
import hmac
import itertools
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402

SECRET = "fb_app_secret"
PHONE_ID = "106540352242922"
TOKEN = "EAAtoken123"
VERIFY = "verify-me-42"
TEMPLATE = "catat_pengingat"

# providers.md 1c: the self-computed vector.
VECTOR_BODY = ('{"object":"whatsapp_business_account","entry":[{"id":"8856996819413533","changes":'
               '[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":'
               '"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":'
               '"Kerry Fisher"},"wa_id":"6281234567890"}],"messages":[{"from":"6281234567890","id":'
               '"wamid.TEST1","timestamp":"1749416383","type":"text","text":{"body":"Hello World"}}'
               ']},"field":"messages"}]}]}')
VECTOR_SIG = "sha256=a9a88329fa8e8c3fa2d474c55611e91ffb8f8ff4be77adef28d32a7290475e9d"


class GraphFake(FakeProvider):
    """A fake Graph API answering each send with a fresh wamid (messages[0].id)."""

    def __init__(self):
        self.counter = itertools.count(1)
        super().__init__(200, self.answer)

    def answer(self, rec):
        rec.wamid = "wamid.OUT%d" % next(self.counter)
        return json.dumps({"messaging_product": "whatsapp",
                           "contacts": [{"input": "x", "wa_id": "x"}],
                           "messages": [{"id": rec.wamid, "message_status": "accepted"}]}).encode()


def start(fake, extra=""):
    return Catat(ini="[server]\nreplies_per_hour = 0\n"
                  "[reminders]\nquiet_start = 00:00\nquiet_end = 00:00\n[outbox]\nretry_base_ms = 50\n"
                     "[whatsapp]\nenabled = true\napi_base = %s/v21.0/\nphone_number_id = %s\n"
                     "access_token = %s\napp_secret = %s\nverify_token = %s\ntemplate = %s\n"
                     "template_language = id\n%s"
                 % (fake.url, PHONE_ID, TOKEN, SECRET, VERIFY, TEMPLATE, extra)).start()


def sign(body):
    data = body.encode() if isinstance(body, str) else body
    return "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()


def post(c, body, signature="auto"):
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        signature = sign(body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    status, _, answer = c.request("POST", "/webhook/whatsapp", body, headers)
    return status, answer


def envelope(messages=None, statuses=None, contacts_of=None):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_ID}}
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Ibu"}, "wa_id": contacts_of or m["from"]}
                             for m in messages[:1]]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "8856996819413533", "changes": [{"value": value,
                                                              "field": "messages"}]}]}


def text_msg(frm, wamid, body):
    return {"from": frm, "id": wamid, "timestamp": "1749416383", "type": "text",
            "text": {"body": body}}


def counts(c):
    return (c.sql("SELECT count(*) FROM messages")[0][0], c.sql("SELECT count(*) FROM outbox")[0][0])


def wait_sent(c, n, deadline=10):
    c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] >= n,
               deadline, "%d replies sent" % n)


def test_hub_verification():
    fake = GraphFake()
    c = start(fake)
    try:
        q = "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=1158201444"
        status, headers, body = c.request("GET", q % VERIFY)
        assert (status, body) == (200, b"1158201444"), (status, body)
        assert headers["Content-Type"].startswith("text/plain"), headers
        # Opaque challenge echoed byte for byte.
        status, _, body = c.request("GET", (q % VERIFY).replace("1158201444", "abc-XYZ_9"))
        assert (status, body) == (200, b"abc-XYZ_9"), (status, body)
        # Wrong token, wrong mode, no token: 403 with a JSON error, never the challenge.
        for path in [q % "wrong", q.replace("subscribe", "unsubscribe") % VERIFY,
                     "/webhook/whatsapp?hub.mode=subscribe&hub.challenge=1158201444"]:
            status, _, body = c.request("GET", path)
            assert status == 403, (path, status, body)
            assert b"1158201444" not in body and json.loads(body)["error"] == "forbidden"
        status, _, body = c.request("GET", "/webhook/whatsapp?hub.mode=subscribe")
        assert status == 400, (status, body)
        assert counts(c) == (0, 0)
    finally:
        c.stop()
        fake.close()


def test_inbound_cases_table():
    """Each row: (name, body, signature, expected status, messages added, replies added)."""
    fake = GraphFake()
    c = start(fake)
    button = {"from": "6281200000002", "id": "wamid.BTN", "timestamp": "1749416390",
              "type": "interactive", "context": {"from": "15550783881", "id": "wamid.OUT0"},
              "interactive": {"type": "button_reply",
                              "button_reply": {"id": "saldo-btn", "title": "SALDO"}}}
    listr = {"from": "6281200000003", "id": "wamid.LIST", "timestamp": "1749416391",
             "type": "interactive",
             "interactive": {"type": "list_reply",
                             "list_reply": {"id": "bantuan", "title": "BANTUAN",
                                            "description": "cara pakai"}}}
    tpl_button = {"from": "6281200000004", "id": "wamid.TPLBTN", "timestamp": "1749416392",
                  "type": "button", "context": {"from": "15550783881", "id": "wamid.OUT0"},
                  "button": {"payload": "No-Button-Payload", "text": "STOP"}}
    image = {"from": "6281200000005", "id": "wamid.IMG", "timestamp": "1749416393",
             "type": "image", "image": {"caption": "JUAL 45rb abon", "mime_type": "image/jpeg",
                                        "sha256": "x", "id": "1234"}}
    audio = {"from": "6281200000006", "id": "wamid.AUD", "timestamp": "1749416394",
             "type": "audio", "audio": {"mime_type": "audio/ogg", "id": "5678"}}
    unsupported = {"from": "6281200000007", "id": "wamid.UNS", "timestamp": "1749416395",
                   "type": "unsupported",
                   "errors": [{"code": 131051, "title": "Unsupported message type"}]}
    reaction = {"from": "6281200000008", "id": "wamid.REA", "timestamp": "1749416396",
                "type": "reaction", "reaction": {"message_id": "wamid.OUT0", "emoji": "x"}}
    batch = {"object": "whatsapp_business_account", "entry": [
        {"id": "1", "changes": [
            {"field": "messages", "value": envelope(
                [text_msg("6281200000010", "wamid.B1", "SALDO"),
                 text_msg("6281200000011", "wamid.B2", "BANTUAN")])["entry"][0]["changes"][0]["value"]},
            {"field": "message_template_status_update", "value": {"event": "APPROVED"}}]},
        {"id": "2", "changes": [
            {"field": "messages", "value": envelope(
                [text_msg("6281200000012", "wamid.B3", "JUAL 45rb abon")])["entry"][0]["changes"][0]["value"]}]}]}
    half_bad = envelope([text_msg("6281200000020", "wamid.H1", "SALDO"),
                         {"from": "6281200000021", "type": "text", "text": {"body": "no id"}}])
    dumps = json.dumps
    vector_changed = VECTOR_BODY.replace("Hello World", "Hello Wörld")
    cases = [
        ("valid text (doc vector)", VECTOR_BODY, VECTOR_SIG, 200, 1, 1),
        ("same wamid again (Meta retry)", VECTOR_BODY, VECTOR_SIG, 200, 0, 0),
        ("button reply", dumps(envelope([button])), "auto", 200, 1, 1),
        ("list reply", dumps(envelope([listr])), "auto", 200, 1, 1),
        ("template quick-reply button", dumps(envelope([tpl_button])), "auto", 200, 1, 1),
        ("image with caption", dumps(envelope([image])), "auto", 200, 1, 1),
        ("audio, no caption", dumps(envelope([audio])), "auto", 200, 1, 1),
        # product.md s. 3: an event catat cannot use is logged and skipped, the request 200.
        ("unsupported type: skipped", dumps(envelope([unsupported])), "auto", 200, 0, 0),
        ("reaction: nothing", dumps(envelope([reaction])), "auto", 200, 0, 0),
        ("batch: 2 entries, 3 messages", dumps(batch), "auto", 200, 3, 3),
        ("batch retried whole", dumps(batch), "auto", 200, 0, 0),
        ("bad signature", vector_changed, VECTOR_SIG, 401, 0, 0),
        ("signature of another secret", vector_changed,
         "sha256=" + hmac.new(b"other", vector_changed.encode(), hashlib.sha256).hexdigest(),
         401, 0, 0),
        ("missing signature", vector_changed, None, 401, 0, 0),
        ("signature without prefix", vector_changed, sign(vector_changed)[7:], 401, 0, 0),
        ("uppercase hex accepted", vector_changed.replace("TEST1", "TEST2"),
         sign(vector_changed.replace("TEST1", "TEST2")).upper().replace("SHA256=", "sha256="),
         200, 1, 1),
        ("malformed JSON", '{"object":"whatsapp_business_account","entry":[', "auto", 400, 0, 0),
        ("not an object", "[1,2]", "auto", 400, 0, 0),
        ("entry not an array", '{"object":"whatsapp_business_account","entry":{}}', "auto",
         400, 0, 0),
        ("wrong object", dumps(dict(envelope([text_msg("6281200000030", "wamid.W", "x")]),
                                    object="page")), "auto", 400, 0, 0),
        ("message without id", dumps(envelope([{"from": "6281200000031", "type": "text",
                                               "text": {"body": "SALDO"}}])), "auto", 200, 0, 0),
        ("text without body", dumps(envelope([{"from": "6281200000032", "id": "wamid.NB",
                                              "type": "text", "text": {}}])), "auto", 200, 0, 0),
        ("bad timestamp", dumps(envelope([dict(text_msg("6281200000033", "wamid.TS", "SALDO"),
                                               timestamp="yesterday")])), "auto", 200, 0, 0),
        ("sender not a phone", dumps(envelope([text_msg("abc", "wamid.NP", "SALDO")])), "auto",
         200, 0, 0),
        ("one bad message is skipped, the other kept", dumps(half_bad), "auto", 200, 1, 1),
        ("invalid UTF-8", b'{"object":"whatsapp_business_account","entry":[{"changes":[{"value":'
         b'{"messages":[{"from":"6281200000034","id":"wamid.U8","type":"text","text":{"body":'
         b'"\xff\xfe"}}]}}]}]}', "auto", 400, 0, 0),
        ("duplicate keys", '{"object":"whatsapp_business_account","entry":[],"entry":[]}', "auto",
         400, 0, 0),
    ]
    try:
        for name, body, sig, want_status, add_msgs, add_replies in cases:
            before = counts(c)
            status, answer = post(c, body, sig)
            after = counts(c)
            assert status == want_status, (name, status, answer)
            if status >= 400:
                assert "error" in json.loads(answer), (name, answer)
            assert after == (before[0] + add_msgs, before[1] + add_replies), (name, before, after)
        texts = dict(c.sql("SELECT provider_id, text || '|' || media FROM messages"))
        assert texts["wamid.TEST1"] == "Hello World|", texts
        assert texts["wamid.BTN"] == "SALDO|", texts
        assert texts["wamid.LIST"] == "BANTUAN|", texts
        assert texts["wamid.TPLBTN"] == "STOP|", texts
        assert texts["wamid.IMG"] == "JUAL 45rb abon|image", texts
        assert texts["wamid.AUD"] == "|audio", texts
        assert "wamid.UNS" not in texts and texts["wamid.H1"] == "SALDO|", texts
        assert {k for k in texts if k.startswith("wamid.B")} == {"wamid.B1", "wamid.B2",
                                                                "wamid.B3", "wamid.BTN"}
        phones = dict(c.sql("SELECT provider_id, phone FROM messages"))
        assert phones["wamid.TEST1"] == "+6281234567890"
        assert phones["wamid.B3"] == "+6281200000012"
        # Every reply reached the fake exactly once, to the right number, as text (in window).
        n_out = c.sql("SELECT count(*) FROM outbox")[0][0]
        wait_sent(c, n_out)
        sent = fake.received()
        assert len(sent) == n_out, (len(sent), n_out)
        tos = sorted(json.loads(r.body)["to"] for r in sent)
        assert tos == sorted(p[1:] for (p,) in c.sql("SELECT phone FROM outbox")), tos
        for r in sent:
            assert r.method == "POST" and r.path == "/v21.0/%s/messages" % PHONE_ID, r.path
            assert r.headers["Authorization"] == "Bearer " + TOKEN, r.headers
            assert r.headers["Content-Type"] == "application/json"
            b = json.loads(r.body)
            assert b["messaging_product"] == "whatsapp" and b["type"] == "text", b
            assert b["recipient_type"] == "individual" and b["text"]["body"], b
        # Provider ids from messages[0].id are stored against the row that was sent.
        stored = {pid for (pid,) in c.sql("SELECT provider_id FROM outbox")}
        assert stored == {r.wamid for r in sent}, stored
        # Method and path errors.
        assert c.request("PUT", "/webhook/whatsapp", "{}")[0] == 405
        assert c.request("POST", "/webhook/whatsapp/extra", VECTOR_BODY,
                         {"X-Hub-Signature-256": VECTOR_SIG})[0] == 404
    finally:
        c.stop()
        fake.close()


def test_statuses_update_the_right_row():
    fake = GraphFake()
    c = start(fake)
    try:
        for i in range(3):
            assert post(c, json.dumps(envelope([text_msg("62813000000%02d" % i, "wamid.S%d" % i,
                                                         "SALDO")])))[0] == 200
        wait_sent(c, 3)
        rows = dict(c.sql("SELECT phone, provider_id FROM outbox"))
        a, b, d = rows["+6281300000000"], rows["+6281300000001"], rows["+6281300000002"]
        assert len({a, b, d}) == 3 and all(x.startswith("wamid.OUT") for x in (a, b, d)), rows

        def st(wamid, status, **kw):
            s = {"id": wamid, "status": status, "timestamp": "1749416400",
                 "recipient_id": "6281300000000"}
            s.update(kw)
            return s

        failure = {"code": 131047, "title": "Message failed to send because more than 24 hours "
                   "have passed since the customer last replied to this number.",
                   "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"}
        batch = envelope(statuses=[st(a, "sent"), st(a, "delivered"), st(b, "sent"),
                                   st(d, "failed", errors=[failure]), st("wamid.UNKNOWN", "read"),
                                   st(b, "deleted")])
        before = counts(c)
        assert post(c, json.dumps(batch))[0] == 200
        assert counts(c) == before
        status = {p: (s, e) for p, s, e in c.sql("SELECT phone, status, error FROM outbox")}
        assert status["+6281300000000"] == ("delivered", None), status
        assert status["+6281300000001"] == ("sent", None), status
        assert status["+6281300000002"][0] == "failed", status
        assert status["+6281300000002"][1].startswith("131047: Message failed to send"), status
        # read arrives, then a late "delivered" must not move it backwards.
        assert post(c, json.dumps(envelope(statuses=[st(a, "read")])))[0] == 200
        assert post(c, json.dumps(envelope(statuses=[st(a, "delivered")])))[0] == 200
        assert c.sql("SELECT status FROM outbox WHERE provider_id = ?", a) == [("read",)]
        # Forged status: refused, nothing changes.
        forged = json.dumps(envelope(statuses=[st(b, "failed", errors=[failure])]))
        assert post(c, forged, sign(forged + " "))[0] == 401
        assert post(c, forged, None)[0] == 401
        assert c.sql("SELECT status FROM outbox WHERE provider_id = ?", b) == [("sent",)]
        # A status without id is skipped (logged), the request answered 200.
        assert post(c, json.dumps(envelope(statuses=[{"status": "read"}])))[0] == 200
    finally:
        c.stop()
        fake.close()


def test_template_outside_the_window():
    fake = GraphFake()
    c = start(fake)
    try:
        now = int(time.time())
        # A member who wrote two days ago, and one who never wrote (a broadcast).
        c.sql("INSERT INTO people(phone, name, role, last_inbound_at, created_at)"
              " VALUES('+6281400000001', 'Sari', 'member', ?, ?)", now - 2 * 86400, now - 3 * 86400)
        c.sql("INSERT INTO people(phone, name, role, last_inbound_at, created_at)"
              " VALUES('+6281400000003', 'Dewi', 'member', ?, ?)", now - 3600, now - 3 * 86400)
        for phone, text in [("+6281400000001", "Pengingat:\n  setor tabungan\thari Jumat"),
                            ("+6281400000002", "Selamat datang di program"),
                            ("+6281400000003", "Dalam jendela 24 jam")]:
            c.sql("INSERT INTO outbox(channel, phone, text, kind, next_at, created_at)"
                  " VALUES('whatsapp', ?, ?, 'reminder', ?, ?)", phone, text, now, now)
        # Nothing wakes the outbox for rows written behind its back: it polls.
        wait_sent(c, 3, 15)
        by_to = {json.loads(r.body)["to"]: json.loads(r.body) for r in fake.received()}
        assert set(by_to) == {"6281400000001", "6281400000002", "6281400000003"}, by_to
        for to in ("6281400000001", "6281400000002"):
            b = by_to[to]
            assert b["type"] == "template" and "text" not in b, b
            assert b["template"]["name"] == TEMPLATE, b
            assert b["template"]["language"]["code"] == "id", b
            params = b["template"]["components"][0]["parameters"]
            assert b["template"]["components"][0]["type"] == "body"
            assert len(params) == 1 and params[0]["type"] == "text", b
        # Newlines/tabs/space runs are refused by Meta in parameters (132018): flattened.
        assert by_to["6281400000001"]["template"]["components"][0]["parameters"][0]["text"] \
            == "Pengingat: setor tabungan hari Jumat", by_to["6281400000001"]
        assert by_to["6281400000003"]["type"] == "text"
        assert by_to["6281400000003"]["text"]["body"] == "Dalam jendela 24 jam"
        # After she writes, a reply goes as text again.
        fake.requests.clear()
        assert post(c, json.dumps(envelope([text_msg("6281400000001", "wamid.BACK",
                                                     "SALDO")])))[0] == 200
        c.wait_for(lambda: fake.received(), 10, "reply")
        assert json.loads(fake.received()[0].body)["type"] == "text"
    finally:
        c.stop()
        fake.close()


def test_unsigned_mode_and_graph_errors():
    """Without app_secret nothing is signature-checked; a Graph 400 fails the row at once with
    Meta's error recorded."""
    fake = GraphFake()
    c = Catat(ini="[server]\nreplies_per_hour = 0\n"
                  "[reminders]\nquiet_start = 00:00\nquiet_end = 00:00\n[outbox]\nretry_base_ms = 50\n"
                  "[whatsapp]\nenabled = true\napi_base = %s\nphone_number_id = %s\n"
                  "access_token = %s\n" % (fake.url, PHONE_ID, TOKEN)).start()
    try:
        err = json.dumps({"error": {"message": "(#131026) Message undeliverable", "type":
                                    "OAuthException", "code": 131026, "fbtrace_id": "Az8"}})
        fake.answer_next(400, err.encode())
        assert post(c, json.dumps(envelope([text_msg("6281500000001", "wamid.NS", "SALDO")])),
                    None)[0] == 200
        c.wait_for(lambda: c.sql("SELECT status FROM outbox") == [("failed",)], 10, "failed")
        (error, attempts), = c.sql("SELECT error, attempts FROM outbox")
        assert "HTTP 400" in error and "131026" in error, error
        assert attempts == 1 and len(fake.received()) == 1
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_hub_verification, test_inbound_cases_table, test_statuses_update_the_right_row,
               test_template_outside_the_window, test_unsigned_mode_and_graph_errors])
