/* test_twilio.c - the Twilio driver: signature vectors, messages, statuses, sends. */
#include "channel_test.h"

#include "form.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

extern const struct channel_driver channel_twilio;

#define INI(public_url, token, from)                                                               \
    "[server]\npublic_url = " public_url "\n[twilio]\nenabled = true\naccount_sid = ACxxx\n"       \
    "auth_token = " token "\nfrom = " from "\n"

/* providers.md 2a: a real inbound body, and 2b: its self-computed signature. */
static const char courier_body[] =
    "ToCountry=US&ToState=District+Of+Columbia&SmsMessageSid=SMe287d7109a5a925f182f0e07fe5b223b&"
    "NumMedia=0&ToCity=&FromZip=01022&SmsSid=SMe287d7109a5a925f182f0e07fe5b223b&FromState=MA&"
    "SmsStatus=received&FromCity=CHICOPEE&Body=Msg&FromCountry=US&To=%2B12028831111&ToZip=&"
    "NumSegments=1&MessageSid=SMe287d7109a5a925f182f0e07fe5b223b&AccountSid=acctid&From=%"
    "2B14133881111&ApiVersion=2010-04-01";

static const char vector_body[] = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&"
                                  "From=%2B14158675309&To=%2B18005551212";

static enum channel_rc decode_signed(const char *ini, const char *method, const char *sub,
                                     const char *path, const char *body, const char *sig,
                                     struct channel_events *ev, char *err, size_t errsz)
{
    void *state = test_driver_state(&channel_twilio, ini);
    struct channel_kv headers[] = {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"x-twilio-signature", sig}};
    enum channel_rc rc = test_decode(&channel_twilio, state, method, sub, path, NULL, 0, headers,
                                     sig ? 2 : 1, body, ev, err, errsz);
    channel_twilio.fini(state);
    return rc;
}

static void test_signature_vectors(void **unused)
{
    struct {
        const char *ini, *body, *sig;
        enum channel_rc
            rc; /* OK: the signature passed; the event, without MessageSid, is skipped */
    } cases[] = {
        {INI("https://mycompany.com", "12345", "+1"), vector_body,
         "RSOYDt4T1cUTdK1PDd93/VVr8B8=", CHANNEL_OK},
        {INI("https://mycompany.com", "12345", "+1"), vector_body,
         "kvajT1Ptam85bY51eRf/AJRuM3w=", CHANNEL_OK},
        {INI("https://mycompany.com:443", "12345", "+1"), vector_body,
         "RSOYDt4T1cUTdK1PDd93/VVr8B8=", CHANNEL_OK},
        {INI("http://mycompany.com", "12345", "+1"), vector_body,
         "0ZXoZLH/DfblKGATFgpif+LLRf4=", CHANNEL_OK},
        {INI("http://mycompany.com:1234", "12345", "+1"), vector_body,
         "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", CHANNEL_OK},
        {INI("https://MyCompany.com", "12345", "+1"), vector_body,
         "g9IN/x4Cft2g517EjYvEvM/W7LU=", CHANNEL_OK},
        {INI("https://mycompany.com", "12345", "+1"), vector_body,
         "g9IN/x4Cft2g517EjYvEvM/W7LU=", CHANNEL_UNAUTHORIZED},
        {INI("https://mycompany.com", "12345", "+1"),
         "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
         "IK+Dwps556ElfBT0I3Rgjkr1wJU=", CHANNEL_OK},
        {INI("https://mycompany.com", "12345", "+1"),
         "Digits=1234&Sid=CA123&Digits=5678&SidAccount=AC123&Digits=1234",
         "IK+Dwps556ElfBT0I3Rgjkr1wJU=", CHANNEL_OK},
        {INI("https://user:pass@mycompany.com", "12345", "+1"), vector_body,
         "CukzLTc1tT5dXEDIHm/tKBanW10=", CHANNEL_OK},
        {INI("https://mycompany.com", "12346", "+1"), vector_body,
         "RSOYDt4T1cUTdK1PDd93/VVr8B8=", CHANNEL_UNAUTHORIZED},
        {INI("https://mycompany.com", "12345", "+1"), vector_body, "RSOYDt4T1cUTdK1PDd93/VVr8B8",
         CHANNEL_UNAUTHORIZED},
        {INI("https://mycompany.com", "12345", "+1"), vector_body, NULL, CHANNEL_UNAUTHORIZED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct channel_events ev;
        char err[256];
        enum channel_rc rc = decode_signed(cases[i].ini, "POST", "", "/myapp.php?foo=1&bar=2",
                                           cases[i].body, cases[i].sig, &ev, err, sizeof err);
        print_message("vector %zu -> %d %s\n", i, rc, err);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(ev.n_in, 0);
        assert_int_equal(ev.n_skipped, rc == CHANNEL_OK);
        channel_events_free(&ev);
    }
}

static void test_courier_vector(void **unused)
{
    struct channel_events ev;
    char err[256];
    assert_int_equal(decode_signed(INI("https://example.com", "6789", "+1"), "POST", "",
                                   "/twilio/sms", courier_body, "8HevM6eoGCwJL75z2t59ndOIS3E=", &ev,
                                   err, sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_in, 1);
    assert_string_equal(ev.in[0].from, "+14133881111");
    assert_string_equal(ev.in[0].to, "+12028831111");
    assert_string_equal(ev.in[0].text, "Msg");
    assert_string_equal(ev.in[0].provider_id, "SMe287d7109a5a925f182f0e07fe5b223b");
    assert_string_equal(ev.in[0].media, "");
    assert_string_equal(ev.response,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");
    assert_string_equal(ev.response_type, "text/xml");
    channel_events_free(&ev);
}

/* Signs body for url the way Twilio does, independently of the driver. */
static void sign(const char *token, const char *url, const char *body, char out[29])
{
    struct form f;
    char err[128];
    assert_int_equal(form_parse(body, strlen(body), &f, err, sizeof err), 0);
    /* insertion sort of indexes by name then value */
    size_t order[32];
    assert_true(f.n <= 32);
    for (size_t i = 0; i < f.n; i++) {
        size_t j = i;
        while (j > 0) {
            const struct form_field *a = &f.fields[order[j - 1]], *b = &f.fields[i];
            int c = strcmp(a->name, b->name);
            if (c < 0 || (c == 0 && strcmp(a->value, b->value) <= 0))
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, "%s", url);
    for (size_t i = 0; i < f.n; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", f.fields[order[i]].name,
                              f.fields[order[i]].value);
    unsigned char mac[20];
    unsigned int len = 0;
    HMAC(EVP_sha1(), token, (int)strlen(token), (unsigned char *)text, n, mac, &len);
    EVP_EncodeBlock((unsigned char *)out, mac, 20);
    form_free(&f);
}

#define CATAT_INI INI("https://catat.example.org/", "6789", "whatsapp:+14155238886")

static void test_decode_table(void **unused)
{
    struct {
        const char *name, *sub, *body;
        bool sign;
        enum channel_rc rc;
        size_t n_in, n_statuses, n_skipped;
        const char *from, *text, *media;
        enum channel_delivery delivery;
        const char *error;
    } cases[] = {
        {.name = "WhatsApp text",
         .body = "From=whatsapp%3A%2B6281234567890&To=whatsapp%3A%2B14155238886&Body=JUAL+45rb+"
                 "abon%0ASALDO&MessageSid=SM1&NumMedia=0&ProfileName=Siti",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_in = 1,
         .from = "+6281234567890",
         .text = "JUAL 45rb abon\nSALDO",
         .media = ""},
        {.name = "media with caption",
         .body = "From=%2B6281&Body=nota&MessageSid=SM2&NumMedia=1&MediaContentType0=image%2Fjpeg&"
                 "MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_in = 1,
         .from = "+6281",
         .text = "nota",
         .media = "image"},
        {.name = "a pdf",
         .body = "From=%2B6281&MessageSid=SM3&NumMedia=1&MediaContentType0=application%2Fpdf",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_in = 1,
         .from = "+6281",
         .text = "",
         .media = "document"},
        {.name = "bad signature",
         .body = "From=%2B6281&Body=x&MessageSid=SM4",
         .sign = false,
         .rc = CHANNEL_UNAUTHORIZED},
        {.name = "missing MessageSid",
         .body = "From=%2B6281&Body=x",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_skipped = 1},
        {.name = "missing From",
         .body = "Body=x&MessageSid=SM5",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_skipped = 1},
        {.name = "bad NumMedia",
         .body = "From=%2B6281&MessageSid=SM6&NumMedia=x",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_skipped = 1},
        {.name = "malformed form",
         .body = "From=%2B6281&Body=100%&MessageSid=SM7",
         .sign = false,
         .rc = CHANNEL_BAD_REQUEST},
        {.name = "invalid UTF-8",
         .body = "From=%2B6281&Body=%FF&MessageSid=SM7",
         .sign = false,
         .rc = CHANNEL_BAD_REQUEST},
        {.name = "status delivered",
         .sub = "status",
         .body = "SmsSid=SMe08a&SmsStatus=delivered&MessageStatus=delivered&To=%2B17046612244&"
                 "MessageSid=SMe08a&AccountSid=AC1&From=%2B12028398478&ApiVersion=2010-04-01",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_statuses = 1,
         .delivery = CHANNEL_DELIVERY_DELIVERED,
         .error = ""},
        {.name = "status failed",
         .sub = "status",
         .body = "ErrorCode=21610&MessageSid=SMe287d7109a5a925f182f0e07fe5b223b&MessageStatus="
                 "failed&To=%2B12028831111",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_statuses = 1,
         .delivery = CHANNEL_DELIVERY_FAILED,
         .error = "21610: failed"},
        {.name = "status undelivered",
         .sub = "status",
         .body = "ErrorCode=30003&MessageSid=SMe08a&MessageStatus=undelivered",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_statuses = 1,
         .delivery = CHANNEL_DELIVERY_FAILED,
         .error = "30003: undelivered"},
        {.name = "status sent",
         .sub = "status",
         .body = "MessageSid=SMe08a&MessageStatus=sent",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_statuses = 1,
         .delivery = CHANNEL_DELIVERY_SENT,
         .error = ""},
        {.name = "status read",
         .sub = "status",
         .body = "MessageSid=SMe08a&MessageStatus=read",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_statuses = 1,
         .delivery = CHANNEL_DELIVERY_READ,
         .error = ""},
        {.name = "status queued ignored",
         .sub = "status",
         .body = "MessageSid=SMe08a&MessageStatus=queued",
         .sign = true,
         .rc = CHANNEL_OK},
        {.name = "status without MessageStatus",
         .sub = "status",
         .body = "MessageSid=SMe08a",
         .sign = true,
         .rc = CHANNEL_OK,
         .n_skipped = 1},
        {.name = "status unsigned",
         .sub = "status",
         .body = "MessageSid=SMe08a&MessageStatus=delivered",
         .sign = false,
         .rc = CHANNEL_UNAUTHORIZED},
    };
    void *state = test_driver_state(&channel_twilio, CATAT_INI);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sub = cases[i].sub ? cases[i].sub : "";
        char path[64], url[128], sig[29] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        snprintf(path, sizeof path, "/webhook/twilio%s%s", sub[0] ? "/" : "", sub);
        snprintf(url, sizeof url, "https://catat.example.org%s", path);
        if (cases[i].sign)
            sign("6789", url, cases[i].body, sig);
        struct channel_kv headers[] = {{"X-Twilio-Signature", sig}};
        struct channel_events ev;
        char err[256];
        enum channel_rc rc = test_decode(&channel_twilio, state, "POST", sub, path, NULL, 0,
                                         headers, 1, cases[i].body, &ev, err, sizeof err);
        test_expect_events(cases[i].name, rc, err, &ev, cases[i].rc, cases[i].n_in,
                           cases[i].n_statuses, cases[i].n_skipped);
        if (cases[i].n_in) {
            assert_string_equal(ev.in[0].from, cases[i].from);
            assert_string_equal(ev.in[0].text, cases[i].text);
            assert_string_equal(ev.in[0].media, cases[i].media);
            assert_string_equal(ev.response_type, "text/xml");
        }
        if (cases[i].n_statuses) {
            assert_int_equal(ev.statuses[0].delivery, cases[i].delivery);
            assert_string_equal(ev.statuses[0].error, cases[i].error);
            assert_true(ev.statuses[0].provider_id[0] == 'S');
        }
        if (rc != CHANNEL_OK)
            assert_true(err[0]);
        channel_events_free(&ev);
    }
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_twilio, state, "GET", "", "/webhook/twilio", NULL, 0,
                                 NULL, 0, NULL, &ev, err, sizeof err),
                     CHANNEL_BAD_METHOD);
    assert_int_equal(test_decode(&channel_twilio, state, "POST", "dlr", "/webhook/twilio/dlr", NULL,
                                 0, NULL, 0, NULL, &ev, err, sizeof err),
                     CHANNEL_NOT_FOUND);
    channel_twilio.fini(state);

    /* No auth_token: requests are taken unsigned. */
    state = test_driver_state(&channel_twilio, "[twilio]\nfrom = +1\n");
    assert_int_equal(test_decode(&channel_twilio, state, "POST", "", "/webhook/twilio", NULL, 0,
                                 NULL, 0, "From=%2B6281&Body=x&MessageSid=SM9", &ev, err,
                                 sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_in, 1);
    channel_events_free(&ev);
    channel_twilio.fini(state);
}

static void test_build_send(void **unused)
{
    struct {
        const char *ini, *public_url, *body;
    } cases[] = {
        {INI("https://catat.example.org", "6789", "+15017122661"), NULL,
         "To=%2B6281234567890&From=%2B15017122661&Body=Pengingat%3A+setor+tabungan+hari+Jumat&"
         "StatusCallback=https%3A%2F%2Fcatat.example.org%2Fwebhook%2Ftwilio%2Fstatus"},
        {CATAT_INI, "https://other.example.org/",
         "To=whatsapp%3A%2B6281234567890&From=whatsapp%3A%2B14155238886&Body=Pengingat%3A+setor+"
         "tabungan+hari+Jumat&StatusCallback=https%3A%2F%2Fother.example.org%2Fwebhook%2Ftwilio%"
         "2Fstatus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *state = test_driver_state(&channel_twilio, cases[i].ini);
        struct channel_message msg = {.to = "+6281234567890",
                                      .text = "Pengingat: setor tabungan hari Jumat",
                                      .outbox_id = 3,
                                      .public_url = cases[i].public_url};
        struct channel_send out;
        char err[256] = "";
        assert_int_equal(channel_twilio.build_send(state, &msg, &out, err, sizeof err), 0);
        assert_string_equal(out.method, "POST");
        assert_string_equal(out.url, "https://api.twilio.com/2010-04-01/Accounts/ACxxx/"
                                     "Messages.json");
        assert_string_equal(out.body, cases[i].body);
        assert_string_equal(out.userpwd, "ACxxx:6789");
        assert_int_equal(out.n_headers, 1);
        assert_string_equal(out.headers[0], "Content-Type: application/x-www-form-urlencoded");
        assert_string_equal(out.provider_id, "");
        channel_send_free(&out);
        channel_twilio.fini(state);
    }
}

/* Replies go out from the address she wrote to; outside WhatsApp's window a Content template;
 * Twilio's refusals classified by code. */
static void test_reply_address_template_and_errors(void **unused)
{
    void *state = test_driver_state(&channel_twilio, INI("https://catat.example.org", "6789",
                                                         "+15017122661") "content_sid = HX0123\n");
    struct channel_send out;
    char err[256] = "";
    struct channel_message msg = {.to = "+6281234567890",
                                  .text = "Saldo Rp1.000",
                                  .in_window = true,
                                  .from = "whatsapp:+14155238886"};
    assert_int_equal(channel_twilio.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_string_equal(out.body, "To=whatsapp%3A%2B6281234567890&From=whatsapp%3A%2B14155238886&"
                                  "Body=Saldo+Rp1.000&StatusCallback=https%3A%2F%2Fcatat.example."
                                  "org%2Fwebhook%2Ftwilio%2Fstatus");
    channel_send_free(&out);
    /* Outside the window on WhatsApp: the template, the text as its variable 1. */
    msg.in_window = false;
    assert_int_equal(channel_twilio.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_string_equal(out.body, "To=whatsapp%3A%2B6281234567890&From=whatsapp%3A%2B14155238886&"
                                  "ContentSid=HX0123&ContentVariables=%7B%221%22%3A%22Saldo+Rp1."
                                  "000%22%7D&StatusCallback=https%3A%2F%2Fcatat.example.org%2F"
                                  "webhook%2Ftwilio%2Fstatus");
    channel_send_free(&out);
    /* SMS has no window: text, from the SMS number she wrote to. */
    msg.from = "+6281100000000";
    assert_int_equal(channel_twilio.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_non_null(strstr(out.body, "To=%2B6281234567890&From=%2B6281100000000&Body=Saldo"));
    channel_send_free(&out);
    /* A business-scoped user id on WhatsApp. */
    msg.from = "whatsapp:+14155238886";
    msg.to = "US.1234";
    msg.in_window = true;
    assert_int_equal(channel_twilio.build_send(state, &msg, &out, err, sizeof err), 0);
    assert_non_null(strstr(out.body, "To=whatsapp%3AUS.1234&"));
    channel_send_free(&out);
    struct {
        long http;
        const char *body;
        enum channel_failure want;
    } cases[] = {
        {400,
         "{\"code\":21610,\"message\":\"Attempt to send to unsubscribed recipient\","
         "\"status\":400}",
         CHANNEL_FAILURE_OPTED_OUT},
        {400, "{\"code\":63016,\"message\":\"Outside messaging window\",\"status\":400}",
         CHANNEL_FAILURE_UNDELIVERABLE},
        {400, "{\"code\":21211,\"message\":\"Invalid 'To' Phone Number\",\"status\":400}",
         CHANNEL_FAILURE_OTHER},
        {429, "{\"code\":20429,\"message\":\"Too Many Requests\"}", CHANNEL_FAILURE_RETRY},
        {500, "", CHANNEL_FAILURE_RETRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum channel_failure f = channel_twilio.read_send_error(
            state, cases[i].http, cases[i].body, strlen(cases[i].body), err, sizeof err);
        print_message("error %zu -> %d %s\n", i, f, err);
        assert_int_equal(f, cases[i].want);
    }
    channel_twilio.fini(state);
    assert_int_equal(channel_twilio.window_seconds, 24 * 3600);
    assert_string_equal(channel_twilio.window_prefix, "whatsapp:");
}

/* What a WhatsApp message through Twilio carries: the To kept with its prefix (the reply's
 * sender), media URLs and types, a location, a user id; 21610 in a status opts her out. */
static void test_real_shaped_inbound(void **unused)
{
    struct {
        const char *body;
        const char *from, *to, *media, *media_ref, *mime, *meta;
    } cases[] = {
        {"From=whatsapp%3A%2B6281234567890&To=whatsapp%3A%2B14155238886&Body=nota&MessageSid=SM1&"
         "NumMedia=2&MediaContentType0=image%2Fjpeg&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-"
         "04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME1&MediaContentType1=audio%2Fogg&"
         "MediaUrl1=https%3A%2F%2Fapi.twilio.com%2FME2",
         "+6281234567890", "whatsapp:+14155238886", "image",
         "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg",
         "{\"media\":[{\"url\":\"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/"
         "Media/ME1\",\"type\":\"image/jpeg\"},{\"url\":\"https://api.twilio.com/ME2\",\"type\":"
         "\"audio/ogg\"}]}"},
        {"From=whatsapp%3A%2B6281234567890&To=whatsapp%3A%2B14155238886&Body=&MessageSid=SM2&"
         "NumMedia=0&Latitude=-7.9666&Longitude=112.6326&Address=Jl.+Pasar+Besar&Label=Pasar",
         "+6281234567890", "whatsapp:+14155238886", "location", "", "",
         "{\"latitude\":-7.9666,\"longitude\":112.6326,\"address\":\"Jl. Pasar Besar\","
         "\"name\":\"Pasar\"}"},
        {"From=whatsapp%3AUS.1234&To=whatsapp%3A%2B14155238886&Body=SALDO&MessageSid=SM3",
         "US.1234", "whatsapp:+14155238886", "", "", "", NULL},
        /* a WhatsApp From with a bare To: the reply must still go on WhatsApp */
        {"From=whatsapp%3A%2B6281234567890&To=%2B14155238886&Body=SALDO&MessageSid=SM4",
         "+6281234567890", "whatsapp:+14155238886", "", "", "", NULL},
        {"From=%2B6281234567890&To=%2B6281100000000&Body=SALDO&MessageSid=SM5", "+6281234567890",
         "+6281100000000", "", "", "", NULL},
    };
    void *state =
        test_driver_state(&channel_twilio, INI("https://catat.example.org", "6789", "+1"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sig[29];
        sign("6789", "https://catat.example.org/webhook/twilio", cases[i].body, sig);
        struct channel_kv headers[] = {{"X-Twilio-Signature", sig}};
        struct channel_events ev;
        char err[256];
        enum channel_rc rc = test_decode(&channel_twilio, state, "POST", "", "/webhook/twilio",
                                         NULL, 0, headers, 1, cases[i].body, &ev, err, sizeof err);
        print_message("inbound %zu -> %d %s\n", i, rc, err);
        assert_int_equal(rc, CHANNEL_OK);
        assert_int_equal(ev.n_in, 1);
        assert_string_equal(ev.in[0].from, cases[i].from);
        assert_string_equal(ev.in[0].to, cases[i].to);
        assert_string_equal(ev.in[0].media, cases[i].media);
        assert_string_equal(ev.in[0].media_ref, cases[i].media_ref);
        assert_string_equal(ev.in[0].mime, cases[i].mime);
        if (cases[i].meta)
            assert_string_equal(ev.in[0].meta, cases[i].meta);
        else
            assert_null(ev.in[0].meta);
        channel_events_free(&ev);
    }
    const char *stop = "ErrorCode=21610&MessageSid=SMe287d7109a5a925f182f0e07fe5b223b&"
                       "MessageStatus=undelivered&To=%2B12028831111";
    char sig[29];
    sign("6789", "https://catat.example.org/webhook/twilio/status", stop, sig);
    struct channel_kv headers[] = {{"X-Twilio-Signature", sig}};
    struct channel_events ev;
    char err[256];
    assert_int_equal(test_decode(&channel_twilio, state, "POST", "status", "/webhook/twilio/status",
                                 NULL, 0, headers, 1, stop, &ev, err, sizeof err),
                     CHANNEL_OK);
    assert_int_equal(ev.n_statuses, 1);
    assert_int_equal(ev.statuses[0].failure, CHANNEL_FAILURE_OPTED_OUT);
    channel_events_free(&ev);
    channel_twilio.fini(state);
}

static void test_read_send_response(void **unused)
{
    void *state = test_driver_state(&channel_twilio, CATAT_INI);
    struct {
        const char *body;
        int rc;
        const char *id;
    } cases[] = {
        {"{\"sid\":\"SM1234\",\"status\":\"queued\",\"to\":\"+6281\",\"num_segments\":\"1\"}", 0,
         "SM1234"},
        {"{\"status\":\"queued\"}", -1, ""},
        {"{\"sid\":7}", -1, ""},
        {"<Response/>", -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[CHANNEL_ID_MAX] = "", err[256] = "";
        assert_int_equal(channel_twilio.read_send_response(state, 201, cases[i].body,
                                                           strlen(cases[i].body), id, sizeof id,
                                                           err, sizeof err),
                         cases[i].rc);
        assert_string_equal(id, cases[i].id);
    }
    channel_twilio.fini(state);
    assert_ptr_equal(channel_find("twilio"), &channel_twilio);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vectors),
        cmocka_unit_test(test_courier_vector),
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_build_send),
        cmocka_unit_test(test_read_send_response),
        cmocka_unit_test(test_reply_address_template_and_errors),
        cmocka_unit_test(test_real_shaped_inbound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
