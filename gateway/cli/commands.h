/* commands.h - the subcommands of the catat tool, one per cmd_<name>.c, and the little they
 * share (commands.c). argv[0] is the subcommand's name; each returns the process exit status. */
#ifndef CATAT_COMMANDS_H
#define CATAT_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

int cmd_serve(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_templates(int argc, char **argv);
int cmd_remind(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* `catat report loans` (report_loans.c); argv as cmd_report's, the -c option already taken. */
int report_loans(int argc, char **argv, const char *config_path);

/* Finds "-c FILE" / "--config FILE" in argv (removing it) and returns the path, or NULL. */
const char *commands_config_option(int *argc, char **argv);
struct config;
/* Loads the configuration at path (NULL: the default); NULL after printing why. New. */
struct config *commands_load_config(const char *path);
/* Parses the value of --now (ISO 8601 with offset) into *now; 0, or -1 after a message. */
int commands_parse_now(const char *value, int64_t *now);
/* s (NULL: "") in ASCII capitals into out, cut to outsz - 1 bytes: a group, batch or
 * programme code as written on the command line. */
void commands_upper_code(const char *s, char *out, size_t outsz);
struct runtime;
struct store;
/* Opens the runtime for the configuration at config_path (NULL: the default) and then its
 * database; the store, or NULL after printing why (rt then closed). Close both when done. */
struct store *commands_open_runtime_store(struct runtime *rt, const char *config_path);

#endif
