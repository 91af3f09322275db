/* test_kannel.c - the Kannel driver: MO requests (GET and POST), secrets, DLRs, sendsms URLs. */
#include "channel_test.h"

extern const struct channel_driver channel_kannel;

#define INI_SECRET                                                                                 \
    "[server]\npublic_url = https://catat.example.org/\n[kannel]\nenabled = true\n"                \
    "sendsms_url = http://127.0.0.1:13013/cgi-bin/sendsms\nusername = catat\n"                     \
    "password = p@ss word\nsecret = s3cr3t\nfrom = 1234\nsmsc = FAKE\n"
#define INI_OPEN                                                                                   \
    "[server]\nlisten = 127.0.0.1\nport = 8080\n[kannel]\nsendsms_url = "                          \
    "http://kannel:13013/cgi-bin/sendsms?x=1\nusername = u\npassword = p\n"

struct mo_case {
    const char *name;
    const char *method;
    const char *query; /* "k=v&k=v", already decoded values, split here */
    const char *body;  /* form body for POST */
    enum channel_rc rc;
    const char *from, *to, *text, *id;
    int64_t at;
};

static const struct mo_case mo_cases[] = {
    {.name = "GET as the recommended get-url sends it",
     .method = "GET",
     .query = "from=6281234567|to=1234|text=JUAL 45rb abon\nSALDO|id=5f6b6478-949b-4a71-93c0-"
              "b238f687b257|smsc=FAKE|ts=1795343977|charset=UTF-8|secret=s3cr3t",
     .rc = CHANNEL_OK,
     .from = "6281234567",
     .to = "1234",
     .text = "JUAL 45rb abon\nSALDO",
     .id = "5f6b6478-949b-4a71-93c0-b238f687b257",
     .at = 1795343977},
    {.name = "POST form body",
     .method = "POST",
     .body = "from=%2B6281234567&to=1234&text=Bayar+150rb+%E2%82%AC&id=abc-1&smsc=FAKE&ts=1&"
             "secret=s3cr3t",
     .rc = CHANNEL_OK,
     .from = "+6281234567",
     .to = "1234",
     .text = "Bayar 150rb \xe2\x82\xac",
     .id = "abc-1",
     .at = 1},
    {.name = "POST with the secret in the URL",
     .method = "POST",
     .query = "secret=s3cr3t",
     .body = "from=6281&text=HELP&id=i2",
     .rc = CHANNEL_OK,
     .from = "6281",
     .to = "",
     .text = "HELP",
     .id = "i2"},
    {.name = "empty text is a message",
     .method = "GET",
     .query = "from=6281|text=|id=i3|secret=s3cr3t",
     .rc = CHANNEL_OK,
     .from = "6281",
     .to = "",
     .text = "",
     .id = "i3"},
    {.name = "wrong secret",
     .method = "GET",
     .query = "from=6281|text=x|id=i|secret=s3cr3",
     .rc = CHANNEL_UNAUTHORIZED},
    {.name = "missing secret",
     .method = "GET",
     .query = "from=6281|text=x|id=i",
     .rc = CHANNEL_UNAUTHORIZED},
    {.name = "missing id (get-url without %I)",
     .method = "GET",
     .query = "from=6281|text=x|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "missing from",
     .method = "GET",
     .query = "text=x|id=i|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "missing text",
     .method = "GET",
     .query = "from=6281|id=i|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "UTF-16 without mo-recode",
     .method = "GET",
     .query = "from=6281|text=x|id=i|charset=UTF-16BE|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "invalid UTF-8 text",
     .method = "GET",
     .query = "from=6281|text=\xc3(|id=i|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "bad ts",
     .method = "GET",
     .query = "from=6281|text=x|id=i|ts=2026-11-22|secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "malformed form",
     .method = "POST",
     .body = "from=6281&text=50%&id=i&secret=s3cr3t",
     .rc = CHANNEL_BAD_REQUEST},
    {.name = "PUT", .method = "PUT", .query = "", .rc = CHANNEL_BAD_METHOD},
};

/* Splits "k=v|k=v" into kv pairs pointing into buf. */
static size_t split_query(char *buf, struct channel_kv *kv, size_t max)
{
    size_t n = 0;
    char *p = buf;
    while (p && *p && n < max) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        kv[n++] = (struct channel_kv){p, eq ? eq + 1 : ""};
        p = bar ? bar + 1 : NULL;
    }
    return n;
}

static void test_mo(void **unused)
{
    void *state = test_driver_state(&channel_kannel, INI_SECRET);
    for (size_t i = 0; i < sizeof mo_cases / sizeof mo_cases[0]; i++) {
        const struct mo_case *c = &mo_cases[i];
        char buf[512] = "";
        struct channel_kv query[16];
        snprintf(buf, sizeof buf, "%s", c->query ? c->query : "");
        size_t n = split_query(buf, query, 16);
        struct channel_events ev;
        char err[256];
        enum channel_rc rc = test_decode(&channel_kannel, state, c->method, "", "/webhook/kannel",
                                         query, n, NULL, 0, c->body, &ev, err, sizeof err);
        print_message("case: %s -> %d %s\n", c->name, rc, err);
        assert_int_equal(rc, c->rc);
        if (rc == CHANNEL_OK) {
            assert_int_equal(ev.n_in, 1);
            assert_int_equal(ev.n_statuses, 0);
            assert_string_equal(ev.in[0].from, c->from);
            assert_string_equal(ev.in[0].to, c->to);
            assert_string_equal(ev.in[0].text, c->text);
            assert_string_equal(ev.in[0].provider_id, c->id);
            assert_string_equal(ev.in[0].media, "");
            assert_int_equal(ev.in[0].at, c->at);
            assert_string_equal(ev.response, "");
            assert_string_equal(ev.response_type, "text/plain");
        } else {
            assert_true(err[0]);
            assert_int_equal(ev.n_in, 0);
        }
        channel_events_free(&ev);
    }
    channel_kannel.fini(state);
}

static void test_no_secret_configured(void **unused)
{
    void *state = test_driver_state(&channel_kannel, INI_OPEN);
    struct channel_kv query[] = {{"from", "6281"}, {"text", "SALDO"}, {"id", "u1"}};
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_kannel, state, "GET", "", "/webhook/kannel", query, 3,
                                 NULL, 0, NULL, &ev, err, sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_in, 1);
    channel_events_free(&ev);
    channel_kannel.fini(state);
}

static void test_dlr(void **unused)
{
    void *state = test_driver_state(&channel_kannel, INI_SECRET);
    struct {
        const char *method, *id, *status, *secret;
        enum channel_rc rc;
        size_t n;
        enum channel_delivery delivery;
        const char *error;
    } cases[] = {
        {"GET", "42", "1", "s3cr3t", CHANNEL_OK, 1, CHANNEL_DELIVERY_DELIVERED, ""},
        {"GET", "42", "2", "s3cr3t", CHANNEL_OK, 1, CHANNEL_DELIVERY_FAILED,
         "2: not delivered to the phone"},
        {"GET", "42", "4", "s3cr3t", CHANNEL_OK, 0, 0, NULL},
        {"GET", "42", "8", "s3cr3t", CHANNEL_OK, 1, CHANNEL_DELIVERY_SENT, ""},
        {"GET", "42", "16", "s3cr3t", CHANNEL_OK, 1, CHANNEL_DELIVERY_FAILED,
         "16: rejected by the SMSC"},
        {"GET", "42", "32", "s3cr3t", CHANNEL_OK, 0, 0, NULL},
        {"GET", "42", "1", "nope", CHANNEL_UNAUTHORIZED, 0, 0, NULL},
        {"GET", "42", "1", NULL, CHANNEL_UNAUTHORIZED, 0, 0, NULL},
        {"GET", NULL, "1", "s3cr3t", CHANNEL_BAD_REQUEST, 0, 0, NULL},
        {"GET", "4x", "1", "s3cr3t", CHANNEL_BAD_REQUEST, 0, 0, NULL},
        {"GET", "0", "1", "s3cr3t", CHANNEL_BAD_REQUEST, 0, 0, NULL},
        {"GET", "42", NULL, "s3cr3t", CHANNEL_BAD_REQUEST, 0, 0, NULL},
        {"GET", "42", "%d", "s3cr3t", CHANNEL_BAD_REQUEST, 0, 0, NULL},
        {"POST", "42", "1", "s3cr3t", CHANNEL_BAD_METHOD, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct channel_kv query[3];
        size_t n = 0;
        if (cases[i].id)
            query[n++] = (struct channel_kv){"id", cases[i].id};
        if (cases[i].status)
            query[n++] = (struct channel_kv){"status", cases[i].status};
        if (cases[i].secret)
            query[n++] = (struct channel_kv){"secret", cases[i].secret};
        struct channel_events ev;
        char err[256];
        assert_int_equal(test_decode(&channel_kannel, state, cases[i].method, "dlr",
                                     "/webhook/kannel/dlr", query, n, NULL, 0, NULL, &ev, err,
                                     sizeof err),
                         cases[i].rc);
        assert_int_equal(ev.n_statuses, cases[i].n);
        assert_int_equal(ev.n_in, 0);
        if (cases[i].n) {
            assert_string_equal(ev.statuses[0].provider_id, "42");
            assert_int_equal(ev.statuses[0].delivery, cases[i].delivery);
            assert_string_equal(ev.statuses[0].error, cases[i].error);
        }
        channel_events_free(&ev);
    }
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_kannel, state, "GET", "other", "/webhook/kannel/other",
                                 NULL, 0, NULL, 0, NULL, &ev, err, sizeof err),
                     CHANNEL_NOT_FOUND);
    channel_kannel.fini(state);
}

static void test_build_send(void **unused)
{
    struct {
        const char *ini, *to, *text, *public_url;
        int64_t outbox_id;
        const char *url;
    } cases[] = {
        {INI_SECRET, "+6281234567890", "Penjualan Rp45.000 dicatat. BATAL K7QX", NULL, 42,
         "http://127.0.0.1:13013/cgi-bin/sendsms?username=catat&password=p%40ss+word&to="
         "%2B6281234567890&text=Penjualan+Rp45.000+dicatat.+BATAL+K7QX&from=1234&smsc=FAKE&"
         "dlr-mask=31&dlr-url=https%3A%2F%2Fcatat.example.org%2Fwebhook%2Fkannel%2Fdlr%3Fid%3D42%"
         "26status%3D%25d%26secret%3Ds3cr3t"},
        /* not GSM-7: UCS-2 */
        {INI_SECRET, "+6281234567890", "Halo \xf0\x9f\x98\x80", "http://10.0.0.2:8080/", 7,
         "http://127.0.0.1:13013/cgi-bin/sendsms?username=catat&password=p%40ss+word&to="
         "%2B6281234567890&text=Halo+%F0%9F%98%80&from=1234&smsc=FAKE&coding=2&charset=UTF-8&"
         "dlr-mask=31&dlr-url=http%3A%2F%2F10.0.0.2%3A8080%2Fwebhook%2Fkannel%2Fdlr%3Fid%3D7%"
         "26status%3D%25d%26secret%3Ds3cr3t"},
        /* GSM-7 with an extension character (euro) stays 7-bit; no secret, no from, no smsc */
        {INI_OPEN, "+62812", "Saldo \xe2\x82\xac 5", NULL, 9000000000,
         "http://kannel:13013/cgi-bin/sendsms?x=1&username=u&password=p&to=%2B62812&text=Saldo+"
         "%E2%82%AC+5&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fwebhook%2Fkannel%2Fdlr%"
         "3Fid%3D9000000000%26status%3D%25d"},
        /* [kannel] callback_url wins over public_url (which points at nginx for Twilio) */
        {INI_SECRET "callback_url = http://127.0.0.1:8080/\n", "+6281234567890", "SALDO",
         "https://catat.example.org", 5,
         "http://127.0.0.1:13013/cgi-bin/sendsms?username=catat&password=p%40ss+word&to="
         "%2B6281234567890&text=SALDO&from=1234&smsc=FAKE&dlr-mask=31&dlr-url=http%3A%2F%2F127.0."
         "0.1%3A8080%2Fwebhook%2Fkannel%2Fdlr%3Fid%3D5%26status%3D%25d%26secret%3Ds3cr3t"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *state = test_driver_state(&channel_kannel, cases[i].ini);
        struct channel_message msg = {.to = cases[i].to,
                                      .text = cases[i].text,
                                      .outbox_id = cases[i].outbox_id,
                                      .public_url = cases[i].public_url};
        struct channel_send out;
        char err[256] = "";
        assert_int_equal(channel_kannel.build_send(state, &msg, &out, err, sizeof err), 0);
        assert_string_equal(out.method, "GET");
        assert_string_equal(out.url, cases[i].url);
        assert_null(out.body);
        assert_null(out.userpwd);
        assert_int_equal(out.n_headers, 0);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)cases[i].outbox_id);
        assert_string_equal(out.provider_id, id);
        channel_send_free(&out);
        channel_kannel.fini(state);
    }
}

static void test_read_send_response(void **unused)
{
    void *state = test_driver_state(&channel_kannel, INI_SECRET);
    struct {
        long status;
        const char *body;
        int rc;
    } cases[] = {
        {202, "0: Accepted for delivery", 0},
        {202, "3: Queued for later delivery", 0},
        {200, "<html>proxy</html>", -1},
        {202, "", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[CHANNEL_ID_MAX] = "42", err[256] = "";
        assert_int_equal(channel_kannel.read_send_response(state, cases[i].status, cases[i].body,
                                                           strlen(cases[i].body), id, sizeof id,
                                                           err, sizeof err),
                         cases[i].rc);
        if (cases[i].rc == 0)
            assert_string_equal(id, "42"); /* the outbox id stays the provider id */
        else
            assert_true(err[0]);
    }
    channel_kannel.fini(state);
    assert_ptr_equal(channel_find("kannel"), &channel_kannel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mo),
        cmocka_unit_test(test_no_secret_configured),
        cmocka_unit_test(test_dlr),
        cmocka_unit_test(test_build_send),
        cmocka_unit_test(test_read_send_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
