/* refs.h - an entry's reference code is its id written in letters: ids 1 to 456,976 in four
 * characters, then five, six and seven, each length through a fixed permutation, so that
 * consecutive entries get unrelated codes and a mistyped code names another entry no more often
 * than a random one would (product.md s. 3: no look-alike characters). Unique by construction:
 * no index of random codes is written per entry, and a code is found through the primary key. */
#ifndef CATAT_REFS_H
#define CATAT_REFS_H

#include <stdint.h>

/* The characters of reference codes (no 0/O, 1/I, 2/Z, 5/S, 8/B). */
extern const char refs_alphabet[];

/* Writes the code of entry id (>= 1) into out (4-7 characters and a NUL). Returns 0, or -1 when
 * id is out of range (beyond eight billion). */
int refs_encode(int64_t id, char out[8]);
/* The id whose code ref is, or 0 when ref is no such code (wrong length or character). */
int64_t refs_decode(const char *ref);

#endif
