/* parse.h - the message language of catat (product.md section 1): text in, commands out.
 *
 * Pure: no I/O, no global mutable state, no allocation. Safe on any bytes: invalid UTF-8 and
 * control characters are treated as separators; a message of any length is parsed in time
 * linear in its length and in the fixed memory of struct parse_result. */
#ifndef CATAT_PARSE_H
#define CATAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARSE_MAX_COMMANDS 8 /* commands beyond this are dropped; result->truncated is set */
#define PARSE_MAX_ANSWERS 20
#define PARSE_AMOUNT_MAX 1000000000LL

/* X-macro: command, its name in JSON. */
#define PARSE_CMD_MAP(X)                                                                           \
    X(NONE, "")                                                                                    \
    X(REGISTER, "register")                                                                        \
    X(SALE, "sale")                                                                                \
    X(EXPENSE, "expense")                                                                          \
    X(REPAYMENT, "repayment")                                                                      \
    X(SAVINGS, "savings")                                                                          \
    X(BALANCE, "balance")                                                                          \
    X(ATTENDANCE, "attendance")                                                                    \
    X(ANSWER, "answer")                                                                            \
    X(CANCEL, "cancel")                                                                            \
    X(HELP, "help")                                                                                \
    X(STOP, "stop")                                                                                \
    X(START, "start")                                                                              \
    X(LANGUAGE, "language")                                                                        \
    X(REPORT, "report")                                                                            \
    X(BROADCAST, "broadcast")                                                                      \
    X(CONFIRM, "confirm")                                                                          \
    X(SESSION, "session")                                                                          \
    X(WITHDRAWAL, "withdrawal")                                                                    \
    X(YES, "yes")                                                                                  \
    X(ARREARS, "arrears")                                                                          \
    X(SESSION_CANCEL, "session_cancel")

/* X-macro: error, its name in JSON and in the reply templates (error_<name>). */
#define PARSE_ERROR_MAP(X)                                                                         \
    X(OK, "")                                                                                      \
    X(UNKNOWN_COMMAND, "unknown_command")                                                          \
    X(MISSING_AMOUNT, "missing_amount")                                                            \
    X(BAD_AMOUNT, "bad_amount")                                                                    \
    X(AMOUNT_TOO_LARGE, "amount_too_large")                                                        \
    X(AMBIGUOUS_AMOUNT, "ambiguous_amount")                                                        \
    X(MISSING_NAME, "missing_name")                                                                \
    X(MISSING_TARGET, "missing_target")                                                            \
    X(MISSING_REF, "missing_ref")                                                                  \
    X(BAD_ANSWER, "bad_answer")                                                                    \
    X(EMPTY, "empty")

#define PARSE_ENUM_CMD(id, name) PARSE_CMD_##id,
enum parse_cmd { PARSE_CMD_MAP(PARSE_ENUM_CMD) PARSE_CMD_COUNT };
#undef PARSE_ENUM_CMD
#define PARSE_ENUM_ERR(id, name) PARSE_ERR_##id,
enum parse_error { PARSE_ERROR_MAP(PARSE_ENUM_ERR) PARSE_ERR_COUNT };
#undef PARSE_ENUM_ERR

struct parse_answer {
    uint16_t q; /* question number, 1 to 999 */
    char a;     /* 'A'..'E', or 'Y' / 'N' */
};

/* One command. Strings are NUL-terminated UTF-8; empty means absent. qty 0 means absent. */
struct parse_command {
    enum parse_cmd cmd;     /* PARSE_CMD_NONE when the keyword was not recognised */
    enum parse_error error; /* PARSE_ERR_OK when the command parsed */
    bool typo;              /* the keyword matched through a one-edit typo */
    int64_t amount;         /* rupiah; 0 = absent */
    bool amount_bare;       /* the amount was a bare number (no Rp, multiplier or groups) */
    int qty;
    char unit[16];    /* as typed, lower case: "bks", "kg" */
    char item[96];    /* lower case, words joined by one space */
    char ref[24];     /* upper case: loan code, member code or reference code */
    char member[24];  /* upper case: the member code that stood before the keyword */
    char name[64];    /* title case */
    char group[24];   /* upper case, without '#' */
    char session[24]; /* as typed, upper case: "2", "GT07-2" */
    char lang[3];     /* "id" or "en" */
    char target[24];  /* upper case: group or batch code */
    char body[640];   /* broadcast text, as typed */
    struct parse_answer answers[PARSE_MAX_ANSWERS];
    int n_answers;
};

struct parse_result {
    struct parse_command commands[PARSE_MAX_COMMANDS];
    int n_commands; /* at least 1: a blank message is one command with PARSE_ERR_EMPTY */
    bool truncated; /* more commands were present than PARSE_MAX_COMMANDS */
};

/* Parses len bytes of text into *out (caller-owned): n_commands, truncated and commands[0 ..
 * n_commands) are overwritten, the commands beyond are left as they were. Never fails. */
void parse_message(const char *text, size_t len, struct parse_result *out);

/* "sale", "" for PARSE_CMD_NONE; "unknown_command", "" for PARSE_ERR_OK. Static strings. */
const char *parse_cmd_name(enum parse_cmd cmd);
const char *parse_error_name(enum parse_error err);

#endif
