/* bench_parse.c - messages per second through parse_message, parse + JSON, and the `catat parse`
 * binary on stdin, each against a plain tokenising pass measured in the same run.
 *
 * Usage: bench_parse [SECONDS [CATAT_BIN [LINES]]]
 * SECONDS per in-process figure (default 2); CATAT_BIN the binary to run (default the one built
 * beside this benchmark); LINES how many messages of the rotation it gets on stdin (300000). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp */
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "parse_json.h"

#ifndef CATAT_BIN
#define CATAT_BIN "catat"
#endif

/* A rotation of what members and staff really send: amounts written every way, typos,
 * registrations, answers, several commands, errors, non-ASCII. */
static const char *const bench_messages[] = {
    "JUAL 45000 abon",
    "jual 45rb abon ikan",
    "JUAL Rp 1.250.000,- songket",
    "jual rp. 45.000,- abon",
    "JUAL 3x15rb kerupuk",
    "JUAL kerupuk 3 @ 15.000",
    "belanja 2 kg gula 30rb",
    "BELI 20rb minyak goreng",
    "MODAL 150.000 benang",
    "JAUL 45rb abon",
    "BAYR 150rb",
    "bayar A0123 150rb",
    "BAYAR 150.000 P12",
    "TABUNG 20rb",
    "simpan 10.000",
    "SALDO",
    "cek saldo",
    "DAFTAR Siti Aminah #MAWAR",
    "daftar dewi lestari KPUK07",
    "JAWAB 1A 2C 3B",
    "jawab ya",
    "HADIR 2",
    "JUAL 50rb abon; BELI 20rb minyak",
    "JUAL 50rb abon\nTABUNG 10rb",
    "halo bu apa kabar",
    "JUAL 3 5 abon",
    "JUAL 1.5 abon",
    "KIRIM KPUK07 Pertemuan besok jam 9 di balai desa",
    "\xef\xbc\xaa\xef\xbc\xb5\xef\xbc\xa1\xef\xbc\xac 45rb abon \xf0\x9f\x98\x80",
    "BATAL K7QX",
    "JUAL 1jt 250rb tenun ikat",
    "SLADO",
};

#define BENCH_COUNT (sizeof(bench_messages) / sizeof(bench_messages[0]))

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The baseline: what any parser must at least do, lower-case and split on spaces. */
static uint64_t bench_tokenise(const char *s, size_t len)
{
    char low[256];
    size_t n = len < sizeof(low) ? len : sizeof(low);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    uint64_t tokens = 0;
    const char *p = low, *end = low + n;
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (sp != p)
            tokens += (uint64_t)(unsigned char)p[0];
        if (!sp)
            break;
        p = sp + 1;
    }
    return tokens;
}

/* One way of handling message i of the rotation; returns something to keep the work alive. */
typedef uint64_t (*bench_fn)(size_t i);

static size_t bench_lens[BENCH_COUNT];
static struct parse_result bench_result;
static char bench_json[64 * 1024];

static uint64_t bench_parse_only(size_t i)
{
    parse_message(bench_messages[i], bench_lens[i], &bench_result);
    return (uint64_t)bench_result.commands[0].amount + (uint64_t)bench_result.commands[0].cmd;
}

static uint64_t bench_parse_write(size_t i)
{
    parse_message(bench_messages[i], bench_lens[i], &bench_result);
    return parse_result_write_json(bench_messages[i], bench_lens[i], &bench_result, bench_json,
                                   sizeof(bench_json));
}

static uint64_t bench_parse_jansson(size_t i)
{
    parse_message(bench_messages[i], bench_lens[i], &bench_result);
    json_t *j = parse_result_to_json(bench_messages[i], bench_lens[i], &bench_result);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    uint64_t n = s ? strlen(s) : 0;
    free(s);
    json_decref(j);
    return n;
}

/* Messages per second of fn over rounds of the whole rotation until seconds have passed. */
static double bench_rate(bench_fn fn, double seconds, volatile uint64_t *sink)
{
    uint64_t done = 0;
    double t0 = bench_now(), t1;
    do {
        for (int round = 0; round < 1000; round++)
            for (size_t i = 0; i < BENCH_COUNT; i++)
                *sink += fn(i);
        done += 1000 * BENCH_COUNT;
        t1 = bench_now();
    } while (t1 - t0 < seconds);
    return (double)done / (t1 - t0);
}

/* Writes lines messages of the rotation, one a line, to a new temporary file; its path in
 * path. A message with a newline in it is as many lines as it has (stdin's framing). */
static int bench_write_input(char *path, size_t lines)
{
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        return -1;
    size_t written = 0;
    for (size_t i = 0; written < lines; i = (i + 1) % BENCH_COUNT) {
        for (const char *p = bench_messages[i]; *p; p++)
            written += *p == '\n';
        fputs(bench_messages[i], f);
        fputc('\n', f);
        written++;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Seconds `bin parse` takes over the file at path, stdout to /dev/null; -1 on failure. */
static double bench_binary(const char *bin, const char *path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, path, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    char *const args[] = {(char *)bin, "parse", NULL};
    extern char **environ;
    pid_t pid;
    double t0 = bench_now();
    int rc = posix_spawn(&pid, bin, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1.0;
    return bench_now() - t0;
}

static void bench_print(const char *what, double rate, double base_rate)
{
    printf("%-44s %9.0f messages/s %7.1f ns/message %6.1fx the baseline's time\n", what, rate,
           1e9 / rate, base_rate / rate);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    const char *bin = argc > 2 ? argv[2] : CATAT_BIN;
    long lines = argc > 3 ? strtol(argv[3], NULL, 10) : 300000;
    if (!(seconds > 0.0 && seconds < 3600.0) || lines < 1 || lines > 100000000) {
        fprintf(stderr, "usage: bench_parse [SECONDS [CATAT_BIN [LINES]]]\n");
        return 2;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < BENCH_COUNT; i++) {
        bench_lens[i] = strlen(bench_messages[i]);
        bytes += bench_lens[i];
    }
    volatile uint64_t sink = 0;

    double parse_rate = bench_rate(bench_parse_only, seconds, &sink);
    double write_rate = bench_rate(bench_parse_write, seconds, &sink);
    double jansson_rate = bench_rate(bench_parse_jansson, seconds / 2, &sink);

    uint64_t base = 0;
    double t0 = bench_now(), t1;
    do {
        for (int round = 0; round < 1000; round++)
            for (size_t i = 0; i < BENCH_COUNT; i++)
                sink += bench_tokenise(bench_messages[i], bench_lens[i]);
        base += 1000 * BENCH_COUNT;
        t1 = bench_now();
    } while (t1 - t0 < seconds / 2);
    double base_rate = (double)base / (t1 - t0);

    /* The binary, best of three runs over the same file (process start included). */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/bench_parse.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    double best = -1.0;
    if (bench_write_input(path, (size_t)lines) == 0) {
        for (int run = 0; run < 3; run++) {
            double t = bench_binary(bin, path);
            if (t > 0 && (best < 0 || t < best))
                best = t;
        }
    }
    unlink(path);

    printf("messages: %zu in rotation, %.1f bytes on average\n", BENCH_COUNT,
           (double)bytes / (double)BENCH_COUNT);
    bench_print("baseline (lower-case + memchr tokenise)", base_rate, base_rate);
    bench_print("parse_message", parse_rate, base_rate);
    bench_print("parse_message + parse_result_write_json", write_rate, base_rate);
    bench_print("parse_message + jansson tree + json_dumps", jansson_rate, base_rate);
    if (best > 0) {
        char what[64];
        snprintf(what, sizeof(what), "catat parse, %ld stdin lines -> /dev/null", lines);
        bench_print(what, (double)lines / best, base_rate);
        printf("  (%s, best of 3 runs, process start included)\n", bin);
    } else {
        printf("catat parse: could not run %s\n", bin);
    }
    printf("(checksum %llu)\n", (unsigned long long)sink);
    return best > 0 ? 0 : 1;
}
