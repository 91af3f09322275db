/* commands.c - what the subcommands share: the -c option, --now and opening the database. */
#include "commands.h"

#include "config.h"
#include "format.h"
#include "runtime.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

const char *commands_config_option(int *argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < *argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < *argc) {
            path = argv[i + 1];
            memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof *argv);
            *argc -= 2;
            argv[*argc] = NULL;
            i--;
        }
    }
    return path;
}

int commands_parse_now(const char *value, int64_t *now)
{
    if (!value || format_parse_time(value, now) != 0) {
        fprintf(stderr, "catat: --now wants ISO 8601 time such as 2026-11-23T08:00:00+07:00\n");
        return -1;
    }
    return 0;
}

struct config *commands_load_config(const char *path)
{
    char err[512];
    struct config *cfg = config_load(path, err, sizeof err);
    if (!cfg)
        fprintf(stderr, "catat: %s\n", err);
    return cfg;
}

struct store *commands_open_runtime_store(struct runtime *rt, const char *config_path)
{
    char err[512];
    if (runtime_open(rt, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "catat: %s\n", err);
        return NULL;
    }
    struct store *s = store_open(config_database(rt->cfg), err, sizeof err);
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        runtime_close(rt);
    }
    return s;
}

void commands_upper_code(const char *s, char *out, size_t outsz)
{
    size_t i = 0;
    for (; s && s[i] && i < outsz - 1; i++)
        out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    out[i] = '\0';
}
