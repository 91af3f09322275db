"""Channels as providers really send them (product.md s. 3), through the real catat serve with
fake providers that record what they receive:

- a WhatsApp batch with one event catat cannot use: the rest stored and answered, 200, the bad
  one logged with kind, reason and masked sender;
- business-scoped user ids (from_user_id, "US.1234"), answered on them ("recipient");
- media kept (ids, MIME types, a location, a Flows reply), group messages not answered;
- provider opt-outs (WhatsApp 131050, Twilio 21610) opting the person out with the reason;
- the SMS fallback for a member WhatsApp cannot reach, sent once, the record showing both;
- Kannel's dlr-url built from [kannel] callback_url.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from fake_provider import FakeProvider  # noqa: E402
from harness import Catat, run_tests  # noqa: E402
from test_android import PhoneFake  # noqa: E402
import test_twilio as tw  # noqa: E402
from test_whatsapp import (GraphFake, PHONE_ID, SECRET, TOKEN, envelope, post,  # noqa: E402
                           text_msg)


def start(fake, extra=""):
    return Catat(ini="[server]\nreplies_per_hour = 0\n[outbox]\nretry_base_ms = 50\n"
                     "[whatsapp]\nenabled = true\napi_base = %s/v21.0/\nphone_number_id = %s\n"
                     "access_token = %s\napp_secret = %s\n%s"
                 % (fake.url, PHONE_ID, TOKEN, SECRET, extra)).start()


def start_with_phone(graph, phone, extra=""):
    return start(graph, "[android]\nenabled = true\napi_base = %s\nusername = u\npassword = p\n"
                        "signing_key = k\n%s" % (phone.url, extra))


def value_of(messages, contacts=None, statuses=None):
    env = envelope(messages, statuses, contacts_of="-")
    v = env["entry"][0]["changes"][0]["value"]
    if contacts is not None:
        v["contacts"] = contacts
    return env


def sent_bodies(fake):
    return [json.loads(r.body) for r in fake.received()]


def test_batch_with_one_bad_event():
    fake = GraphFake()
    c = start(fake)
    try:
        bad_type = {"from": "6281200000002", "id": "wamid.BAD1", "timestamp": "1749416383",
                    "type": "unsupported",
                    "errors": [{"code": 131051, "title": "Message type is not currently supported"}]}
        no_id = {"from": "6281200000003", "timestamp": "1749416383", "type": "text",
                 "text": {"body": "SALDO"}}
        body = json.dumps(envelope([text_msg("6281200000001", "wamid.OK1", "BANTUAN"), bad_type,
                                    no_id, text_msg("6281200000004", "wamid.OK2", "SALDO")],
                                   statuses=[{"status": "read"}]))
        status, answer = post(c, body)
        assert status == 200, (status, answer)
        got = c.sql("SELECT provider_id, phone FROM messages ORDER BY id")
        assert got == [("wamid.OK1", "+6281200000001"), ("wamid.OK2", "+6281200000004")], got
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == 2,
                   10, "both answered")
        assert sorted(b["to"] for b in sent_bodies(fake)) == ["6281200000001", "6281200000004"]
        log = [line for line in c.read_log().splitlines() if "webhook event skipped" in line]
        assert len(log) == 3, log
        assert 'kind="unsupported"' in log[0] and "not supported (131051)" in log[0], log[0]
        assert "from=62812*****002" in log[0], log[0]  # masked, never the whole number
        assert 'reason="a message needs string' in log[1] and "+6281200000003" not in log[1]
        assert 'kind="status"' in log[2], log[2]
        # Meta re-sends the batch (say our 200 was lost): nothing stored or answered twice.
        assert post(c, body)[0] == 200
        assert c.sql("SELECT count(*) FROM messages") == [(2,)]
        assert c.sql("SELECT count(*) FROM outbox") == [(2,)]
        s, b = c.get("/metrics")
        assert 'catat_webhook_events_skipped_total{channel="whatsapp"} 6' in b.decode(), \
            [x for x in b.decode().splitlines() if 'skipped' in x]
    finally:
        c.stop()
        fake.close()


def test_business_scoped_user_ids():
    fake = GraphFake()
    c = start(fake)
    try:
        uid = "ID.13491208655302741918"
        only_id = {"from_user_id": uid, "id": "wamid.U1", "timestamp": "1749416383",
                   "type": "text", "text": {"body": "BANTUAN"}}
        assert post(c, json.dumps(value_of([only_id], [{"profile": {"name": "Sari"},
                                                        "user_id": uid}])))[0] == 200
        as_from = text_msg("US.1234", "wamid.U2", "SALDO")
        assert post(c, json.dumps(envelope([as_from])))[0] == 200
        both = dict(text_msg("6281200000009", "wamid.U3", "SALDO"), from_user_id="ID.77")
        assert post(c, json.dumps(value_of([both], [{"wa_id": "6281200000009",
                                                     "user_id": "ID.77"}])))[0] == 200
        assert c.sql("SELECT provider_id, phone FROM messages ORDER BY id") == \
            [("wamid.U1", uid), ("wamid.U2", "US.1234"), ("wamid.U3", "+6281200000009")]
        # the number is the person; her user id is remembered
        assert c.sql("SELECT phone, coalesce(user_id, '') FROM people ORDER BY id") == \
            [(uid, ""), ("US.1234", ""), ("+6281200000009", "ID.77")]
        c.wait_for(lambda: len(fake.received()) == 3, 10, "three replies")
        bodies = sent_bodies(fake)
        by = {b.get("recipient") or b.get("to"): b for b in bodies}
        assert set(by) == {uid, "US.1234", "6281200000009"}, bodies
        assert "to" not in by[uid] and by[uid]["recipient"] == uid, by[uid]
        assert "recipient" not in by["6281200000009"], by["6281200000009"]
    finally:
        c.stop()
        fake.close()


def test_media_flows_and_groups():
    fake = GraphFake()
    c = start(fake)
    try:
        image = {"from": "6281200000011", "id": "wamid.IMG", "timestamp": "1749416383",
                 "type": "image", "image": {"caption": "JUAL 45rb abon", "mime_type": "image/jpeg",
                                            "sha256": "Ym9v", "id": "1037543291543636"}}
        voice = {"from": "6281200000012", "id": "wamid.VOI", "timestamp": "1749416383",
                 "type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus",
                                            "id": "998877", "voice": True}}
        location = {"from": "6281200000013", "id": "wamid.LOC", "timestamp": "1749416383",
                    "type": "location", "location": {"latitude": -7.9666, "longitude": 112.6326,
                                                     "name": "Pasar Besar",
                                                     "address": "Jl. Pasar Besar, Malang"}}
        flow = {"from": "6281200000014", "id": "wamid.FLOW", "timestamp": "1749416383",
                "type": "interactive", "context": {"from": "15550783881", "id": "wamid.OUT0"},
                "interactive": {"type": "nfm_reply", "nfm_reply": {
                    "name": "flow", "body": "Sent",
                    "response_json": '{"flow_token":"t-1","nama":"Sari","desa":"Sukamaju"}'}}}
        group = dict(text_msg("6281200000015", "wamid.GRP", "SALDO"), group_id="120363025246125486")
        for m in [image, voice, location, flow, group]:
            assert post(c, json.dumps(envelope([m])))[0] == 200, m["id"]
        rows = {r[0]: r[1:] for r in c.sql(
            "SELECT provider_id, text, media, coalesce(media_ref, ''), coalesce(media_mime, ''),"
            " coalesce(meta, ''), status FROM messages")}
        assert rows["wamid.IMG"][:4] == ("JUAL 45rb abon", "image", "1037543291543636",
                                         "image/jpeg"), rows["wamid.IMG"]
        assert rows["wamid.VOI"][:4] == ("", "audio", "998877", "audio/ogg; codecs=opus")
        loc = json.loads(rows["wamid.LOC"][4])
        assert loc == {"latitude": -7.9666, "longitude": 112.6326, "name": "Pasar Besar",
                       "address": "Jl. Pasar Besar, Malang"}, loc
        assert rows["wamid.FLOW"][:2] == ("Sent", "flow")
        assert json.loads(json.loads(rows["wamid.FLOW"][4])["response_json"])["desa"] == "Sukamaju"
        assert rows["wamid.GRP"][5] == "group", rows["wamid.GRP"]
        # the caption was parsed as the text: the sale is in the ledger's parse
        assert "sale" in c.sql("SELECT parsed FROM messages WHERE provider_id = 'wamid.IMG'")[0][0]
        # every one-to-one message answered; the group message not, not even privately
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0] == 4,
                   10, "four replies")
        time.sleep(0.3)
        assert "6281200000015" not in [b["to"] for b in sent_bodies(fake)]
        assert c.sql("SELECT count(*) FROM outbox WHERE phone = '+6281200000015'") == [(0,)]
    finally:
        c.stop()
        fake.close()


def test_whatsapp_opt_out_and_sms_fallback():
    graph, phone = GraphFake(), PhoneFake()
    c = start_with_phone(graph, phone)
    try:
        # 1. Graph refuses at once (131026, not on WhatsApp): one SMS by the phone instead.
        graph.answer_next(400, json.dumps({"error": {
            "message": "(#131026) Message undeliverable", "type": "OAuthException",
            "code": 131026, "fbtrace_id": "A1"}}).encode())
        assert post(c, json.dumps(envelope([text_msg("6281200000021", "wamid.F1",
                                                     "BANTUAN")])))[0] == 200
        c.wait_for(lambda: len(phone.received()) == 1, 10, "SMS fallback sent")
        rows = c.sql("SELECT id, channel, status, coalesce(error, ''), coalesce(fallback_of, 0),"
                     " text FROM outbox ORDER BY id")
        assert len(rows) == 2, rows
        wa, sms = rows
        assert wa[1:3] == ("whatsapp", "failed") and "131026" in wa[3], wa
        assert "sent by SMS instead: android outbox %d" % sms[0] in wa[3], wa
        assert sms[1] == "android" and sms[4] == wa[0] and sms[5] == wa[5], sms
        assert json.loads(phone.received()[0].body)["phoneNumbers"] == ["+6281200000021"]
        c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE id = ?", sms[0]) == [("sent",)])

        # 2. Accepted, then failed by status (131047, window closed): fallback once only.
        assert post(c, json.dumps(envelope([text_msg("6281200000022", "wamid.F2",
                                                     "SALDO")])))[0] == 200
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE phone = '+6281200000022'"
                                 " AND status = 'sent'")[0][0] == 1, 10, "reply accepted")
        (wamid,), = c.sql("SELECT provider_id FROM outbox WHERE phone = '+6281200000022'")
        failed = {"id": wamid, "status": "failed", "timestamp": "1749416400",
                  "recipient_id": "6281200000022",
                  "errors": [{"code": 131047, "title": "Re-engagement message"}]}
        for _ in range(2):  # Meta may send the same failure twice
            assert post(c, json.dumps(envelope(statuses=[failed])))[0] == 200
        c.wait_for(lambda: len(phone.received()) == 2, 10, "second fallback")
        time.sleep(0.3)
        assert len(phone.received()) == 2
        assert c.sql("SELECT channel, count(*) FROM outbox WHERE phone = '+6281200000022'"
                     " GROUP BY channel ORDER BY channel") == [("android", 1), ("whatsapp", 1)]

        # 3. A user id has no number to text: no fallback.
        graph.answer_next(400, json.dumps({"error": {"message": "undeliverable",
                                                     "code": 131026}}).encode())
        assert post(c, json.dumps(envelope([text_msg("US.99", "wamid.F3", "SALDO")])))[0] == 200
        c.wait_for(lambda: c.sql("SELECT status FROM outbox WHERE phone = 'US.99'") ==
                   [("failed",)], 10, "user id failed")
        assert c.sql("SELECT count(*) FROM outbox WHERE phone = 'US.99'") == [(1,)]

        # 4. 131050: she stopped messages from this business: opted out as STOP would.
        assert post(c, json.dumps(envelope([text_msg("6281200000023", "wamid.F4",
                                                     "SALDO")])))[0] == 200
        c.wait_for(lambda: c.sql("SELECT count(*) FROM outbox WHERE phone = '+6281200000023'"
                                 " AND status = 'sent'")[0][0] == 1, 10, "accepted")
        (wamid,), = c.sql("SELECT provider_id FROM outbox WHERE phone = '+6281200000023'")
        stop = {"id": wamid, "status": "failed", "timestamp": "1749416401",
                "errors": [{"code": 131050, "title": "Unable to deliver the message. This "
                            "recipient has chosen to stop receiving marketing messages on "
                            "WhatsApp from your business."}]}
        assert post(c, json.dumps(envelope(statuses=[stop])))[0] == 200
        (out, reason), = c.sql("SELECT opted_out, opted_out_reason FROM people"
                               " WHERE phone = '+6281200000023'")
        assert out == 1 and "131050" in reason and reason.startswith("whatsapp"), (out, reason)
        assert c.sql("SELECT count(*) FROM outbox WHERE phone = '+6281200000023'") == [(1,)]
    finally:
        c.stop()
        graph.close()
        phone.close()


def test_twilio_opt_out_21610():
    fake = tw.TwilioFake()
    c = tw.start(fake)
    try:
        W, S = "/webhook/twilio", "/webhook/twilio/status"
        # By status callback.
        assert tw.post(c, W, tw.inbound("SM" + "1" * 32, "+6281200000031", "SALDO"))[0] == 200
        c.wait_for(lambda: len(fake.received()) == 1, 10, "reply")
        c.wait_for(lambda: c.sql("SELECT status FROM outbox") == [("sent",)], 10, "recorded")
        (sid,), = c.sql("SELECT provider_id FROM outbox")
        cb = tw.form(ErrorCode="21610", MessageSid=sid, MessageStatus="failed",
                     To="+6281200000031", AccountSid=tw.SID)
        assert tw.post(c, S, cb)[0] == 200
        got = c.sql("SELECT opted_out, opted_out_reason FROM people WHERE phone = '+6281200000031'")
        assert got[0][0] == 1 and "21610" in got[0][1], got
        # By the send's answer: 400 with code 21610.
        fake.answer_next(400, json.dumps({"code": 21610, "message": "Attempt to send to "
                                          "unsubscribed recipient", "status": 400}).encode())
        assert tw.post(c, W, tw.inbound("SM" + "2" * 32, "+6281200000032", "SALDO"))[0] == 200
        c.wait_for(lambda: c.sql("SELECT opted_out FROM people WHERE phone = '+6281200000032'")
                   == [(1,)], 10, "opted out by the answer")
        (err,), = c.sql("SELECT error FROM outbox WHERE phone = '+6281200000032'")
        assert "21610" in err, err
        # Twilio SMS is the SMS channel itself: nothing falls back from it.
        assert c.sql("SELECT count(*) FROM outbox") == [(2,)]
    finally:
        c.stop()
        fake.close()


def test_twilio_whatsapp_falls_back_to_twilio_sms():
    """One Twilio account with an SMS number (from) and a WhatsApp sender: a WhatsApp reply that
    Twilio refuses as outside the window (63016) goes once by SMS from the SMS number."""
    fake = tw.TwilioFake()
    c = tw.start(fake)  # from = +15017122661 (SMS)
    try:
        fake.answer_next(400, json.dumps({"code": 63016, "message": "Outside the allowed window",
                                          "status": 400}).encode())
        assert tw.post(c, "/webhook/twilio", tw.inbound(
            "SM" + "5" * 32, "whatsapp:+6281200000041", "SALDO",
            To="whatsapp:+14155238886"))[0] == 200
        c.wait_for(lambda: len(fake.received()) == 2, 10, "WhatsApp try and SMS fallback")
        first, second = [r.form() for r in fake.received()]
        assert (first["From"], first["To"]) == ("whatsapp:+14155238886",
                                                "whatsapp:+6281200000041"), first
        assert (second["From"], second["To"]) == (tw.FROM, "+6281200000041"), second
        assert second["Body"] == first["Body"]
        rows = c.sql("SELECT id, status, coalesce(error, ''), coalesce(fallback_of, 0),"
                     " coalesce(sender, '') FROM outbox ORDER BY id")
        assert rows[0][1] == "failed" and "63016" in rows[0][2] and "sent by SMS" in rows[0][2]
        assert rows[1][3] == rows[0][0] and rows[1][4] == "", rows
    finally:
        c.stop()
        fake.close()


def test_twilio_reminders_content_template_and_opt_out():
    """A reminder to a member who last wrote to the Twilio WhatsApp sender two days ago goes from
    that sender as the Content template (outside the window); a member Twilio reports as
    unsubscribed (21610) is opted out and gets no more reminders."""
    import test_reminders as tr
    fake = tw.TwilioFake()
    c = tr.setup("[server]\nreplies_per_hour = 0\npublic_url = %s\n[outbox]\nretry_base_ms = 50\n"
                 "[twilio]\nenabled = true\napi_base = %s\naccount_sid = %s\nauth_token = %s\n"
                 "from = %s\ncontent_sid = HXb5b62575e6e4ff6129ad7c8efe1f983e\n"
                 % (tw.PUBLIC, fake.url, tw.SID, tw.TOKEN, tw.FROM))
    try:
        long_ago = int(time.time()) - 2 * 86400
        c.sql("UPDATE people SET last_channel = 'twilio', last_to = 'whatsapp:+14155238886',"
              " last_inbound_at = ? WHERE phone IN (?, ?)", long_ago, tr.SITI, tr.RINA)
        c.sql("UPDATE people SET last_channel = 'twilio', last_to = '+6281100000000',"
              " last_inbound_at = ? WHERE phone = ?", long_ago, tr.DEWI)
        c.start()
        # Rina's earlier message was refused by Twilio as unsubscribed: status callback 21610.
        c.sql("INSERT INTO outbox(channel, phone, text, kind, status, next_at, created_at,"
              " provider_id) VALUES('twilio', ?, 'x', 'reply', 'sent', 0, 0, 'SMrina')", tr.RINA)
        cb = tw.form(ErrorCode="21610", MessageSid="SMrina", MessageStatus="failed", To=tr.RINA)
        assert tw.post(c, "/webhook/twilio/status", cb)[0] == 200
        assert c.sql("SELECT opted_out FROM people WHERE phone = ?", tr.RINA) == [(1,)]
        # The day before the due date (in the past, so the outbox sends at once): Siti by the
        # WhatsApp template, Dewi by SMS from the number she wrote to, Rina not at all.
        assert sorted(r["to"] for r in tr.dry(c, "2027-03-10T08:00:00+07:00")) == \
            sorted([tr.SITI, tr.ANI, tr.DEWI])
        c.sql("UPDATE instalments SET due_date = '2026-03-11'")
        assert tr.remind(c, "2026-03-10T08:00:00+07:00") == 3  # Siti, Ani (+09:00), Dewi
        # (Ani has never written: [outbox] default_channel, the console)
        c.wait_for(lambda: len(fake.received()) == 2, 10, "reminders sent on Twilio")
        by_to = {r.form()["To"]: r.form() for r in fake.received()}
        siti = by_to["whatsapp:" + tr.SITI]
        assert siti["From"] == "whatsapp:+14155238886", siti
        assert siti["ContentSid"] == "HXb5b62575e6e4ff6129ad7c8efe1f983e" and "Body" not in siti
        (text,), = c.sql("SELECT text FROM outbox WHERE phone = ? AND kind = 'loan_due'", tr.SITI)
        assert json.loads(siti["ContentVariables"]) == {"1": text}, siti
        dewi = by_to[tr.DEWI]
        assert dewi["From"] == "+6281100000000" and dewi["Body"] and "ContentSid" not in dewi
        assert set(by_to) == {"whatsapp:" + tr.SITI, tr.DEWI}, by_to  # never Rina
    finally:
        c.stop()
        fake.close()


def test_kannel_callback_url():
    fake = FakeProvider(202, b"0: Accepted for delivery", "text/html")
    c = Catat(ini="[server]\nreplies_per_hour = 0\npublic_url = https://catat.example.org/\n"
                  "[kannel]\nenabled = true\nsendsms_url = %s/cgi-bin/sendsms\n"
                  "callback_url = http://127.0.0.1:8080/\n" % fake.url).start()
    try:
        s, _, _ = c.request("GET", "/webhook/kannel?from=6281234567&to=1234&text=SALDO&id=k-1")
        assert s == 200
        c.wait_for(lambda: len(fake.received()) == 1, 10, "sendsms")
        dlr = fake.received()[0].query["dlr-url"]
        (oid,), = c.sql("SELECT id FROM outbox")
        assert dlr == "http://127.0.0.1:8080/webhook/kannel/dlr?id=%d&status=%%d" % oid, dlr
    finally:
        c.stop()
        fake.close()


if __name__ == "__main__":
    run_tests([test_batch_with_one_bad_event, test_business_scoped_user_ids,
               test_media_flows_and_groups, test_whatsapp_opt_out_and_sms_fallback,
               test_twilio_opt_out_21610, test_twilio_whatsapp_falls_back_to_twilio_sms,
               test_twilio_reminders_content_template_and_opt_out,
               test_kannel_callback_url])
