/* test_whatsapp.c - the WhatsApp driver: verification, signatures, messages, statuses, sends. */
#include "channel_test.h"
#include "whatsapp.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

extern const struct channel_driver channel_whatsapp;

#define SECRET "fb_app_secret"
#define INI_SIGNED                                                                                 \
    "[whatsapp]\nenabled = true\napi_base = http://127.0.0.1:9/v21.0/\nphone_number_id = "         \
    "106540352242922\naccess_token = EAAtoken\napp_secret = " SECRET "\nverify_token = tok\n"
#define INI_UNSIGNED                                                                               \
    "[whatsapp]\napi_base = https://graph.facebook.com/v21.0\nphone_number_id = 123\n"             \
    "access_token = T\ntemplate = pengingat\ntemplate_language = id\n"

/* providers.md 1c: the self-computed signature vector. */
static const char vector_body[] =
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"8856996819413533\",\"changes\":"
    "[{\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":"
    "\"15550783881\",\"phone_number_id\":\"106540352242922\"},\"contacts\":[{\"profile\":{\"name\":"
    "\"Kerry "
    "Fisher\"},\"wa_id\":\"6281234567890\"}],\"messages\":[{\"from\":\"6281234567890\",\"id\":"
    "\"wamid.TEST1\",\"timestamp\":\"1749416383\",\"type\":\"text\",\"text\":{\"body\":\"Hello "
    "World\"}}]},\"field\":\"messages\"}]}]}";
static const char vector_sig[] =
    "sha256=a9a88329fa8e8c3fa2d474c55611e91ffb8f8ff4be77adef28d32a7290475e9d";

/* One change carrying the given value members (messages or statuses). */
#define WA_VALUE(members)                                                                          \
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"value\":{" \
    "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","   \
    "\"phone_number_id\":\"106540352242922\"}," members "},\"field\":\"messages\"}]}]}"
#define WA_MSG(type, rest)                                                                         \
    WA_VALUE("\"messages\":[{\"from\":\"6281234567890\",\"id\":\"wamid.X\",\"timestamp\":"         \
             "\"1749416383\",\"type\":\"" type "\"" rest "}]")
#define WA_STATUS(status, rest)                                                                    \
    WA_VALUE("\"statuses\":[{\"id\":\"wamid.S\",\"recipient_id\":\"6281234567890\",\"status\":"    \
             "\"" status "\",\"timestamp\":\"1454119029\"" rest "}]")

enum sig { SIG_VALID, SIG_NONE, SIG_BAD };

struct decode_case {
    const char *name;
    const char *body;
    enum sig sig;
    enum channel_rc rc;
    size_t n_in, n_statuses, n_skipped;
    /* the first inbound message, when n_in > 0 */
    const char *from, *text, *media, *id;
    int64_t at;
    /* the first status, when n_statuses > 0 */
    enum channel_delivery delivery;
    const char *error;
};

/* Rows: a refusal, messages decoded (count, then the first one), or one status. */
#define REFUSED(nm, b, s, r)                                                                       \
    {                                                                                              \
        .name = nm, .body = b, .sig = s, .rc = r                                                   \
    }
#define DECODED(nm, b, nin, nst, f, t, m, i, a)                                                    \
    {                                                                                              \
        .name = nm, .body = b, .sig = SIG_VALID, .rc = CHANNEL_OK, .n_in = nin, .n_statuses = nst, \
        .from = f, .text = t, .media = m, .id = i, .at = a                                         \
    }
/* An event catat cannot use: skipped (to be logged), the others kept, the request OK. */
#define SKIPPED(nm, b, nin, nskip)                                                                 \
    {                                                                                              \
        .name = nm, .body = b, .sig = SIG_VALID, .rc = CHANNEL_OK, .n_in = nin, .n_skipped = nskip \
    }
#define STATUS(nm, b, d, e)                                                                        \
    {                                                                                              \
        .name = nm, .body = b, .sig = SIG_VALID, .rc = CHANNEL_OK, .n_statuses = 1, .delivery = d, \
        .error = e                                                                                 \
    }

static const struct decode_case decode_cases[] = {
    DECODED("text (signature vector)", vector_body, 1, 0, "+6281234567890", "Hello World", "",
            "wamid.TEST1", 1749416383),
    REFUSED("bad signature", vector_body, SIG_BAD, CHANNEL_UNAUTHORIZED),
    REFUSED("missing signature", vector_body, SIG_NONE, CHANNEL_UNAUTHORIZED),
    REFUSED("malformed JSON", "{\"object\":", SIG_VALID, CHANNEL_BAD_REQUEST),
    REFUSED("empty body", "", SIG_VALID, CHANNEL_BAD_REQUEST),
    REFUSED("not an object", "[1,2]", SIG_VALID, CHANNEL_BAD_REQUEST),
    REFUSED("invalid UTF-8", WA_MSG("text", ",\"text\":{\"body\":\"\xff\xfe\"}"), SIG_VALID,
            CHANNEL_BAD_REQUEST),
    REFUSED("no entry", "{\"object\":\"whatsapp_business_account\"}", SIG_VALID,
            CHANNEL_BAD_REQUEST),
    REFUSED("other object", "{\"object\":\"page\",\"entry\":[]}", SIG_VALID, CHANNEL_BAD_REQUEST),
    SKIPPED("changes not an array", "{\"entry\":[{\"changes\":{}}]}", 0, 1),
    SKIPPED("message without from",
            WA_VALUE("\"messages\":[{\"id\":\"wamid.X\",\"type\":\"text\",\"text\":{\"body\":"
                     "\"x\"}}]"),
            0, 1),
    SKIPPED("message without id",
            WA_VALUE("\"messages\":[{\"from\":\"62812\",\"type\":\"text\",\"text\":{\"body\":"
                     "\"x\"}}]"),
            0, 1),
    SKIPPED("text without body", WA_MSG("text", ",\"text\":{}"), 0, 1),
    SKIPPED("bad timestamp",
            WA_VALUE("\"messages\":[{\"from\":\"62812\",\"id\":\"w\",\"timestamp\":\"12a\","
                     "\"type\":\"text\",\"text\":{\"body\":\"x\"}}]"),
            0, 1),
    DECODED("button reply",
            WA_MSG("interactive", ",\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.Q\"},"
                                  "\"interactive\":{\"type\":\"button_reply\",\"button_reply\":"
                                  "{\"id\":\"cancel-button\",\"title\":\"Cancel\"}}"),
            1, 0, "+6281234567890", "Cancel", "", "wamid.X", 1749416383),
    DECODED("list reply without title",
            WA_MSG("interactive", ",\"interactive\":{\"type\":\"list_reply\",\"list_reply\":{"
                                  "\"id\":\"priority_express\"}}"),
            1, 0, "+6281234567890", "priority_express", "", "wamid.X", 1749416383),
    DECODED("template quick reply",
            WA_MSG("button", ",\"button\":{\"payload\":\"No-Button-Payload\",\"text\":\"No\"}"), 1,
            0, "+6281234567890", "No", "", "wamid.X", 1749416383),
    DECODED("template quick reply payload only",
            WA_MSG("button", ",\"button\":{\"payload\":\"YA\"}"), 1, 0, "+6281234567890", "YA", "",
            "wamid.X", 1749416383),
    DECODED("image with caption",
            WA_MSG("image", ",\"image\":{\"caption\":\"JUAL 45rb abon\",\"mime_type\":"
                            "\"image/jpeg\",\"id\":\"77\"}"),
            1, 0, "+6281234567890", "JUAL 45rb abon", "image", "wamid.X", 1749416383),
    DECODED("audio", WA_MSG("audio", ",\"audio\":{\"id\":\"5\",\"mime_type\":\"audio/ogg\"}"), 1, 0,
            "+6281234567890", "", "audio", "wamid.X", 1749416383),
    DECODED("location", WA_MSG("location", ",\"location\":{\"latitude\":-7.9,\"longitude\":112.6}"),
            1, 0, "+6281234567890", "", "location", "wamid.X", 1749416383),
    SKIPPED("unsupported",
            WA_MSG("unsupported", ",\"errors\":[{\"code\":131051,\"title\":\"Unsupported "
                                  "message type\"}]"),
            0, 1),
    DECODED("reaction is ignored",
            WA_MSG("reaction", ",\"reaction\":{\"message_id\":\"wamid.Q\",\"emoji\":"
                               "\"\xf0\x9f\x91\x8d\"}"),
            0, 0, NULL, NULL, NULL, NULL, 0),
    /* its status is "delivered", and its third message comes from +6283333 */
    DECODED("batched entries x changes x messages",
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
            "\"value\":{\"metadata\":{\"display_phone_number\":\"15550783881\"},\"messages\":[{"
            "\"from\":\"6281111\",\"id\":\"w1\",\"timestamp\":\"1\",\"type\":\"text\",\"text\":{"
            "\"body\":\"SALDO\"}},{\"from\":\"6282222\",\"id\":\"w2\",\"timestamp\":\"2\","
            "\"type\":\"text\",\"text\":{\"body\":\"b\"}}]},\"field\":\"messages\"}]},{\"id\":"
            "\"2\",\"changes\":[{\"value\":{\"messages\":[{\"from\":\"6283333\",\"id\":\"w3\","
            "\"timestamp\":\"3\",\"type\":\"text\",\"text\":{\"body\":\"c\"}}],\"statuses\":[{"
            "\"id\":\"wamid.S\",\"status\":\"delivered\",\"timestamp\":\"4\"}]},\"field\":"
            "\"messages\"}]}]}",
            3, 1, "+6281111", "SALDO", "", "w1", 1),
    SKIPPED("second message malformed: the first kept",
            WA_VALUE("\"messages\":[{\"from\":\"62811\",\"id\":\"w1\",\"type\":\"text\",\"text\""
                     ":{\"body\":\"a\"}},{\"from\":7,\"id\":\"w2\",\"type\":\"text\"}]"),
            1, 1),
    DECODED("other field ignored",
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
            "\"value\":{\"event\":\"APPROVED\"},\"field\":\"message_template_status_update\"}]}]}",
            0, 0, NULL, NULL, NULL, NULL, 0),
    STATUS("status sent", WA_STATUS("sent", ""), CHANNEL_DELIVERY_SENT, ""),
    STATUS("status delivered", WA_STATUS("delivered", ""), CHANNEL_DELIVERY_DELIVERED, ""),
    STATUS("status read", WA_STATUS("read", ""), CHANNEL_DELIVERY_READ, ""),
    STATUS("status failed",
           WA_STATUS("failed", ",\"errors\":[{\"code\":131047,\"title\":\"Message failed to "
                               "send because more than 24 hours have passed since the customer "
                               "last replied to this number.\"}]"),
           CHANNEL_DELIVERY_FAILED,
           "131047: Message failed to send because more than 24 hours have passed since the "
           "customer last replied to this number."),
    STATUS("status failed without errors", WA_STATUS("failed", ""), CHANNEL_DELIVERY_FAILED,
           "failed"),
    DECODED("status deleted ignored", WA_STATUS("deleted", ""), 0, 0, NULL, NULL, NULL, NULL, 0),
    SKIPPED("status without id", WA_VALUE("\"statuses\":[{\"status\":\"read\"}]"), 0, 1),
};

static void sign(const char *body, char out[72])
{
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)body, strlen(body), mac,
         &len);
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static void test_decode_table(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        const struct decode_case *c = &decode_cases[i];
        char sig[72];
        sign(c->body, sig);
        if (c->sig == SIG_BAD)
            sig[10] = sig[10] == '0' ? '1' : '0';
        struct channel_kv headers[] = {{"Content-Type", "application/json"},
                                       {"x-hub-signature-256", sig}};
        struct channel_events ev;
        char err[256];
        enum channel_rc rc =
            test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp", NULL, 0, headers,
                        c->sig == SIG_NONE ? 1 : 2, c->body, &ev, err, sizeof err);
        print_message("case: %s -> %d %s\n", c->name, rc, err);
        assert_int_equal(rc, c->rc);
        if (rc != CHANNEL_OK)
            assert_true(err[0]);
        assert_int_equal(ev.n_in, c->n_in);
        assert_int_equal(ev.n_statuses, c->n_statuses);
        assert_int_equal(ev.n_skipped, c->n_skipped);
        for (size_t k = 0; k < ev.n_skipped; k++) /* each says why, for the log */
            assert_true(ev.skipped[k].reason[0] && ev.skipped[k].kind[0]);
        if (c->n_in && c->from) {
            assert_string_equal(ev.in[0].from, c->from);
            assert_string_equal(ev.in[0].text, c->text);
            assert_string_equal(ev.in[0].media, c->media);
            if (c->id)
                assert_string_equal(ev.in[0].provider_id, c->id);
            if (c->at)
                assert_int_equal(ev.in[0].at, c->at);
            assert_string_equal(ev.in[0].to, "+15550783881");
        }
        if (c->n_statuses) {
            assert_string_equal(ev.statuses[0].provider_id, "wamid.S");
            if (c->error) { /* STATUS rows */
                assert_int_equal(ev.statuses[0].delivery, c->delivery);
                assert_string_equal(ev.statuses[0].error, c->error);
            } else {
                assert_int_equal(ev.statuses[0].delivery, CHANNEL_DELIVERY_DELIVERED);
                assert_string_equal(ev.in[2].from, "+6283333");
                assert_string_equal(ev.in[2].text, "c");
                assert_string_equal(ev.in[1].provider_id, "w2");
            }
        }
        assert_null(ev.response);
        channel_events_free(&ev);
    }
    channel_whatsapp.fini(state);
}

/* Decodes body with the fast path and with the full decoder: when the fast path takes it (it
 * must exactly when plain says), both yield the same events. */
static void check_both_decoders(const char *body, bool plain)
{
    struct channel_events fast = {0}, full = {0};
    char err[256] = "", err_full[256] = "";
    enum channel_rc rc =
        whatsapp_decode_body(body, strlen(body), WHATSAPP_PLAIN, &fast, err, sizeof err);
    enum channel_rc rc_full = whatsapp_decode_body(body, strlen(body), WHATSAPP_JANSSON, &full,
                                                   err_full, sizeof err_full);
    print_message("plain %d (%s), full %d (%s): %.60s\n", rc, err, rc_full, err_full, body);
    assert_int_equal(rc == CHANNEL_OK, plain);
    if (rc == CHANNEL_OK) {
        assert_int_equal(rc_full, CHANNEL_OK);
        assert_true(channel_events_equal(&fast, &full));
    } else {
        assert_int_equal(fast.n_in + fast.n_statuses + fast.n_skipped, 0);
    }
    channel_events_free(&fast);
    channel_events_free(&full);
}

/* The fast path takes plain text messages and statuses; everything else (escapes, other
 * scripts, media, failures, duplicate keys, JSON jsmn alone would let through) goes to the
 * full decoder, which says what it makes of it. */
static void test_plain_fast_path_agrees(void **unused)
{
    check_both_decoders(vector_body, true);
    check_both_decoders(WA_STATUS("delivered", ""), true);
    check_both_decoders(WA_STATUS("read", ",\"conversation\":{\"id\":\"c1\"},\"pricing\":"
                                          "{\"billable\":true,\"category\":null}"),
                        true);
    check_both_decoders(WA_VALUE("\"contacts\":[{\"user_id\":\"ID.1\"}],\"messages\":[{\"from\":"
                                 "\"62811\",\"id\":\"w1\",\"timestamp\":1749416383,\"type\":"
                                 "\"text\",\"text\":{\"body\":\"JUAL 5rb\"},\"group_id\":\"\"},"
                                 "{\"from\":\"62822\",\"id\":\"w2\",\"type\":\"text\","
                                 "\"text\":{\"body\":\"SALDO\"}}]"),
                        true);
    check_both_decoders(" \n" WA_MSG("text", ",\"text\":{\"body\":\"a\"}") "\n", true);
    /* declined: an escape, another script, a reaction, media, a failure, a number jansson reads
     * otherwise, a key twice, malformed JSON */
    check_both_decoders(WA_MSG("text", ",\"text\":{\"body\":\"baris\\nbaru\"}"), false);
    check_both_decoders(WA_MSG("text", ",\"text\":{\"body\":\"Rp5.000 \xf0\x9f\x98\x8a\"}"), false);
    check_both_decoders(WA_MSG("reaction", ",\"reaction\":{\"emoji\":\"x\"}"), false);
    check_both_decoders(WA_MSG("image", ",\"image\":{\"id\":\"m1\"}"), false);
    check_both_decoders(WA_STATUS("failed", ",\"errors\":[{\"code\":131050}]"), false);
    check_both_decoders(WA_STATUS("sent", ",\"x\":1.5"), false);
    check_both_decoders(WA_STATUS("sent", ",\"x\":012"), false);
    check_both_decoders(WA_STATUS("sent", ",\"id\":\"again\""), false);
    check_both_decoders("{\"entry\":[],}", false);
    check_both_decoders("{\"entry\" []}", false);
    check_both_decoders("{\"entry\":[] \"object\":\"whatsapp_business_account\"}", false);
    check_both_decoders("{\"entry\":[1 2]}", false);
    check_both_decoders("{\"entry\":[]} {}", false);
    check_both_decoders("[]", false);
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        struct channel_events fast = {0}, full = {0};
        char err[256];
        const char *b = decode_cases[i].body;
        if (whatsapp_decode_body(b, strlen(b), WHATSAPP_PLAIN, &fast, err, sizeof err) ==
            CHANNEL_OK) {
            assert_int_equal(
                whatsapp_decode_body(b, strlen(b), WHATSAPP_JANSSON, &full, err, sizeof err),
                CHANNEL_OK);
            assert_true(channel_events_equal(&fast, &full));
        }
        channel_events_free(&fast);
        channel_events_free(&full);
    }
}

/* Decodes body (signed) with the INI_SIGNED driver into ev; asserts CHANNEL_OK. */
static void decode_ok(void *state, const char *body, struct channel_events *ev)
{
    char sig[72], err[256] = "";
    sign(body, sig);
    struct channel_kv headers[] = {{"X-Hub-Signature-256", sig}};
    enum channel_rc rc = test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp",
                                     NULL, 0, headers, 1, body, ev, err, sizeof err);
    print_message("-> %d %s\n", rc, err);
    assert_int_equal(rc, CHANNEL_OK);
}

/* Real-shaped messages as Meta sends them now: business-scoped user ids, media with ids and
 * MIME types, locations, Flows replies, group chats. */
static void test_real_shaped_messages(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    struct channel_events ev;

    /* A sender known only by her business-scoped user id: the id is her address. */
    decode_ok(state,
              WA_VALUE("\"contacts\":[{\"profile\":{\"name\":\"Sari\"},\"user_id\":"
                       "\"ID.13491208655302741918\"}],\"messages\":[{\"from_user_id\":"
                       "\"ID.13491208655302741918\",\"id\":\"wamid.U1\",\"timestamp\":"
                       "\"1749416383\",\"type\":\"text\",\"text\":{\"body\":\"SALDO\"}}]"),
              &ev);
    assert_int_equal(ev.n_in, 1);
    assert_string_equal(ev.in[0].from, "ID.13491208655302741918");
    assert_string_equal(ev.in[0].user_id, "");
    assert_true(channel_is_user_id(ev.in[0].from));
    channel_events_free(&ev);

    /* "from" written as a user id. */
    decode_ok(state,
              WA_VALUE("\"messages\":[{\"from\":\"US.1234\",\"id\":\"wamid.U2\","
                       "\"type\":\"text\",\"text\":{\"body\":\"SALDO\"}}]"),
              &ev);
    assert_int_equal(ev.n_in, 1);
    assert_string_equal(ev.in[0].from, "US.1234");
    channel_events_free(&ev);

    /* Both: the phone number is the person, the id is remembered for her. */
    decode_ok(state,
              WA_VALUE("\"contacts\":[{\"wa_id\":\"6281234567890\",\"user_id\":\"ID.77\"}],"
                       "\"messages\":[{\"from\":\"6281234567890\",\"from_user_id\":\"ID.77\","
                       "\"id\":\"wamid.U3\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]"),
              &ev);
    assert_string_equal(ev.in[0].from, "+6281234567890");
    assert_string_equal(ev.in[0].user_id, "ID.77");
    channel_events_free(&ev);

    /* An image: its media id and MIME type kept, the caption is the text. */
    decode_ok(state,
              WA_MSG("image", ",\"image\":{\"caption\":\"JUAL 45rb abon\",\"mime_type\":"
                              "\"image/jpeg\",\"sha256\":\"abc\",\"id\":\"1037543291543636\"}"),
              &ev);
    assert_string_equal(ev.in[0].media, "image");
    assert_string_equal(ev.in[0].media_ref, "1037543291543636");
    assert_string_equal(ev.in[0].mime, "image/jpeg");
    assert_string_equal(ev.in[0].text, "JUAL 45rb abon");
    channel_events_free(&ev);

    /* A document keeps its file name. */
    decode_ok(state,
              WA_MSG("document", ",\"document\":{\"filename\":\"nota.pdf\",\"mime_type\":"
                                 "\"application/pdf\",\"id\":\"55\"}"),
              &ev);
    assert_string_equal(ev.in[0].media, "document");
    assert_string_equal(ev.in[0].media_ref, "55");
    assert_string_equal(ev.in[0].meta, "{\"filename\":\"nota.pdf\"}");
    channel_events_free(&ev);

    /* A location: latitude, longitude, name and address. */
    decode_ok(state,
              WA_MSG("location",
                     ",\"location\":{\"latitude\":-7.9666,\"longitude\":112.6326,"
                     "\"name\":\"Pasar Besar\",\"address\":\"Jl. Pasar Besar, Malang\"}"),
              &ev);
    assert_string_equal(ev.in[0].media, "location");
    assert_non_null(ev.in[0].meta);
    assert_non_null(strstr(ev.in[0].meta, "\"latitude\":-7.9666"));
    assert_non_null(strstr(ev.in[0].meta, "\"longitude\":112.6326"));
    assert_non_null(strstr(ev.in[0].meta, "\"name\":\"Pasar Besar\""));
    channel_events_free(&ev);

    /* A WhatsApp Flows reply: its body and response JSON kept. */
    decode_ok(
        state,
        WA_MSG("interactive",
               ",\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.F\"},\"interactive\":"
               "{\"type\":\"nfm_reply\",\"nfm_reply\":{\"name\":\"flow\",\"body\":\"Sent\","
               "\"response_json\":\"{\\\"flow_token\\\":\\\"t1\\\",\\\"nama\\\":\\\"Sari\\\"}\"}}"),
        &ev);
    assert_int_equal(ev.n_in, 1);
    assert_string_equal(ev.in[0].media, "flow");
    assert_string_equal(ev.in[0].text, "Sent");
    assert_non_null(strstr(ev.in[0].meta, "flow_token"));
    channel_events_free(&ev);

    /* A group chat message: kept, marked as group (never answered privately). */
    decode_ok(state,
              WA_VALUE("\"messages\":[{\"from\":\"6281234567890\",\"group_id\":"
                       "\"120363025246125486\",\"id\":\"wamid.G\",\"type\":\"text\","
                       "\"text\":{\"body\":\"SALDO\"}}]"),
              &ev);
    assert_int_equal(ev.n_in, 1);
    assert_true(ev.in[0].group);
    channel_events_free(&ev);

    /* Failures the core acts on: 131050 opted out, 131026 undeliverable. */
    decode_ok(state,
              WA_STATUS("failed",
                        ",\"errors\":[{\"code\":131050,\"title\":\"Unable to "
                        "deliver the message. This recipient has chosen to stop "
                        "receiving marketing messages on WhatsApp from your business\"}]"),
              &ev);
    assert_int_equal(ev.statuses[0].failure, CHANNEL_FAILURE_OPTED_OUT);
    channel_events_free(&ev);
    decode_ok(state,
              WA_STATUS("failed", ",\"errors\":[{\"code\":131026,\"title\":\"Message "
                                  "undeliverable\"}]"),
              &ev);
    assert_int_equal(ev.statuses[0].failure, CHANNEL_FAILURE_UNDELIVERABLE);
    channel_events_free(&ev);
    channel_whatsapp.fini(state);
}

/* A user id is sent to as "recipient"; Graph's refusals are classified by error.code. */
static void test_send_to_user_id_and_errors(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    struct channel_send out;
    char err[256] = "";
    struct channel_message msg = {
        .to = "ID.13491208655302741918", .text = "Saldo", .in_window = true};
    assert_int_equal(channel_whatsapp.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_non_null(strstr(out.body, "\"recipient\":\"ID.13491208655302741918\""));
    assert_null(strstr(out.body, "\"to\":"));
    channel_send_free(&out);
    msg.to = "+6281234567890";
    assert_int_equal(channel_whatsapp.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_non_null(strstr(out.body, "\"to\":\"6281234567890\""));
    channel_send_free(&out);
    struct {
        long http;
        const char *body;
        enum channel_failure want;
    } cases[] = {
        {400, "{\"error\":{\"message\":\"(#131026) Message undeliverable\",\"code\":131026}}",
         CHANNEL_FAILURE_UNDELIVERABLE},
        {400, "{\"error\":{\"message\":\"Re-engagement\",\"code\":131047}}",
         CHANNEL_FAILURE_UNDELIVERABLE},
        {400, "{\"error\":{\"message\":\"stopped\",\"code\":131050}}", CHANNEL_FAILURE_OPTED_OUT},
        {400, "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429}}",
         CHANNEL_FAILURE_RETRY},
        {400, "{\"error\":{\"message\":\"bad param\",\"code\":100}}", CHANNEL_FAILURE_OTHER},
        {503, "oops", CHANNEL_FAILURE_RETRY},
        {401, "not json", CHANNEL_FAILURE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        enum channel_failure f = channel_whatsapp.read_send_error(
            state, cases[i].http, cases[i].body, strlen(cases[i].body), err, sizeof err);
        print_message("error %zu -> %d %s\n", i, f, err);
        assert_int_equal(f, cases[i].want);
        assert_non_null(strstr(err, "HTTP"));
    }
    channel_whatsapp.fini(state);
}

static void test_signature_vector(void **unused)
{
    /* The vector's header, also in upper case hex, is accepted. */
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    char upper[sizeof vector_sig];
    memcpy(upper, vector_sig, sizeof vector_sig);
    for (size_t i = 7; upper[i]; i++)
        if (upper[i] >= 'a' && upper[i] <= 'f')
            upper[i] = (char)(upper[i] - 'a' + 'A');
    const char *given[] = {vector_sig, upper};
    for (size_t i = 0; i < 2; i++) {
        struct channel_kv headers[] = {{"X-Hub-Signature-256", given[i]}};
        struct channel_events ev;
        char err[256];
        assert_int_equal(test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp",
                                     NULL, 0, headers, 1, vector_body, &ev, err, sizeof err),
                         CHANNEL_OK);
        assert_int_equal(ev.n_in, 1);
        channel_events_free(&ev);
    }
    /* A signature without its prefix, or over a body with one byte more, is refused. */
    struct channel_kv bare[] = {{"X-Hub-Signature-256", vector_sig + 7}};
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp", NULL, 0,
                                 bare, 1, vector_body, &ev, err, sizeof err),
                     CHANNEL_UNAUTHORIZED);
    char longer[sizeof vector_body + 1];
    snprintf(longer, sizeof longer, "%s ", vector_body);
    struct channel_kv headers[] = {{"X-Hub-Signature-256", vector_sig}};
    assert_int_equal(test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp", NULL, 0,
                                 headers, 1, longer, &ev, err, sizeof err),
                     CHANNEL_UNAUTHORIZED);
    channel_whatsapp.fini(state);
}

static void test_unsigned_when_no_secret(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_UNSIGNED);
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_whatsapp, state, "POST", "", "/webhook/whatsapp", NULL, 0,
                                 NULL, 0, vector_body, &ev, err, sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_in, 1);
    channel_events_free(&ev);
    channel_whatsapp.fini(state);
}

static void test_verification(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    struct {
        const char *mode, *token, *challenge;
        enum channel_rc rc;
    } cases[] = {
        {"subscribe", "tok", "1158201444", CHANNEL_OK},
        {"subscribe", "tok", "opaque challenge & more", CHANNEL_OK},
        {"subscribe", "wrong", "1158201444", CHANNEL_FORBIDDEN},
        {"subscribe", "to", "1158201444", CHANNEL_FORBIDDEN},
        {"subscribe", NULL, "1158201444", CHANNEL_FORBIDDEN},
        {"unsubscribe", "tok", "1158201444", CHANNEL_FORBIDDEN},
        {"subscribe", "tok", NULL, CHANNEL_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct channel_kv query[3];
        size_t n = 0;
        query[n++] = (struct channel_kv){"hub.mode", cases[i].mode};
        if (cases[i].token)
            query[n++] = (struct channel_kv){"hub.verify_token", cases[i].token};
        if (cases[i].challenge)
            query[n++] = (struct channel_kv){"hub.challenge", cases[i].challenge};
        struct channel_events ev;
        char err[256];
        assert_int_equal(test_decode(&channel_whatsapp, state, "GET", "", "/webhook/whatsapp",
                                     query, n, NULL, 0, NULL, &ev, err, sizeof err),
                         cases[i].rc);
        if (cases[i].rc == CHANNEL_OK) {
            assert_string_equal(ev.response, cases[i].challenge);
            assert_string_equal(ev.response_type, "text/plain");
        } else {
            assert_null(ev.response);
        }
        channel_events_free(&ev);
    }
    /* No verify_token configured: nobody can subscribe. */
    void *open = test_driver_state(&channel_whatsapp, INI_UNSIGNED);
    struct channel_kv query[] = {
        {"hub.mode", "subscribe"}, {"hub.verify_token", ""}, {"hub.challenge", "1"}};
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_whatsapp, open, "GET", "", "/webhook/whatsapp", query, 3,
                                 NULL, 0, NULL, &ev, err, sizeof err),
                     CHANNEL_FORBIDDEN);
    /* Other sub-paths and methods. */
    assert_int_equal(test_decode(&channel_whatsapp, state, "POST", "status",
                                 "/webhook/whatsapp/status", NULL, 0, NULL, 0, "{}", &ev, err,
                                 sizeof err),
                     CHANNEL_NOT_FOUND);
    assert_int_equal(test_decode(&channel_whatsapp, state, "PUT", "", "/webhook/whatsapp", NULL, 0,
                                 NULL, 0, "{}", &ev, err, sizeof err),
                     CHANNEL_BAD_METHOD);
    channel_whatsapp.fini(open);
    channel_whatsapp.fini(state);
}

static void test_build_send(void **unused)
{
    struct {
        const char *ini;
        const char *to, *text;
        bool in_window;
        const char *url, *body, *auth;
    } cases[] = {
        {INI_SIGNED, "+6281234567890", "Terima kasih, laporan diterima.", true,
         "http://127.0.0.1:9/v21.0/106540352242922/messages",
         "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
         "\"6281234567890\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":\"Terima "
         "kasih, laporan diterima.\"}}",
         "Authorization: Bearer EAAtoken"},
        /* outside the window with no template: text anyway, Meta's refusal gets recorded */
        {INI_SIGNED, "+6281234567890", "Halo \"Siti\"\n\xe2\x82\xac", false,
         "http://127.0.0.1:9/v21.0/106540352242922/messages",
         "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
         "\"6281234567890\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":\"Halo "
         "\\\"Siti\\\"\\n\xe2\x82\xac\"}}",
         "Authorization: Bearer EAAtoken"},
        {INI_UNSIGNED, "+6281234567890", "Angsuran P12\nRp150.000  besok", false,
         "https://graph.facebook.com/v21.0/123/messages",
         "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
         "\"6281234567890\",\"type\":\"template\",\"template\":{\"name\":\"pengingat\","
         "\"language\":{\"code\":\"id\"},\"components\":[{\"type\":\"body\",\"parameters\":[{"
         "\"type\":\"text\",\"text\":\"Angsuran P12 Rp150.000 besok\"}]}]}}",
         "Authorization: Bearer T"},
        {INI_UNSIGNED, "+6281234567890", "Saldo", true,
         "https://graph.facebook.com/v21.0/123/messages",
         "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
         "\"6281234567890\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":"
         "\"Saldo\"}}",
         "Authorization: Bearer T"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *state = test_driver_state(&channel_whatsapp, cases[i].ini);
        struct channel_message msg = {.to = cases[i].to,
                                      .text = cases[i].text,
                                      .in_window = cases[i].in_window,
                                      .outbox_id = 7,
                                      .public_url = "https://catat.example.org"};
        struct channel_send out;
        char err[256] = "";
        assert_int_equal(channel_whatsapp.build_send(state, &msg, &out, err, sizeof err), 0);
        assert_string_equal(out.method, "POST");
        assert_string_equal(out.url, cases[i].url);
        assert_string_equal(out.body, cases[i].body);
        assert_int_equal(out.n_headers, 2);
        assert_string_equal(out.headers[0], cases[i].auth);
        assert_string_equal(out.headers[1], "Content-Type: application/json");
        assert_null(out.userpwd);
        channel_send_free(&out);
        channel_whatsapp.fini(state);
    }
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    const char *bad_to[] = {"", "+62 812", "whatsapp:+62812", "+"};
    for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
        struct channel_message msg = {.to = bad_to[i], .text = "x", .in_window = true};
        struct channel_send out;
        char err[256] = "";
        assert_int_equal(channel_whatsapp.build_send(state, &msg, &out, err, sizeof err), -1);
        assert_true(err[0]);
        assert_null(out.url);
    }
    channel_whatsapp.fini(state);
}

/* Session material with reply buttons: an interactive message inside the window; outside it, or
 * when the text or a title is too long for Meta, what would have gone without buttons. */
static void test_build_send_buttons(void **unused)
{
    (void)unused;
    char long_text[1100];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    struct {
        const char *ini, *text, *buttons;
        bool in_window;
        const char *type; /* of the body sent */
        const char *titles[4];
    } cases[] = {
        {INI_SIGNED,
         "Sesi 1 GT07",
         "HADIR\nJAWAB 1 YA\nJAWAB 1 TIDAK",
         true,
         "interactive",
         {"HADIR", "JAWAB 1 YA", "JAWAB 1 TIDAK"}},
        {INI_SIGNED, "Sesi 2 GT07", "HADIR", true, "interactive", {"HADIR"}},
        /* a fourth button and a title over 20 characters are left out */
        {INI_SIGNED,
         "x",
         "A\nthis title is much too long\nB\nC\nD",
         true,
         "interactive",
         {"A", "B", "C"}},
        {INI_UNSIGNED, "Sesi 1 GT07", "HADIR", false, "template", {NULL}},
        {INI_SIGNED, long_text, "HADIR", true, "text", {NULL}},
        {INI_SIGNED, "Sesi 1 GT07", "", true, "text", {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *state = test_driver_state(&channel_whatsapp, cases[i].ini);
        struct channel_message msg = {.to = "+6281234567890",
                                      .text = cases[i].text,
                                      .in_window = cases[i].in_window,
                                      .buttons = cases[i].buttons};
        struct channel_send out;
        char err[256] = "";
        assert_int_equal(channel_whatsapp.build_send(state, &msg, &out, err, sizeof err), 0);
        json_t *body = json_loads(out.body, 0, NULL);
        assert_non_null(body);
        assert_string_equal(json_string_value(json_object_get(body, "type")), cases[i].type);
        if (strcmp(cases[i].type, "interactive") == 0) {
            json_t *ia = json_object_get(body, "interactive");
            assert_string_equal(json_string_value(json_object_get(ia, "type")), "button");
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(ia, "body"), "text")),
                cases[i].text);
            json_t *list = json_object_get(json_object_get(ia, "action"), "buttons");
            size_t n = 0;
            while (n < 4 && cases[i].titles[n])
                n++;
            assert_int_equal(json_array_size(list), n);
            for (size_t k = 0; k < n; k++) {
                json_t *b = json_array_get(list, k), *reply = json_object_get(b, "reply");
                assert_string_equal(json_string_value(json_object_get(b, "type")), "reply");
                assert_string_equal(json_string_value(json_object_get(reply, "title")),
                                    cases[i].titles[k]);
                /* the id is the command too, so a press reads the same either way */
                assert_string_equal(json_string_value(json_object_get(reply, "id")),
                                    cases[i].titles[k]);
            }
        }
        json_decref(body);
        channel_send_free(&out);
        channel_whatsapp.fini(state);
    }
}

static void test_read_send_response(void **unused)
{
    void *state = test_driver_state(&channel_whatsapp, INI_SIGNED);
    struct {
        const char *body;
        int rc;
        const char *id;
    } cases[] = {
        {"{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"16505076520\",\"wa_id\":"
         "\"16505076520\"}],\"messages\":[{\"id\":\"wamid.HBgL\"}]}",
         0, "wamid.HBgL"},
        {"{\"messages\":[{\"id\":\"wamid.A\",\"message_status\":\"accepted\"}]}", 0, "wamid.A"},
        {"{\"messages\":[]}", -1, ""},
        {"{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429}}", -1, ""},
        {"not json", -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[CHANNEL_ID_MAX] = "x", err[256] = "";
        assert_int_equal(channel_whatsapp.read_send_response(state, 200, cases[i].body,
                                                             strlen(cases[i].body), id, sizeof id,
                                                             err, sizeof err),
                         cases[i].rc);
        assert_string_equal(id, cases[i].id);
        if (cases[i].rc)
            assert_true(err[0]);
    }
    channel_whatsapp.fini(state);
}

static void test_registered(void **unused)
{
    assert_ptr_equal(channel_find("whatsapp"), &channel_whatsapp);
    assert_string_equal(channel_drivers[0]->name, "console");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_real_shaped_messages),
        cmocka_unit_test(test_plain_fast_path_agrees),
        cmocka_unit_test(test_send_to_user_id_and_errors),
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_unsigned_when_no_secret),
        cmocka_unit_test(test_verification),
        cmocka_unit_test(test_build_send),
        cmocka_unit_test(test_build_send_buttons),
        cmocka_unit_test(test_read_send_response),
        cmocka_unit_test(test_registered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
