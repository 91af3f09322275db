/* xlsx.c - a table as an .xlsx workbook with libxlsxwriter: text as text (never a formula),
 * amounts and counts as numbers, a bold header row. libxlsxwriter writes to a file, so the
 * workbook goes through a private temporary file that is read back and removed. */
#include "web_internal.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

static int read_back(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
            char *buf = malloc((size_t)size);
            if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
                *out = buf;
                *len = (size_t)size;
                rc = 0;
            } else {
                free(buf);
            }
        }
    }
    fclose(f);
    return rc;
}

int web_xlsx(const struct page *p, const struct web_table *t, char **out, size_t *len)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/catat-xlsx-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        log_event(LOG_ERROR, "xlsx: no temporary file", NULL);
        return -1;
    }
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    if (!ws) {
        workbook_close(wb);
        unlink(path);
        return -1;
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    for (int c = 0; c < t->n_cols; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, web_word(p, t->head[c]), bold);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->kind[c] == WEB_TEXT ? 24 : 14,
                             NULL);
    }
    for (size_t r = 0; r < t->n_rows; r++)
        for (int c = 0; c < t->n_cols; c++) {
            size_t i = r * (size_t)t->n_cols + (size_t)c;
            if (i >= t->n_cells)
                continue;
            lxw_row_t row = (lxw_row_t)(r + 1);
            if (t->kind[c] == WEB_MONEY || t->kind[c] == WEB_NUMBER)
                worksheet_write_number(ws, row, (lxw_col_t)c, (double)t->cells[i].number, NULL);
            else if (t->cells[i].text && t->cells[i].text[0])
                worksheet_write_string(ws, row, (lxw_col_t)c, t->cells[i].text, NULL);
        }
    lxw_error rc = workbook_close(wb);
    int status = rc == LXW_NO_ERROR ? read_back(path, out, len) : -1;
    unlink(path);
    if (status != 0)
        log_event(LOG_ERROR, "xlsx: could not write the workbook", "error=%d", (int)rc);
    return status;
}
