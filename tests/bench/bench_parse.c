/* bench_parse.c - messages per second through parse_message, against a plain tokenising pass. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"

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

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    if (!(seconds > 0.0 && seconds < 3600.0)) {
        fprintf(stderr, "usage: bench_parse [SECONDS]\n");
        return 2;
    }
    size_t lens[BENCH_COUNT];
    size_t bytes = 0;
    for (size_t i = 0; i < BENCH_COUNT; i++) {
        lens[i] = strlen(bench_messages[i]);
        bytes += lens[i];
    }
    static struct parse_result r;
    volatile uint64_t sink = 0;

    /* parse_message, in rounds of the whole rotation until the time is up */
    uint64_t parsed = 0;
    double t0 = bench_now(), t1;
    do {
        for (int round = 0; round < 1000; round++) {
            for (size_t i = 0; i < BENCH_COUNT; i++) {
                parse_message(bench_messages[i], lens[i], &r);
                sink += (uint64_t)r.commands[0].amount + (uint64_t)r.commands[0].cmd;
            }
        }
        parsed += 1000 * BENCH_COUNT;
        t1 = bench_now();
    } while (t1 - t0 < seconds);
    double parse_rate = (double)parsed / (t1 - t0);

    uint64_t base = 0;
    t0 = bench_now();
    do {
        for (int round = 0; round < 1000; round++)
            for (size_t i = 0; i < BENCH_COUNT; i++)
                sink += bench_tokenise(bench_messages[i], lens[i]);
        base += 1000 * BENCH_COUNT;
        t1 = bench_now();
    } while (t1 - t0 < seconds / 2);
    double base_rate = (double)base / (t1 - t0);

    printf("messages: %zu in rotation, %.1f bytes on average\n", BENCH_COUNT,
           (double)bytes / (double)BENCH_COUNT);
    printf("parse_message: %.0f messages/s, %.1f ns/message\n", parse_rate, 1e9 / parse_rate);
    printf("baseline (lower-case + memchr tokenise): %.0f messages/s, %.1f ns/message\n", base_rate,
           1e9 / base_rate);
    printf("ratio: parse_message is %.1fx the baseline's time\n", base_rate / parse_rate);
    printf("(checksum %llu)\n", (unsigned long long)sink);
    return 0;
}
