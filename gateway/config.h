/* config.h - the INI configuration (product.md section 5) with CATAT_<SECTION>_<KEY> overrides. */
#ifndef CATAT_CONFIG_H
#define CATAT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* How a key's value is checked; secrets are never printed. */
enum config_kind { CONFIG_TEXT, CONFIG_NUMBER, CONFIG_BOOL, CONFIG_SECRET };
/* A key of a section that is not the core's own (a channel driver's), with its default. */
struct config_setting {
    const char *key;
    const char *fallback;
    enum config_kind kind;
};

/* Loads path (NULL: catat.ini in the working directory if present, else built-in defaults),
 * then applies environment overrides. Unknown sections or keys and bad values are errors:
 * returns NULL and writes a message naming the line into err. Result is new; config_free it. */
struct config *config_load(const char *path, char *err, size_t errsz);
void config_free(struct config *cfg);

/* The value of section.key (borrowed, never NULL: "" when empty). Only known keys may be asked
 * for; asking for an unknown one is a programming error (assert). */
const char *config_get(const struct config *cfg, const char *section, const char *key);
long config_get_long(const struct config *cfg, const char *section, const char *key);
bool config_get_bool(const struct config *cfg, const char *section, const char *key);

/* The base URL providers and Kannel reach catat at: [server] public_url, or
 * http://<listen>:<port> when it is empty. Borrowed. */
const char *config_public_url(const struct config *cfg);

/* The database catat uses: [database] url (PostgreSQL) when set, else [database] path (the
 * SQLite file). Borrowed; what store_open takes. */
const char *config_database(const struct config *cfg);

/* Prints every key with its value to f as INI, secrets replaced by "(set)". */
#include <stdio.h>
void config_dump(const struct config *cfg, FILE *f);
/* Prints every key catat knows to f, one per line: section, key, default and kind ("text",
 * "number", "bool", "secret"), tab-separated. */
void config_dump_keys(const struct config *cfg, FILE *f);

#endif
