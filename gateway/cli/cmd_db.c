/* cmd_db.c - `catat db migrate` and `catat db backup FILE`. */
#include "commands.h"

#include "config.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

int cmd_db(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "backup") != 0) ||
        (strcmp(argv[1], "backup") == 0 && argc != 3)) {
        bool help = argc >= 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: catat db migrate [-c FILE]\n       catat db backup FILE [-c FILE]\n\n"
                "migrate applies pending schema migrations; backup copies the database into "
                "FILE\nwhile the server keeps running (SQLite online backup).\n");
        return help ? 0 : 2;
    }
    char err[512];
    struct config *cfg = commands_load_config(config_path);
    if (!cfg)
        return 1;
    struct store *s = store_open(config_database(cfg), err, sizeof err);
    int status = 0;
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        status = 1;
    } else if (strcmp(argv[1], "migrate") == 0) {
        printf("schema version %d\n", store_schema_version(s));
    } else if (store_backup(s, argv[2], err, sizeof err) != 0) {
        fprintf(stderr, "catat db backup: %s\n", err);
        status = 1;
    } else {
        printf("backed up to %s\n", argv[2]);
    }
    store_close(s);
    config_free(cfg);
    return status;
}
