/* import.h - CSV files into the store for `catat import` and the web app's upload: groups,
 * members, loans, batches, participants and surveys (product.md section 4), all of a file or
 * none. */
#ifndef CATAT_IMPORT_H
#define CATAT_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct store;

#define IMPORT_MAX_BYTES (64L * 1024 * 1024)

/* Imports text[0..len) (borrowed) as kind ("groups", "members", "loans", "batches",
 * "participants", "surveys") in one transaction of s, which must have none open. Every bad row is
 * written to errors as "FILE:LINE: reason" (file names the input), followed by how many were bad.
 * On success summary holds "imported N KIND ...". Returns 0 when imported, 1 when the file
 * was refused (nothing imported), -1 on a database error (nothing imported). */
int import_csv(struct store *s, const struct config *cfg, const char *kind, const char *file,
               const char *text, size_t len, int64_t now, FILE *errors, char *summary,
               size_t summarysz);
/* The columns of kind's header as "code,name,...", or NULL for an unknown kind. Static. */
const char *import_kind_columns(const char *kind);

#endif
