/* auth.c - signing in with a one-time code sent over the person's own channel, sessions in a
 * cookie, and the CSRF token of every form (product.md section 8). Codes and session tokens
 * are stored only as SHA-256 hashes, compared in constant time, and never logged. */
#include "web_internal.h"

#include "config.h"
#include "domain.h"
#include "log.h"
#include "outbox.h"
#include "phone.h"
#include "reach.h"
#include "runtime.h"
#include "store_web.h"
#include "templates.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#define CODE_SECONDS 600     /* a code lasts 10 minutes */
#define CODE_TRIES 5         /* five wrong tries end it */
#define LIMIT_WINDOW 3600    /* the sign-in limits count the last hour */
#define LIMIT_PER_PHONE 5    /* codes sent to one phone */
#define LIMIT_PER_ADDRESS 60 /* sign-in requests from one address */
#define TOKEN_BYTES 32

void auth_sha256_hex(const char *s, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The hash a code is stored under: bound to the person, so equal codes differ. */
static void code_hash(int64_t person_id, const char *code, char out[65])
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "code:%lld:%s", (long long)person_id, code);
    auth_sha256_hex(buf, (size_t)n, out);
}

static void csrf_of(const char *token, char out[65])
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, "csrf:%s", token);
    auth_sha256_hex(buf, (size_t)n, out);
}

static bool equal_hex(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && la > 0 && CRYPTO_memcmp(a, b, la) == 0;
}

int auth_session(struct page *p)
{
    const char *token = p->rq->session;
    if (!token || strlen(token) != 2 * TOKEN_BYTES)
        return 0;
    char hash[65];
    auth_sha256_hex(token, strlen(token), hash);
    int64_t person_id = 0, last_seen = 0;
    int rc = store_web_session_get(p->s, hash, &person_id, &last_seen);
    if (rc <= 0)
        return rc;
    if (p->now - last_seen > p->w->session_seconds) {
        store_web_session_end(p->s, hash, p->now);
        return 0;
    }
    rc = store_person_by_id(p->s, person_id, &p->me);
    if (rc < 0)
        return -1;
    if (rc == 0 || !domain_is_staff(&p->me)) /* no longer staff: the session ends */
        return store_web_session_end(p->s, hash, p->now);
    if (store_web_session_touch(p->s, hash, p->now) != 0)
        return -1;
    p->signed_in = true;
    p->lang = domain_language(&p->w->rt->domain, &p->me);
    csrf_of(token, p->csrf);
    struct store_group g;
    if (p->me.group_id && store_group_by_id(p->s, p->me.group_id, &g) == 1)
        p->my_network = g.network_id;
    return 0;
}

bool auth_csrf_ok(const struct page *p)
{
    return equal_hex(web_form_get(&p->form, "csrf"), p->csrf);
}

/* Starts a login page: the title, then the error (a word key) if there is one. */
static void login_begin(struct page *p, const char *error_key)
{
    html_begin(p, "login_title", NULL);
    if (error_key) {
        html_raw(p, "<p class=\"err\">");
        html_word(p, error_key);
        html_raw(p, "</p>");
    }
}

static void phone_form(struct page *p, const char *error_key)
{
    login_begin(p, error_key);
    html_raw(p, "<p>");
    html_word(p, "help");
    html_raw(p, "</p><form method=\"post\" action=\"/app/login\"><label for=\"phone\">");
    html_word(p, "login_phone");
    html_raw(p, "</label><input id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"tel\" "
                "required> <button>");
    html_word(p, "login_send");
    html_raw(p, "</button></form>");
    html_end(p);
}

void auth_login_page(struct page *p)
{
    if (p->signed_in)
        return web_redirect(p, "/app/");
    phone_form(p, NULL);
    html_respond(p, 200);
}

static void code_form(struct page *p, const char *phone, const char *error_key, int status)
{
    login_begin(p, error_key);
    html_raw(p, "<p>");
    html_word(p, "login_code_sent");
    html_raw(p, "</p><form method=\"post\" action=\"/app/login/code\">"
                "<input type=\"hidden\" name=\"phone\" value=\"");
    html_text(p, phone);
    html_raw(p, "\"><label for=\"code\">");
    html_word(p, "login_code");
    html_raw(p, "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" "
                "autocomplete=\"one-time-code\" maxlength=\"6\" required> <button>");
    html_word(p, "login_enter");
    html_raw(p, "</button></form><p><a href=\"/app/login\">");
    html_word(p, "login_again");
    html_raw(p, "</a></p>");
    html_end(p);
    html_respond(p, status);
}

/* Counts a sign-in request from the client's address; false when over the limit. */
static int address_allowed(struct page *p)
{
    const char *addr = p->rq->address && p->rq->address[0] ? p->rq->address : "?";
    int n = store_web_attempts_since(p->s, "address", addr, p->now - LIMIT_WINDOW);
    if (n < 0 || store_web_attempt_add(p->s, "address", addr, p->now) != 0)
        return -1;
    return n < LIMIT_PER_ADDRESS;
}

/* A six-digit code, uniform: bytes above the largest multiple of 10^6 are drawn again. */
static int new_code(char out[7])
{
    for (int i = 0; i < 16; i++) {
        unsigned char b[4];
        if (RAND_bytes(b, sizeof b) != 1)
            return -1;
        uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (v >= 4294000000u)
            continue;
        snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
        return 0;
    }
    return -1;
}

void auth_login_post(struct page *p)
{
    const char *typed = web_form_get(&p->form, "phone");
    char e164[PHONE_E164_MAX];
    int allowed = address_allowed(p);
    if (allowed < 0)
        return web_fail(p);
    if (!allowed) {
        phone_form(p, "login_limited");
        return html_respond(p, 429);
    }
    if (phone_normalize(typed, strlen(typed), config_get(p->w->rt->cfg, "locale", "country_code"),
                        e164) != 0) {
        phone_form(p, "login_bad_phone");
        return html_respond(p, 400);
    }
    struct store_person who;
    int rc = store_person_by_phone(p->s, e164, &who);
    if (rc < 0)
        return web_fail(p);
    /* The same answer whether or not the phone is staff's: the page tells no one who is. */
    if (rc == 0 || !domain_is_staff(&who))
        return code_form(p, e164, NULL, 200);
    int sent = store_web_attempts_since(p->s, "phone", e164, p->now - LIMIT_WINDOW);
    if (sent < 0)
        return web_fail(p);
    if (sent >= LIMIT_PER_PHONE) {
        log_event(LOG_WARN, "web sign-in limited", "person=%lld", (long long)who.id);
        return code_form(p, e164, "login_limited", 429);
    }
    char code[7], hash[65];
    if (new_code(code) != 0)
        return web_fail(p);
    code_hash(who.id, code, hash);
    const char *lang = domain_language(&p->w->rt->domain, &who);
    struct template_var v[] = {{"code", code}};
    char text[200];
    templates_render(p->w->words, lang, "signin_sms", v, 1, text, sizeof text);
    const struct reach *reach = &p->w->rt->reach;
    if (store_begin(p->s) != 0)
        return web_fail(p);
    if (store_web_attempt_add(p->s, "phone", e164, p->now) != 0 ||
        store_web_signin_scrub(p->s, who.phone, web_word(p, "signin_scrubbed")) != 0 ||
        store_web_code_new(p->s, who.id, hash, p->now, p->now + CODE_SECONDS) != 0 ||
        reach_queue(reach, p->s, &who, NULL, text, "signin", NULL, 0, p->now, 0) < 0 ||
        store_commit(p->s) != 0) {
        store_rollback(p->s);
        OPENSSL_cleanse(code, sizeof code);
        return web_fail(p);
    }
    OPENSSL_cleanse(code, sizeof code);
    OPENSSL_cleanse(text, sizeof text);
    outbox_wake(p->w->ob);
    log_event(LOG_INFO, "web sign-in code sent", "person=%lld", (long long)who.id);
    code_form(p, e164, NULL, 200);
}

void auth_code_post(struct page *p)
{
    const char *phone = web_form_get(&p->form, "phone"), *typed = web_form_get(&p->form, "code");
    int allowed = address_allowed(p);
    if (allowed < 0)
        return web_fail(p);
    if (!allowed)
        return code_form(p, phone, "login_limited", 429);
    struct store_person who;
    int rc = store_person_by_phone(p->s, phone, &who);
    if (rc < 0)
        return web_fail(p);
    struct store_web_code c;
    rc = rc == 1 && domain_is_staff(&who) ? store_web_code_open(p->s, who.id, &c) : 0;
    if (rc < 0)
        return web_fail(p);
    if (rc == 0 || c.expires_at <= p->now || c.tries >= CODE_TRIES)
        return code_form(p, phone, "login_code_expired", 401);
    char hash[65];
    code_hash(who.id, typed, hash);
    if (strlen(typed) != 6 || !equal_hex(hash, c.code_hash)) {
        /* The fifth wrong try ends the code: a new one must be asked for. */
        if (store_web_code_wrong(p->s, c.id) != 0 ||
            (c.tries + 1 >= CODE_TRIES && store_web_code_use(p->s, c.id, p->now) != 0))
            return web_fail(p);
        log_event(LOG_INFO, "web sign-in refused", "person=%lld reason=wrong_code",
                  (long long)who.id);
        return code_form(
            p, phone, c.tries + 1 >= CODE_TRIES ? "login_code_expired" : "login_code_wrong", 401);
    }
    unsigned char raw[TOKEN_BYTES];
    char token[2 * TOKEN_BYTES + 1], token_hash[65];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return web_fail(p);
    for (int i = 0; i < TOKEN_BYTES; i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    auth_sha256_hex(token, strlen(token), token_hash);
    if (store_begin(p->s) != 0)
        return web_fail(p);
    if (store_web_code_use(p->s, c.id, p->now) != 0 ||
        store_web_signin_scrub(p->s, who.phone, web_word(p, "signin_scrubbed")) != 0 ||
        store_web_session_new(p->s, token_hash, who.id, p->now) != 0 ||
        store_web_action(p->s, who.id, "sign_in", "", "", p->now) != 0 || store_commit(p->s) != 0) {
        store_rollback(p->s);
        return web_fail(p);
    }
    snprintf(p->rs->cookie, sizeof p->rs->cookie,
             "catat_session=%s; Path=/app; HttpOnly; SameSite=Strict%s", token,
             p->w->secure_cookie ? "; Secure" : "");
    OPENSSL_cleanse(token, sizeof token);
    OPENSSL_cleanse(raw, sizeof raw);
    log_event(LOG_INFO, "web signed in", "person=%lld", (long long)who.id);
    web_redirect(p, "/app/");
}

void auth_logout(struct page *p)
{
    char hash[65];
    auth_sha256_hex(p->rq->session, strlen(p->rq->session), hash);
    if (store_web_session_end(p->s, hash, p->now) != 0 ||
        store_web_action(p->s, p->me.id, "sign_out", "", "", p->now) != 0)
        return web_fail(p);
    snprintf(p->rs->cookie, sizeof p->rs->cookie,
             "catat_session=; Path=/app; HttpOnly; SameSite=Strict; Max-Age=0%s",
             p->w->secure_cookie ? "; Secure" : "");
    web_redirect(p, "/app/login");
}
