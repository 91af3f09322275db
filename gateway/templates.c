/* templates.c - loading and rendering reply templates. */
#include "templates.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LANGS 8

struct entry {
    char *key, *text;
};

struct language {
    char code[8];
    struct entry *entries;
    size_t n, cap;
};

struct templates {
    struct language langs[MAX_LANGS];
    size_t n_langs;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Turns the two characters "\n" into a newline, in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            *o++ = '\n';
            s++;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static int load_file(struct language *lang, const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%s: cannot open", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';' || *s == '[')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errsz, "%s:%d: expected key = text", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *text = trim(eq + 1);
        unescape(text);
        if (lang->n == lang->cap) {
            size_t ncap = lang->cap ? lang->cap * 2 : 64;
            struct entry *e = realloc(lang->entries, ncap * sizeof *e);
            if (!e) {
                rc = -1;
                break;
            }
            lang->entries = e;
            lang->cap = ncap;
        }
        lang->entries[lang->n].key = strdup(key);
        lang->entries[lang->n].text = strdup(text);
        lang->n++;
    }
    free(line);
    fclose(f);
    return rc;
}

struct templates *templates_load(const char *dir, char *err, size_t errsz)
{
    struct templates *t = calloc(1, sizeof *t);
    DIR *d = t ? opendir(dir) : NULL;
    if (!d) {
        snprintf(err, errsz, "%s: cannot open the templates directory", dir);
        free(t);
        return NULL;
    }
    struct dirent *de;
    while ((de = readdir(d)) && t->n_langs < MAX_LANGS) {
        size_t n = strlen(de->d_name);
        if (n < 5 || n > 10 || strcmp(de->d_name + n - 4, ".ini") != 0)
            continue;
        struct language *lang = &t->langs[t->n_langs++];
        snprintf(lang->code, sizeof lang->code, "%.*s", (int)(n - 4), de->d_name);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (load_file(lang, path, err, errsz) != 0) {
            closedir(d);
            templates_free(t);
            return NULL;
        }
    }
    closedir(d);
    if (!templates_get(t, "id", "help")) {
        snprintf(err, errsz, "%s: no id.ini with a help template", dir);
        templates_free(t);
        return NULL;
    }
    return t;
}

void templates_free(struct templates *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_langs; i++) {
        for (size_t j = 0; j < t->langs[i].n; j++) {
            free(t->langs[i].entries[j].key);
            free(t->langs[i].entries[j].text);
        }
        free(t->langs[i].entries);
    }
    free(t);
}

const char *templates_find_dir(const char *configured)
{
    if (configured && configured[0])
        return configured;
    if (access("templates/id.ini", R_OK) == 0)
        return "templates";
    if (access(CATAT_TEMPLATES_DIR "/id.ini", R_OK) == 0)
        return CATAT_TEMPLATES_DIR;
    return CATAT_SOURCE_TEMPLATES_DIR;
}

static const char *lookup(const struct templates *t, const char *lang, const char *key)
{
    for (size_t i = 0; i < t->n_langs; i++) {
        if (strcmp(t->langs[i].code, lang) != 0)
            continue;
        for (size_t j = 0; j < t->langs[i].n; j++)
            if (t->langs[i].entries[j].key && strcmp(t->langs[i].entries[j].key, key) == 0)
                return t->langs[i].entries[j].text;
    }
    return NULL;
}

const char *templates_get(const struct templates *t, const char *lang, const char *key)
{
    const char *s = lang && lang[0] ? lookup(t, lang, key) : NULL;
    return s ? s : lookup(t, "id", key);
}

int templates_render(const struct templates *t, const char *lang, const char *key,
                     const struct template_var *vars, size_t n_vars, char *out, size_t outsz)
{
    const char *s = templates_get(t, lang, key);
    if (!s) {
        snprintf(out, outsz, "%s", key);
        return -1;
    }
    size_t o = 0;
    while (*s && o + 1 < outsz) {
        const char *close = *s == '{' ? strchr(s, '}') : NULL;
        const char *value = NULL;
        if (close) {
            size_t len = (size_t)(close - s - 1);
            for (size_t i = 0; i < n_vars && !value; i++)
                if (strlen(vars[i].name) == len && memcmp(vars[i].name, s + 1, len) == 0)
                    value = vars[i].value ? vars[i].value : "";
        }
        if (value) {
            size_t vl = strlen(value);
            if (vl > outsz - 1 - o)
                vl = outsz - 1 - o;
            memcpy(out + o, value, vl);
            o += vl;
            s = close + 1;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    return (int)o;
}

size_t templates_languages(const struct templates *t, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_langs && n < max; i++)
        out[n++] = t->langs[i].code;
    return n;
}

size_t templates_keys(const struct templates *t, const char *lang, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_langs; i++)
        if (strcmp(t->langs[i].code, lang) == 0)
            for (size_t j = 0; j < t->langs[i].n && n < max; j++)
                out[n++] = t->langs[i].entries[j].key;
    return n;
}
