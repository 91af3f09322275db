/* test_android.c - the SMS Gateway for Android driver: the signature vector, freshness and
 * replays, the events as the app sends them, sends (local and cloud) and the phone's answers. */
#include "channel_test.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <time.h>

extern const struct channel_driver channel_android;

/* providers.md 4: the self-computed vector (key secret12, timestamp 1717735291). */
#define VECTOR_KEY "secret12"
#define VECTOR_TS "1717735291"
static const char vector_body[] =
    "{\"id\":\"Ey6ECgOkVVFjz3CL48B8C\",\"webhookId\":\"LreFUt-Z3sSq0JufY9uWB\",\"event\":\"sms:"
    "received\",\"deviceId\":\"ffffffffceb0b1db0000018e937c815b\",\"payload\":{\"messageId\":"
    "\"abc123\",\"message\":\"Hello\",\"sender\":\"+6281234567890\",\"recipient\":"
    "\"+6289876543210\",\"simNumber\":1,\"phoneNumber\":\"+6281234567890\",\"receivedAt\":"
    "\"2024-06-07T11:41:31.000+07:00\"}}";
static const char vector_sig[] = "adad6f6275754e9620d00c19bea980fca579b823c22795814be5eb136cbd388b";

/* The vector's timestamp is from 2024: a skew of years lets it through. */
#define INI_VECTOR                                                                                 \
    "[android]\nenabled = true\napi_base = http://192.168.1.20:8080/\nusername = sms\n"            \
    "password = p4ss:word\nsigning_key = " VECTOR_KEY "\nmax_skew_seconds = 2000000000\n"
#define INI_FRESH                                                                                  \
    "[android]\nenabled = true\napi_base = http://192.168.1.20:8080\nusername = sms\n"             \
    "password = pw\nsigning_key = k3y\n"
#define INI_CLOUD                                                                                  \
    "[android]\nenabled = true\napi_base = https://api.sms-gate.app\nmode = cloud\n"               \
    "username = ABC123\npassword = pw\nsigning_key = k\nsim = 2\n"

static void hex_hmac(const char *key, const char *body, const char *ts, char out[65])
{
    size_t bl = strlen(body), tl = strlen(ts);
    char *text = malloc(bl + tl + 1);
    assert_non_null(text);
    memcpy(text, body, bl);
    memcpy(text + bl, ts, tl + 1);
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)text, bl + tl, mac, &len);
    free(text);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static enum channel_rc post(void *state, const char *body, const char *sig, const char *ts,
                            struct channel_events *ev, char *err, size_t errsz)
{
    struct channel_kv headers[] = {{"Content-Type", "application/json"},
                                   {"X-Signature", sig ? sig : ""},
                                   {"X-Timestamp", ts ? ts : ""}};
    size_t n = sig ? (ts ? 3 : 2) : 1;
    return test_decode(&channel_android, state, "POST", "", "/webhook/android", NULL, 0, headers, n,
                       body, ev, err, errsz);
}

static void test_signature_vector(void **unused)
{
    char mine[65];
    hex_hmac(VECTOR_KEY, vector_body, VECTOR_TS, mine);
    assert_string_equal(mine, vector_sig); /* this file's signer agrees with the reference */
    void *state = test_driver_state(&channel_android, INI_VECTOR);
    struct channel_events ev;
    char err[256];
    assert_int_equal(post(state, vector_body, vector_sig, VECTOR_TS, &ev, err, sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_in, 1);
    assert_string_equal(ev.in[0].from, "+6281234567890");
    assert_string_equal(ev.in[0].to, "+6289876543210");
    assert_string_equal(ev.in[0].text, "Hello");
    /* the event id, not the content-derived messageId */
    assert_string_equal(ev.in[0].provider_id, "Ey6ECgOkVVFjz3CL48B8C");
    assert_int_equal(ev.in[0].at, 1717735291); /* 11:41:31 at +07:00 */
    channel_events_free(&ev);
    /* The same signed request again is a replay. */
    assert_int_equal(post(state, vector_body, vector_sig, VECTOR_TS, &ev, err, sizeof err),
                     CHANNEL_UNAUTHORIZED);
    assert_non_null(strstr(err, "replay"));
    assert_int_equal(ev.n_in, 0);
    channel_android.fini(state);

    /* Refusals: tampered body, other timestamp, upper-case or short hex, headers missing. */
    state = test_driver_state(&channel_android, INI_VECTOR);
    char tampered[sizeof vector_body];
    memcpy(tampered, vector_body, sizeof vector_body);
    *strstr(tampered, "Hello") = 'J';
    char upper[65];
    for (size_t i = 0; i < 65; i++)
        upper[i] = vector_sig[i] >= 'a' && vector_sig[i] <= 'f' ? (char)(vector_sig[i] - 32)
                                                                : vector_sig[i];
    struct {
        const char *body, *sig, *ts;
        enum channel_rc rc;
    } cases[] = {
        {tampered, vector_sig, VECTOR_TS, CHANNEL_UNAUTHORIZED},
        {vector_body, vector_sig, "1717735292", CHANNEL_UNAUTHORIZED},
        {vector_body, vector_sig, NULL, CHANNEL_UNAUTHORIZED},
        {vector_body, NULL, NULL, CHANNEL_UNAUTHORIZED},
        {vector_body, "adad6f", VECTOR_TS, CHANNEL_UNAUTHORIZED},
        {vector_body, vector_sig, "17177352x1", CHANNEL_UNAUTHORIZED},
        {vector_body, upper, VECTOR_TS, CHANNEL_OK}, /* hex in either case */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum channel_rc rc =
            post(state, cases[i].body, cases[i].sig, cases[i].ts, &ev, err, sizeof err);
        print_message("case %zu -> %d %s\n", i, rc, err);
        assert_int_equal(rc, cases[i].rc);
        channel_events_free(&ev);
    }
    channel_android.fini(state);
}

static void test_stale_timestamps(void **unused)
{
    void *state = test_driver_state(&channel_android, INI_FRESH);
    struct channel_events ev;
    char err[256], ts[24], sig[65];
    int64_t now = (int64_t)time(NULL);
    const char *body = "{\"event\":\"system:ping\",\"payload\":{}}";
    /* now is fresh; 10 minutes either way (over the 300 s default) is stale */
    int64_t offsets[] = {0, -600, 600};
    enum channel_rc want[] = {CHANNEL_OK, CHANNEL_UNAUTHORIZED, CHANNEL_UNAUTHORIZED};
    for (size_t i = 0; i < 3; i++) {
        snprintf(ts, sizeof ts, "%lld", (long long)(now + offsets[i]));
        hex_hmac("k3y", body, ts, sig);
        enum channel_rc rc = post(state, body, sig, ts, &ev, err, sizeof err);
        print_message("offset %lld -> %d %s\n", (long long)offsets[i], rc, err);
        assert_int_equal(rc, want[i]);
        if (rc != CHANNEL_OK)
            assert_non_null(strstr(err, "stale"));
        assert_int_equal(ev.n_in + ev.n_statuses + ev.n_skipped, 0); /* a ping: nothing */
        channel_events_free(&ev);
    }
    channel_android.fini(state);
}

/* Each event as the app sends it (WebHookEventDTO + payloads), signed now. */
static void test_events(void **unused)
{
    void *state = test_driver_state(&channel_android, INI_FRESH);
    struct {
        const char *name, *body;
        enum channel_rc rc;
        size_t n_in, n_statuses, n_skipped;
        const char *id; /* provider id of the message or status */
        enum channel_delivery delivery;
        const char *error;
        int64_t at;
    } cases[] = {
        {"received, older app without event id",
         "{\"event\":\"sms:received\",\"payload\":{\"messageId\":\"msg_12345abcde\",\"message\":"
         "\"JUAL 45rb abon\",\"phoneNumber\":\"+19162255887\",\"simNumber\":1,\"receivedAt\":"
         "\"2024-06-07T11:41:31.000+07:00\"}}",
         CHANNEL_OK, 1, 0, 0, "msg_12345abcde@1717735291", 0, NULL, 1717735291},
        {"received in UTC without fraction",
         "{\"id\":\"e2\",\"event\":\"sms:received\",\"payload\":{\"message\":\"SALDO\",\"sender\":"
         "\"081234567890\",\"receivedAt\":\"2024-06-07T04:41:31Z\"}}",
         CHANNEL_OK, 1, 0, 0, "e2", 0, NULL, 1717735291},
        {"sent",
         "{\"id\":\"e3\",\"event\":\"sms:sent\",\"payload\":{\"messageId\":\"catat-42\","
         "\"phoneNumber\":\"+6281\",\"sentAt\":\"2024-06-07T11:41:31.000+07:00\","
         "\"partsCount\":1}}",
         CHANNEL_OK, 0, 1, 0, "catat-42", CHANNEL_DELIVERY_SENT, "", 1717735291},
        {"delivered",
         "{\"id\":\"e4\",\"event\":\"sms:delivered\",\"payload\":{\"messageId\":"
         "\"catat-42\",\"deliveredAt\":\"2024-06-07T11:42:00.000+07:00\"}}",
         CHANNEL_OK, 0, 1, 0, "catat-42", CHANNEL_DELIVERY_DELIVERED, "", 1717735320},
        {"failed",
         "{\"id\":\"e5\",\"event\":\"sms:failed\",\"payload\":{\"messageId\":"
         "\"catat-43\",\"failedAt\":\"2024-06-07T11:42:00.000+07:00\",\"reason\":"
         "\"RESULT_ERROR_GENERIC_FAILURE\"}}",
         CHANNEL_OK, 0, 1, 0, "catat-43", CHANNEL_DELIVERY_FAILED, "RESULT_ERROR_GENERIC_FAILURE",
         1717735320},
        {"received without sender: skipped",
         "{\"id\":\"e6\",\"event\":\"sms:received\",\"payload\":{\"message\":\"x\"}}", CHANNEL_OK,
         0, 0, 1, NULL, 0, NULL, 0},
        {"received with a bad date: skipped",
         "{\"id\":\"e7\",\"event\":\"sms:received\",\"payload\":{\"message\":\"x\",\"sender\":"
         "\"+6281\",\"receivedAt\":\"yesterday\"}}",
         CHANNEL_OK, 0, 0, 1, NULL, 0, NULL, 0},
        {"MMS: skipped",
         "{\"id\":\"e8\",\"event\":\"mms:received\",\"payload\":{\"sender\":\"+6281\"}}",
         CHANNEL_OK, 0, 0, 1, NULL, 0, NULL, 0},
        {"sent without messageId: skipped", "{\"event\":\"sms:sent\",\"payload\":{}}", CHANNEL_OK,
         0, 0, 1, NULL, 0, NULL, 0},
        {"app started: nothing", "{\"event\":\"app:started\",\"payload\":{}}", CHANNEL_OK, 0, 0, 0,
         NULL, 0, NULL, 0},
        {"no payload: skipped", "{\"event\":\"sms:received\"}", CHANNEL_OK, 0, 0, 1, NULL, 0, NULL,
         0},
        {"malformed JSON", "{\"event\":", CHANNEL_BAD_REQUEST, 0, 0, 0, NULL, 0, NULL, 0},
        {"not an object", "[]", CHANNEL_BAD_REQUEST, 0, 0, 0, NULL, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char ts[24], sig[65], err[256];
        snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
        hex_hmac("k3y", cases[i].body, ts, sig);
        struct channel_events ev;
        enum channel_rc rc = post(state, cases[i].body, sig, ts, &ev, err, sizeof err);
        test_expect_events(cases[i].name, rc, err, &ev, cases[i].rc, cases[i].n_in,
                           cases[i].n_statuses, cases[i].n_skipped);
        if (cases[i].n_in) {
            assert_string_equal(ev.in[0].provider_id, cases[i].id);
            assert_int_equal(ev.in[0].at, cases[i].at);
        }
        if (cases[i].n_statuses) {
            assert_string_equal(ev.statuses[0].provider_id, cases[i].id);
            assert_int_equal(ev.statuses[0].delivery, cases[i].delivery);
            assert_string_equal(ev.statuses[0].error, cases[i].error);
            assert_int_equal(ev.statuses[0].at, cases[i].at);
        }
        channel_events_free(&ev);
    }
    /* Only POST to /webhook/android. */
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_android, state, "GET", "", "/webhook/android", NULL, 0,
                                 NULL, 0, "", &ev, err, sizeof err),
                     CHANNEL_BAD_METHOD);
    assert_int_equal(test_decode(&channel_android, state, "POST", "x", "/webhook/android/x", NULL,
                                 0, NULL, 0, "{}", &ev, err, sizeof err),
                     CHANNEL_NOT_FOUND);
    channel_android.fini(state);
}

static void test_build_send(void **unused)
{
    void *state = test_driver_state(&channel_android, INI_VECTOR);
    struct channel_send out;
    char err[256];
    struct channel_message msg = {.to = "+6281234567890", .text = "Saldo Rp1.000", .outbox_id = 42};
    assert_int_equal(channel_android.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_string_equal(out.method, "POST");
    assert_string_equal(out.url, "http://192.168.1.20:8080/message");
    assert_string_equal(out.userpwd, "sms:p4ss:word");
    assert_string_equal(out.provider_id, "catat-42");
    assert_string_equal(out.body, "{\"textMessage\":{\"text\":\"Saldo Rp1.000\"},\"phoneNumbers\":"
                                  "[\"+6281234567890\"],\"id\":\"catat-42\","
                                  "\"withDeliveryReport\":true}");
    channel_send_free(&out);
    /* Not a phone number: refused before any request. */
    msg.to = "US.1234";
    assert_int_equal(channel_android.build_send(state, &msg, &out, err, sizeof err), -1);
    assert_true(err[0]);
    channel_android.fini(state);

    state = test_driver_state(&channel_android, INI_CLOUD);
    msg.to = "+6281234567890";
    assert_int_equal(channel_android.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_string_equal(out.url, "https://api.sms-gate.app/3rdparty/v1/message");
    assert_non_null(strstr(out.body, "\"simNumber\":2"));
    channel_send_free(&out);
    channel_android.fini(state);
}

static void test_answers(void **unused)
{
    void *state = test_driver_state(&channel_android, INI_VECTOR);
    char id[CHANNEL_ID_MAX] = "catat-42", err[256] = "";
    const char *accepted = "{\"id\":\"catat-42\",\"deviceId\":\"d1\",\"state\":\"Pending\","
                           "\"recipients\":[{\"phoneNumber\":\"+6281234567890\",\"state\":"
                           "\"Pending\"}]}";
    assert_int_equal(channel_android.read_send_response(state, 202, accepted, strlen(accepted), id,
                                                        sizeof id, err, sizeof err),
                     0);
    assert_string_equal(id, "catat-42");
    /* An answer without id keeps the id catat gave. */
    assert_int_equal(
        channel_android.read_send_response(state, 202, "", 0, id, sizeof id, err, sizeof err), 0);
    assert_string_equal(id, "catat-42");
    const char *dup = "{\"message\":\"message with id catat-42 already exists\"}";
    assert_int_equal(channel_android.read_send_error(state, 409, dup, strlen(dup), err, sizeof err),
                     CHANNEL_FAILURE_ALREADY_SENT);
    assert_non_null(strstr(err, "already exists"));
    assert_int_equal(channel_android.read_send_error(state, 500, "{}", 2, err, sizeof err),
                     CHANNEL_FAILURE_RETRY);
    const char *bad = "{\"message\":\"invalid phone number\"}";
    assert_int_equal(channel_android.read_send_error(state, 400, bad, strlen(bad), err, sizeof err),
                     CHANNEL_FAILURE_OTHER);
    assert_non_null(strstr(err, "HTTP 400: invalid phone number"));
    channel_android.fini(state);
}

static void test_configuration(void **unused)
{
    /* Enabled without a signing key, or with a bad mode: refused at start. */
    const char *bad[] = {
        "[android]\nenabled = true\nusername = u\npassword = p\n",
        "[android]\nenabled = true\nusername = u\npassword = p\nsigning_key = k\nmode = usb\n",
        "[android]\nsim = 4\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct config *cfg = test_config(bad[i]);
        void *state = NULL;
        char err[256] = "";
        assert_int_equal(channel_android.init(&state, cfg, err, sizeof err), -1);
        assert_non_null(strstr(err, "[android]"));
        assert_null(state);
        config_free(cfg);
    }
    assert_string_equal(channel_android.daily_limit_key, "daily_limit");
    assert_true(channel_android.sms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector), cmocka_unit_test(test_stale_timestamps),
        cmocka_unit_test(test_events),           cmocka_unit_test(test_build_send),
        cmocka_unit_test(test_answers),          cmocka_unit_test(test_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
