/* cmd_db.c - `catat db migrate`, `catat db backup FILE` and `catat db copy --to URL`. */
#include "commands.h"

#include "config.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

static int usage(bool help)
{
    fprintf(help ? stdout : stderr,
            "usage: catat db migrate [-c FILE]\n"
            "       catat db backup FILE [-c FILE]\n"
            "       catat db copy --to URL [-c FILE]\n\n"
            "migrate applies pending schema migrations to the configured database.\n"
            "backup copies it into FILE while the server keeps running: SQLite's online\n"
            "backup, or on PostgreSQL an archive made by pg_dump --format=custom (restore it\n"
            "with pg_restore).\n"
            "copy moves a programme into another, empty database (such as PostgreSQL's\n"
            "postgresql://catat@localhost/catat, migrated first): every table, ids kept, in\n"
            "one transaction; then counts every table on both sides and fails if any differ.\n");
    return help ? 0 : 2;
}

/* catat db copy --to URL: from the configured database into URL. */
static int copy_to(struct store *from, const char *target)
{
    char err[512];
    struct store *to = store_open(target, err, sizeof err);
    if (!to) {
        fprintf(stderr, "catat db copy: %s\n", err);
        return 1;
    }
    int rc = store_copy(from, to, stdout, err, sizeof err);
    store_close(to);
    if (rc != 0) {
        fprintf(stderr, "catat db copy: %s\n", err);
        return 1;
    }
    printf("copied: every table has the same number of rows on both sides\n");
    return 0;
}

int cmd_db(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    if (argc >= 2 && strcmp(argv[1], "--help") == 0)
        return usage(true);
    bool migrate = argc == 2 && strcmp(argv[1], "migrate") == 0;
    bool backup = argc == 3 && strcmp(argv[1], "backup") == 0;
    bool copy = argc == 4 && strcmp(argv[1], "copy") == 0 && strcmp(argv[2], "--to") == 0;
    if (!migrate && !backup && !copy)
        return usage(false);
    char err[512];
    struct config *cfg = commands_load_config(config_path);
    if (!cfg)
        return 1;
    if (copy && strcmp(argv[3], config_database(cfg)) == 0) {
        fprintf(stderr, "catat db copy: %s is the configured database itself\n", argv[3]);
        config_free(cfg);
        return 1;
    }
    struct store *s = store_open(config_database(cfg), err, sizeof err);
    int status = 0;
    if (!s) {
        fprintf(stderr, "catat: %s\n", err);
        status = 1;
    } else if (migrate) {
        printf("schema version %d\n", store_schema_version(s));
    } else if (copy) {
        status = copy_to(s, argv[3]);
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
