/* config.c - the INI configuration: known keys with defaults, a file, environment overrides. */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum key_kind { KIND_TEXT, KIND_NUMBER, KIND_BOOL, KIND_SECRET };

struct config_key {
    const char *section;
    const char *key;
    const char *fallback;
    enum key_kind kind;
};

/* Every key catat reads; deploy/catat.example.ini documents each. */
static const struct config_key config_keys[] = {
    {"server", "listen", "127.0.0.1", KIND_TEXT},
    {"server", "port", "8080", KIND_NUMBER},
    {"server", "public_url", "", KIND_TEXT},
    {"server", "max_body_bytes", "65536", KIND_NUMBER},
    {"server", "max_connections", "512", KIND_NUMBER},
    {"server", "connection_timeout", "15", KIND_NUMBER},
    {"server", "templates", "", KIND_TEXT},
    {"server", "replies_per_hour", "30", KIND_NUMBER},
    {"database", "path", "catat.db", KIND_TEXT},
    {"locale", "language", "id", KIND_TEXT},
    {"locale", "country_code", "62", KIND_NUMBER},
    {"locale", "timezone", "+07:00", KIND_TEXT},
    {"console", "enabled", "true", KIND_BOOL},
    {"outbox", "default_channel", "console", KIND_TEXT},
    {"outbox", "max_attempts", "8", KIND_NUMBER},
    {"outbox", "retry_base_ms", "1000", KIND_NUMBER},
    {"outbox", "concurrency", "16", KIND_NUMBER},
    {"outbox", "rate_per_second", "20", KIND_NUMBER},
    {"outbox", "timeout_seconds", "30", KIND_NUMBER},
    {"whatsapp", "enabled", "false", KIND_BOOL},
    {"whatsapp", "api_base", "https://graph.facebook.com/v21.0", KIND_TEXT},
    {"whatsapp", "phone_number_id", "", KIND_TEXT},
    {"whatsapp", "access_token", "", KIND_SECRET},
    {"whatsapp", "app_secret", "", KIND_SECRET},
    {"whatsapp", "verify_token", "", KIND_SECRET},
    {"whatsapp", "template", "", KIND_TEXT},
    {"whatsapp", "template_language", "id", KIND_TEXT},
    {"twilio", "enabled", "false", KIND_BOOL},
    {"twilio", "api_base", "https://api.twilio.com", KIND_TEXT},
    {"twilio", "account_sid", "", KIND_TEXT},
    {"twilio", "auth_token", "", KIND_SECRET},
    {"twilio", "from", "", KIND_TEXT},
    {"kannel", "enabled", "false", KIND_BOOL},
    {"kannel", "sendsms_url", "http://127.0.0.1:13013/cgi-bin/sendsms", KIND_TEXT},
    {"kannel", "username", "", KIND_TEXT},
    {"kannel", "password", "", KIND_SECRET},
    {"kannel", "secret", "", KIND_SECRET},
    {"kannel", "from", "", KIND_TEXT},
    {"kannel", "smsc", "", KIND_TEXT},
    {"reminders", "enabled", "true", KIND_BOOL},
    {"reminders", "hour", "8", KIND_NUMBER},
    {"reminders", "quiet_start", "21:00", KIND_TEXT},
    {"reminders", "quiet_end", "06:00", KIND_TEXT},
    {"reminders", "overdue_every_days", "3", KIND_NUMBER},
    {"reminders", "overdue_max", "4", KIND_NUMBER},
    {"reminders", "session_before_minutes", "60", KIND_NUMBER},
    {"digest", "enabled", "true", KIND_BOOL},
    {"digest", "hour", "18", KIND_NUMBER},
    {"ledger", "auto_confirm_without_treasurer", "true", KIND_BOOL},
};
#define N_KEYS (sizeof config_keys / sizeof config_keys[0])

struct config {
    char *values[N_KEYS];
    char public_url[512];
};

static int key_index(const char *section, const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcasecmp(config_keys[i].section, section) == 0 &&
            strcasecmp(config_keys[i].key, key) == 0)
            return (int)i;
    return -1;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, true;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

static bool parse_number(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return false;
    *out = n;
    return true;
}

/* Checks and stores one value; writes why into err when it is not acceptable. */
static int set_value(struct config *cfg, int i, const char *value, char *err, size_t errsz)
{
    const struct config_key *k = &config_keys[i];
    bool b;
    long n;
    if (k->kind == KIND_BOOL && !parse_bool(value, &b)) {
        snprintf(err, errsz, "[%s] %s must be true or false, not \"%s\"", k->section, k->key,
                 value);
        return -1;
    }
    if (k->kind == KIND_NUMBER && !parse_number(value, &n)) {
        snprintf(err, errsz, "[%s] %s must be a whole number, not \"%s\"", k->section, k->key,
                 value);
        return -1;
    }
    char *copy = strdup(value);
    if (!copy) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    free(cfg->values[i]);
    cfg->values[i] = copy;
    return 0;
}

struct load_ctx {
    struct config *cfg;
    char *err;
    size_t errsz;
};

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    int i = key_index(section, name);
    if (i < 0) {
        snprintf(ctx->err, ctx->errsz, "unknown key [%s] %s", section, name);
        return 0;
    }
    return set_value(ctx->cfg, i, value ? value : "", ctx->err, ctx->errsz) == 0;
}

struct config *config_load(const char *path, char *err, size_t errsz)
{
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < N_KEYS; i++)
        if (set_value(cfg, (int)i, config_keys[i].fallback, err, errsz) != 0)
            goto fail;
    if (!path && access("catat.ini", R_OK) == 0)
        path = "catat.ini";
    if (path) {
        char why[256] = "";
        struct load_ctx ctx = {cfg, why, sizeof why};
        int rc = ini_parse(path, on_ini_value, &ctx);
        if (rc == -1) {
            snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
            goto fail;
        } else if (rc != 0) {
            snprintf(err, errsz, "%s:%d: %s", path, rc, why[0] ? why : "syntax error");
            goto fail;
        }
    }
    /* CATAT_<SECTION>_<KEY>: how secrets reach a service without sitting in a file. */
    for (size_t i = 0; i < N_KEYS; i++) {
        char name[96];
        int n =
            snprintf(name, sizeof name, "CATAT_%s_%s", config_keys[i].section, config_keys[i].key);
        for (int j = 0; j < n; j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        const char *v = getenv(name);
        if (v && set_value(cfg, (int)i, v, err, errsz) != 0) {
            size_t used = strlen(err);
            snprintf(err + used, errsz - used, " (from %s)", name);
            goto fail;
        }
    }
    const char *pub = config_get(cfg, "server", "public_url");
    if (pub[0])
        snprintf(cfg->public_url, sizeof cfg->public_url, "%s", pub);
    else
        snprintf(cfg->public_url, sizeof cfg->public_url, "http://%s:%s",
                 config_get(cfg, "server", "listen"), config_get(cfg, "server", "port"));
    size_t ul = strlen(cfg->public_url);
    if (ul && cfg->public_url[ul - 1] == '/')
        cfg->public_url[ul - 1] = '\0';
    return cfg;
fail:
    config_free(cfg);
    return NULL;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < N_KEYS; i++)
        free(cfg->values[i]);
    free(cfg);
}

const char *config_get(const struct config *cfg, const char *section, const char *key)
{
    int i = key_index(section, key);
    assert(i >= 0 && "config_get of an unknown key");
    if (i < 0)
        return "";
    return cfg->values[i] ? cfg->values[i] : "";
}

long config_get_long(const struct config *cfg, const char *section, const char *key)
{
    long n = 0;
    parse_number(config_get(cfg, section, key), &n);
    return n;
}

bool config_get_bool(const struct config *cfg, const char *section, const char *key)
{
    bool b = false;
    parse_bool(config_get(cfg, section, key), &b);
    return b;
}

const char *config_public_url(const struct config *cfg)
{
    return cfg->public_url;
}

void config_dump(const struct config *cfg, FILE *f)
{
    const char *section = "";
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(section, k->section) != 0) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        const char *v = cfg->values[i] ? cfg->values[i] : "";
        fprintf(f, "%s = %s\n", k->key, k->kind == KIND_SECRET && v[0] ? "(set)" : v);
    }
}
