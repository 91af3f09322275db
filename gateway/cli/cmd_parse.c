/* cmd_parse.c - `catat parse [TEXT...]`: what the parser makes of messages, one JSON per line.
 *
 * Declared in commands.h as: int cmd_parse(int argc, char **argv);
 *
 * Fast on a stream of messages (the benchmark feeds it hundreds of thousands): standard input is
 * read in large blocks and split on newlines in place, each JSON line is written straight into
 * an output block (parse_result_write_json, no tree and no allocation per message), and the
 * block goes out in one fwrite when it is full or when all the input read so far is answered,
 * so an interactive caller still gets each answer before catat waits for more input. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "parse_json.h"

#define CMD_PARSE_BLOCK (256 * 1024) /* input and output block; both grow for longer lines */

static void cmd_parse_usage(FILE *f)
{
    fputs("usage: catat parse [-c FILE] [--] [TEXT...]\n"
          "\n"
          "Prints what the parser makes of each message as one JSON object per line:\n"
          "  {\"text\": ..., \"commands\": [{\"cmd\": ..., \"amount\": ..., \"error\": ...}]}\n"
          "Each TEXT argument is one message; with none, each line of standard input is one.\n"
          "\n"
          "  -c, --config FILE   configuration file (accepted; parsing needs none)\n"
          "  --help              this text\n",
          f);
}

/* JSON lines waiting to be written to stdout. */
struct cmd_parse_out {
    char *buf;
    size_t len, cap;
};

/* Writes out what is waiting; 0, or -1 when stdout fails. */
static int cmd_parse_flush(struct cmd_parse_out *o)
{
    if (o->len > 0 && fwrite(o->buf, 1, o->len, stdout) != o->len)
        return -1;
    o->len = 0;
    return fflush(stdout) == 0 ? 0 : -1;
}

/* Parses one message (borrowed) and adds its JSON line to o; 0, or -1 on no memory or when
 * stdout fails. r is scratch space. */
static int cmd_parse_one(const char *text, size_t len, struct parse_result *r,
                         struct cmd_parse_out *o)
{
    parse_message(text, len, r);
    for (;;) {
        size_t room = o->cap - o->len;
        size_t n = parse_result_write_json(text, len, r, o->buf + o->len, room);
        if (n < room) { /* it fitted, with the NUL, whose place the newline takes */
            o->buf[o->len + n] = '\n';
            o->len += n + 1;
            return 0;
        }
        if (o->len > 0) {
            if (cmd_parse_flush(o) != 0)
                return -1;
            continue;
        }
        char *bigger = realloc(o->buf, n + 1);
        if (!bigger)
            return -1;
        o->buf = bigger;
        o->cap = n + 1;
    }
}

/* Each line of standard input is one message (a final line needs no newline; "\r\n" is taken
 * as "\n"). 0, or -1 on a failure, which is reported on stderr. */
static int cmd_parse_stdin(struct parse_result *r, struct cmd_parse_out *o)
{
    size_t cap = CMD_PARSE_BLOCK, start = 0, end = 0;
    char *in = malloc(cap);
    if (!in)
        return -1;
    int rc = 0;
    for (;;) {
        char *nl = memchr(in + start, '\n', end - start);
        if (nl) {
            size_t len = (size_t)(nl - (in + start));
            if (len > 0 && in[start + len - 1] == '\r')
                len--;
            if ((rc = cmd_parse_one(in + start, len, r, o)) != 0)
                break;
            start = (size_t)(nl - in) + 1;
            continue;
        }
        /* Every whole line read so far is answered: send the answers before waiting. */
        if ((rc = cmd_parse_flush(o)) != 0)
            break;
        memmove(in, in + start, end - start);
        end -= start;
        start = 0;
        if (end == cap) { /* a line longer than the block */
            char *bigger = realloc(in, cap * 2);
            if (!bigger) {
                rc = -1;
                break;
            }
            in = bigger;
            cap *= 2;
        }
        ssize_t got = read(STDIN_FILENO, in + end, cap - end);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fprintf(stderr, "catat parse: cannot read standard input: %s\n", strerror(errno));
            rc = -2;
            break;
        }
        if (got == 0) { /* end of input: the last line may have no newline */
            size_t len = end;
            if (len > 0 && in[len - 1] == '\r')
                len--;
            if (end > 0)
                rc = cmd_parse_one(in, len, r, o);
            break;
        }
        end += (size_t)got;
    }
    free(in);
    return rc;
}

int cmd_parse(int argc, char **argv)
{
    int first = 1;
    while (first < argc) {
        const char *a = argv[first];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cmd_parse_usage(stdout);
            return 0;
        }
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && first + 1 < argc) {
            first += 2;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            first++;
        }
        break;
    }
    struct parse_result *r = malloc(sizeof(*r));
    struct cmd_parse_out o = {.buf = malloc(CMD_PARSE_BLOCK), .len = 0, .cap = CMD_PARSE_BLOCK};
    if (!r || !o.buf) {
        free(r);
        free(o.buf);
        fputs("catat parse: out of memory\n", stderr);
        return 1;
    }
    int rc = 0;
    if (first < argc) {
        for (int i = first; i < argc && rc == 0; i++)
            rc = cmd_parse_one(argv[i], strlen(argv[i]), r, &o);
    } else {
        rc = cmd_parse_stdin(r, &o);
    }
    if (rc == 0)
        rc = cmd_parse_flush(&o);
    free(o.buf);
    free(r);
    if (rc == -1) {
        fputs("catat parse: cannot write output\n", stderr);
        return 1;
    }
    return rc == 0 ? 0 : 1;
}
