/* cmd_config.c - `catat config [--keys]`: the configuration in effect, or every key known. */
#include "commands.h"

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int cmd_config(int argc, char **argv)
{
    const char *config_path = commands_config_option(&argc, argv);
    bool keys = argc == 2 && strcmp(argv[1], "--keys") == 0;
    if (argc > 2 || (argc == 2 && !keys)) {
        bool help = strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: catat config [--keys] [-c FILE]\n\n"
                "Prints the configuration in effect (FILE, then CATAT_<SECTION>_<KEY> variables)\n"
                "as INI, secrets shown as (set). --keys prints every key catat knows instead:\n"
                "section, key, default and kind (text, number, bool, secret), tab-separated.\n");
        return help ? 0 : 2;
    }
    struct config *cfg = commands_load_config(config_path);
    if (!cfg)
        return 1;
    if (keys)
        config_dump_keys(cfg, stdout);
    else
        config_dump(cfg, stdout);
    config_free(cfg);
    return fflush(stdout) == 0 ? 0 : 1;
}
