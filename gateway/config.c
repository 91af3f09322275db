/* config.c - the INI configuration: known keys with defaults, a file, environment overrides. */
#include "config.h"

#include "channel.h"
#include "store.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct config_key {
    const char *section;
    const char *key;
    const char *fallback;
    enum config_kind kind;
};

/* Every key of the core; each channel driver declares its own section's keys in its table
 * (channel.h settings). deploy/catat.example.ini documents each. */
static const struct config_key config_keys[] = {
    {"server", "listen", "127.0.0.1", CONFIG_TEXT},
    {"server", "port", "8080", CONFIG_NUMBER},
    {"server", "public_url", "", CONFIG_TEXT},
    {"server", "max_body_bytes", "65536", CONFIG_NUMBER},
    {"server", "max_connections", "512", CONFIG_NUMBER},
    {"server", "connection_timeout", "15", CONFIG_NUMBER},
    {"server", "templates", "", CONFIG_TEXT},
    {"server", "replies_per_hour", "30", CONFIG_NUMBER},
    {"database", "path", "catat.db", CONFIG_TEXT},
    /* A secret: the URL may carry the password. */
    {"database", "url", "", CONFIG_SECRET},
    {"locale", "language", "id", CONFIG_TEXT},
    {"locale", "country_code", "62", CONFIG_NUMBER},
    {"locale", "timezone", "+07:00", CONFIG_TEXT},
    {"outbox", "default_channel", "console", CONFIG_TEXT},
    {"outbox", "sms_fallback", "auto", CONFIG_TEXT},
    {"outbox", "max_attempts", "8", CONFIG_NUMBER},
    {"outbox", "retry_base_ms", "1000", CONFIG_NUMBER},
    {"outbox", "concurrency", "16", CONFIG_NUMBER},
    {"outbox", "rate_per_second", "20", CONFIG_NUMBER},
    {"outbox", "timeout_seconds", "30", CONFIG_NUMBER},
    {"reminders", "enabled", "true", CONFIG_BOOL},
    {"reminders", "hour", "8", CONFIG_NUMBER},
    {"reminders", "quiet_start", "21:00", CONFIG_TEXT},
    {"reminders", "quiet_end", "06:00", CONFIG_TEXT},
    {"reminders", "overdue_every_days", "3", CONFIG_NUMBER},
    {"reminders", "overdue_max", "4", CONFIG_NUMBER},
    {"reminders", "session_before_minutes", "60", CONFIG_NUMBER},
    {"digest", "enabled", "true", CONFIG_BOOL},
    {"scheduler", "tick_seconds", "60", CONFIG_NUMBER},
    {"digest", "hour", "18", CONFIG_NUMBER},
    {"ledger", "auto_confirm_without_treasurer", "true", CONFIG_BOOL},
    {"web", "enabled", "true", CONFIG_BOOL},
    {"web", "session_hours", "12", CONFIG_NUMBER},
};
#define N_CORE_KEYS (sizeof config_keys / sizeof config_keys[0])

struct config {
    struct config_key *keys; /* the core's, then each driver's */
    char **values;
    size_t n_keys;
    char public_url[512];
};

/* Builds cfg's key table: the core's keys, then every driver's "enabled" and settings. */
static int collect_keys(struct config *cfg)
{
    size_t n = N_CORE_KEYS;
    for (size_t d = 0; channel_drivers[d]; d++)
        for (const struct config_setting *k = channel_drivers[d]->settings; k && k->key; k++)
            n++;
    cfg->keys = calloc(n, sizeof *cfg->keys);
    cfg->values = calloc(n, sizeof *cfg->values);
    if (!cfg->keys || !cfg->values)
        return -1;
    memcpy(cfg->keys, config_keys, sizeof config_keys);
    size_t i = N_CORE_KEYS;
    for (size_t d = 0; channel_drivers[d]; d++)
        for (const struct config_setting *k = channel_drivers[d]->settings; k && k->key; k++)
            cfg->keys[i++] =
                (struct config_key){channel_drivers[d]->name, k->key, k->fallback, k->kind};
    cfg->n_keys = n;
    return 0;
}

static int key_index(const struct config *cfg, const char *section, const char *key)
{
    for (size_t i = 0; i < cfg->n_keys; i++)
        if (strcasecmp(cfg->keys[i].section, section) == 0 &&
            strcasecmp(cfg->keys[i].key, key) == 0)
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
    const struct config_key *k = &cfg->keys[i];
    bool b;
    long n;
    if (k->kind == CONFIG_BOOL && !parse_bool(value, &b)) {
        snprintf(err, errsz, "[%s] %s must be true or false, not \"%s\"", k->section, k->key,
                 value);
        return -1;
    }
    if (k->kind == CONFIG_NUMBER && !parse_number(value, &n)) {
        snprintf(err, errsz, "[%s] %s must be a whole number, not \"%s\"", k->section, k->key,
                 value);
        return -1;
    }
    if (strcmp(k->section, "database") == 0 && strcmp(k->key, "url") == 0 && value[0] &&
        !store_is_url(value)) {
        snprintf(
            err, errsz,
            "[database] url must be a PostgreSQL URL such as postgresql://catat@localhost/catat");
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
    int i = key_index(ctx->cfg, section, name);
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
    if (collect_keys(cfg) != 0) {
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_keys; i++)
        if (set_value(cfg, (int)i, cfg->keys[i].fallback, err, errsz) != 0)
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
    for (size_t i = 0; i < cfg->n_keys; i++) {
        char name[96];
        int n = snprintf(name, sizeof name, "CATAT_%s_%s", cfg->keys[i].section, cfg->keys[i].key);
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
    for (size_t i = 0; cfg->values && i < cfg->n_keys; i++)
        free(cfg->values[i]);
    free(cfg->values);
    free(cfg->keys);
    free(cfg);
}

const char *config_get(const struct config *cfg, const char *section, const char *key)
{
    int i = key_index(cfg, section, key);
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

const char *config_database(const struct config *cfg)
{
    const char *url = config_get(cfg, "database", "url");
    return url[0] ? url : config_get(cfg, "database", "path");
}

void config_dump(const struct config *cfg, FILE *f)
{
    const char *section = "";
    for (size_t i = 0; i < cfg->n_keys; i++) {
        const struct config_key *k = &cfg->keys[i];
        if (strcmp(section, k->section) != 0) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        const char *v = cfg->values[i] ? cfg->values[i] : "";
        fprintf(f, "%s = %s\n", k->key, k->kind == CONFIG_SECRET && v[0] ? "(set)" : v);
    }
}

void config_dump_keys(const struct config *cfg, FILE *f)
{
    static const char *const kinds[] = {
        [CONFIG_TEXT] = "text",
        [CONFIG_NUMBER] = "number",
        [CONFIG_BOOL] = "bool",
        [CONFIG_SECRET] = "secret",
    };
    for (size_t i = 0; i < cfg->n_keys; i++) {
        const struct config_key *k = &cfg->keys[i];
        fprintf(f, "%s\t%s\t%s\t%s\n", k->section, k->key, k->fallback, kinds[k->kind]);
    }
}
