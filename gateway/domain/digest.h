/* digest.h - the daily digest for staff: per group (treasurers, facilitators, admins of the
 * group), per network (its facilitators and admins) and per training batch (its trainers). */
#ifndef CATAT_DIGEST_H
#define CATAT_DIGEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct domain;
struct reach;
struct store;

struct digest_opts {
    int64_t now;       /* the digest covers the 24 hours before now */
    const char *group; /* only this group's digest (code), or NULL for every digest */
    FILE *print;   /* when not NULL, each digest is written here once, in the default language */
    bool send;     /* queue each digest to its staff, once per person and local day */
    bool only_due; /* queue only where the local time has reached [digest] hour (scheduler) */
};

/* Builds the digests at o->now inside the caller's transaction of s. On SMS a digest is cut to
 * at most 3 segments. Returns how many digests were printed or queued, or -1 on a database
 * error. */
int digest_run(const struct domain *d, const struct reach *reach, struct store *s,
               const struct digest_opts *o);

#endif
