/* refs.c - entry ids as reference codes: a Feistel permutation per code length (cycle-walking
 * onto 26^length codes), and its inverse. */
#include "refs.h"

#include <stdbool.h>
#include <string.h>

const char refs_alphabet[] = "ACDEFGHJKLMNPQRTUVWXY34679";

#define LETTERS 26
#define MIN_LEN 4
#define MAX_LEN 7

/* 26^len. */
static uint64_t codes_of(int len)
{
    uint64_t n = 1;
    for (int i = 0; i < len; i++)
        n *= LETTERS;
    return n;
}

/* Half the bits of the smallest even-width power of two holding 26^len codes. */
static int half_bits(int len)
{
    int bits = 0;
    while ((1ULL << bits) < codes_of(len))
        bits++;
    return (bits + 1) / 2;
}

static uint32_t mix(uint32_t x, uint32_t key)
{
    x ^= key;
    x *= 0x9E3779B1U;
    x ^= x >> 15;
    x *= 0x85EBCA77U;
    x ^= x >> 13;
    return x;
}

static const uint32_t round_keys[4] = {0x6A09E667U, 0xBB67AE85U, 0x3C6EF372U, 0xA54FF53AU};

/* One pass of the permutation of [0, 2^(2*half)) or its inverse. */
static uint64_t feistel(uint64_t v, int half, bool inverse)
{
    uint32_t mask = (uint32_t)((1ULL << half) - 1);
    uint32_t l = (uint32_t)(v >> half), r = (uint32_t)v & mask;
    for (int i = 0; i < 4; i++) {
        uint32_t key = round_keys[inverse ? 3 - i : i];
        if (!inverse) {
            uint32_t t = l ^ (mix(r, key) & mask);
            l = r;
            r = t;
        } else {
            uint32_t t = r ^ (mix(l, key) & mask);
            r = l;
            l = t;
        }
    }
    return (uint64_t)l << half | r;
}

/* The permutation (or its inverse) of [0, 26^len): walks the power-of-two permutation's cycle
 * until it lands inside the range again. */
static uint64_t permute(uint64_t v, int len, bool inverse)
{
    uint64_t n = codes_of(len);
    int half = half_bits(len);
    do
        v = feistel(v, half, inverse);
    while (v >= n);
    return v;
}

int refs_encode(int64_t id, char out[8])
{
    if (id < 1)
        return -1;
    uint64_t k = (uint64_t)id - 1;
    int len = MIN_LEN;
    for (; len <= MAX_LEN && k >= codes_of(len); len++)
        k -= codes_of(len);
    if (len > MAX_LEN)
        return -1;
    uint64_t v = permute(k, len, false);
    for (int i = len - 1; i >= 0; i--) {
        out[i] = refs_alphabet[v % LETTERS];
        v /= LETTERS;
    }
    out[len] = '\0';
    return 0;
}

int64_t refs_decode(const char *ref)
{
    size_t len = strlen(ref);
    if (len < MIN_LEN || len > MAX_LEN)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        const char *at = ref[i] ? strchr(refs_alphabet, ref[i]) : NULL;
        if (!at)
            return 0;
        v = v * LETTERS + (uint64_t)(at - refs_alphabet);
    }
    uint64_t k = permute(v, (int)len, true);
    for (int shorter = MIN_LEN; shorter < (int)len; shorter++)
        k += codes_of(shorter);
    return (int64_t)(k + 1);
}
