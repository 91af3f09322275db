/* corpus_table.h - reading the parser's example tables (parse_corpus.tsv, parse_more.tsv):
 * one "message<TAB>expected JSON" per line, with \n \r \t \\ and \xHH escapes in the
 * message. */
#ifndef CATAT_CORPUS_TABLE_H
#define CATAT_CORPUS_TABLE_H

#include <stddef.h>
#include <stdlib.h>

/* Decodes the table's escapes in place: \n \r \t \\ and \xHH. Returns the new length. */
static inline size_t corpus_unescape(char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\' || i + 1 >= len) {
            s[n++] = s[i];
            continue;
        }
        char e = s[++i];
        if (e == 'n') {
            s[n++] = '\n';
        } else if (e == 'r') {
            s[n++] = '\r';
        } else if (e == 't') {
            s[n++] = '\t';
        } else if (e == '\\') {
            s[n++] = '\\';
        } else if (e == 'x' && i + 2 < len) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            s[n++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            s[n++] = '\\';
            s[n++] = e;
        }
    }
    return n;
}

#endif
