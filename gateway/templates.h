/* templates.h - reply texts, one file per language in templates/, loaded at start. */
#ifndef CATAT_TEMPLATES_H
#define CATAT_TEMPLATES_H

#include <stddef.h>

struct templates;

struct template_var {
    const char *name; /* without braces: "amount" fills {amount} */
    const char *value;
};

/* Loads every <lang>.ini in dir (lines "key = text"; "\n" in text is a newline; '#' or ';'
 * starts a comment line). The "id" language must exist: it is the fallback. Returns new
 * templates, or NULL with err naming the file and line. */
struct templates *templates_load(const char *dir, char *err, size_t errsz);
void templates_free(struct templates *t);
/* Finds the templates directory: configured (non-empty) dir, else ./templates, else the
 * installed one, else the source tree's. Returns a static or borrowed string. */
const char *templates_find_dir(const char *configured);

/* The text of key in lang, falling back to "id"; NULL when neither has it. Borrowed. */
const char *templates_get(const struct templates *t, const char *lang, const char *key);
/* Renders key in lang with vars into out. Returns the length, or -1 when the key is unknown.
 * A placeholder with no var is left as written, so a missing value shows in tests. */
int templates_render(const struct templates *t, const char *lang, const char *key,
                     const struct template_var *vars, size_t n_vars, char *out, size_t outsz);
/* Languages loaded and keys of one language, for `catat templates check`. */
size_t templates_languages(const struct templates *t, const char **out, size_t max);
size_t templates_keys(const struct templates *t, const char *lang, const char **out, size_t max);

#endif
