/* html.c - writing pages: escaping, the page frame (phone-first, no script, no other host),
 * and tables that are shown with their download links or downloaded as CSV or XLSX. */
#include "web_internal.h"

#include "format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_raw(struct page *p, const char *s)
{
    form_buf_add(&p->out, s);
}

void html_text(struct page *p, const char *s)
{
    char chunk[256];
    size_t o = 0;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        size_t need = rep ? strlen(rep) : 1;
        if (o + need + 1 > sizeof chunk) {
            chunk[o] = '\0';
            form_buf_add(&p->out, chunk);
            o = 0;
        }
        if (rep) {
            memcpy(chunk + o, rep, need);
            o += need;
        } else {
            chunk[o++] = *s;
        }
    }
    chunk[o] = '\0';
    form_buf_add(&p->out, chunk);
}

void html_word(struct page *p, const char *key)
{
    html_text(p, web_word(p, key));
}

void html_fmt(struct page *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    form_buf_add(&p->out, buf);
}

void html_money(struct page *p, int64_t amount)
{
    char s[32];
    html_text(p, format_rupiah(amount, s, sizeof s));
}

/* Small on purpose: one column on a phone, tables scroll sideways inside their box. */
static const char style[] =
    "body{font-family:sans-serif;margin:0;line-height:1.4;color:#222}"
    "main{padding:0 .6em 2em;max-width:60em}"
    "header{background:#1d4f6e;color:#fff;margin:0 0 1em;padding:.5em .6em}"
    "header a{color:#fff;margin-right:.8em}header form{display:inline}"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9em}"
    "th,td{border-bottom:1px solid #ccc;padding:.25em .4em;text-align:left;vertical-align:top}"
    "td.n{text-align:right;white-space:nowrap}.dl{font-size:.85em}"
    "input,select,textarea,button{font-size:1em;max-width:100%}textarea{width:100%}"
    ".err{color:#a00}.ok{color:#060}svg{max-width:100%;height:auto}"
    "label{display:block;margin-top:.5em}";

void html_begin(struct page *p, const char *title_key, const char *title_extra)
{
    html_raw(p, "<!doctype html><html lang=\"");
    html_text(p, p->lang);
    html_raw(p, "\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                "<title>");
    html_word(p, title_key);
    if (title_extra) {
        html_raw(p, " ");
        html_text(p, title_extra);
    }
    html_raw(p, " - catat</title><style>");
    html_raw(p, style);
    html_raw(p, "</style></head><body><header>");
    if (p->signed_in) {
        html_raw(p, "<a href=\"/app/\">");
        html_word(p, "nav_overview");
        html_raw(p, "</a> <a href=\"/app/loans\">");
        html_word(p, "nav_loans");
        html_raw(p, "</a> <a href=\"/app/messages\">");
        html_word(p, "nav_messages");
        html_raw(p, "</a> <a href=\"/app/import\">");
        html_word(p, "nav_import");
        html_raw(p, "</a> <a href=\"/app/broadcast\">");
        html_word(p, "nav_broadcast");
        html_raw(p, "</a> <form method=\"post\" action=\"/app/logout\">");
        html_csrf(p);
        html_raw(p, "<button>");
        html_word(p, "nav_logout");
        html_raw(p, "</button></form> ");
        html_text(p, p->me.name);
    } else {
        html_raw(p, "catat");
    }
    html_raw(p, "</header><main><h1>");
    html_word(p, title_key);
    if (title_extra) {
        html_raw(p, " ");
        html_text(p, title_extra);
    }
    html_raw(p, "</h1>");
}

void html_end(struct page *p)
{
    html_raw(p, "</main></body></html>\n");
}

void html_csrf(struct page *p)
{
    html_raw(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(p, p->csrf);
    html_raw(p, "\">");
}

void html_h2(struct page *p, const char *key, const char *extra)
{
    html_raw(p, "<h2>");
    html_word(p, key);
    if (extra) {
        html_raw(p, " ");
        html_text(p, extra);
    }
    html_raw(p, "</h2>");
}

void html_respond(struct page *p, int status)
{
    free(p->rs->body);
    p->rs->status = status;
    p->rs->type = "text/html; charset=utf-8";
    size_t len = p->out.len;
    p->rs->body = form_buf_steal(&p->out);
    p->rs->len = p->rs->body ? len : 0;
    if (!p->rs->body)
        p->rs->status = 500;
}

void html_message_page(struct page *p, int status, const char *title_key, const char *text_key,
                       const char *detail)
{
    form_buf_free(&p->out);
    p->want_table = -1;
    html_begin(p, title_key, NULL);
    html_raw(p, "<p>");
    html_word(p, text_key);
    if (detail) {
        html_raw(p, "</p><p class=\"err\">");
        html_text(p, detail);
    }
    html_raw(p, "</p><p><a href=\"/app/\">");
    html_word(p, "nav_overview");
    html_raw(p, "</a></p>");
    html_end(p);
    html_respond(p, status);
}

/* ---- tables ---- */

struct web_table *web_table_new(const char *name, int n_cols, const char *const head_keys[],
                                const enum web_cell kinds[])
{
    struct web_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->name = name;
    t->n_cols = n_cols > 16 ? 16 : n_cols;
    for (int i = 0; i < t->n_cols; i++) {
        t->head[i] = head_keys[i];
        t->kind[i] = kinds[i];
    }
    return t;
}

static void *cell_slot(struct web_table *t)
{
    if (!t || t->failed)
        return NULL;
    if (t->n_cells % (size_t)t->n_cols == 0) { /* a new row */
        if (t->n_rows == t->cap_rows) {
            size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
            void *cells = realloc(t->cells, cap * (size_t)t->n_cols * sizeof t->cells[0]);
            if (!cells) {
                t->failed = true;
                return NULL;
            }
            t->cells = cells;
            char **action = realloc(t->action, cap * sizeof *action);
            if (!action) {
                t->failed = true;
                return NULL;
            }
            t->action = action;
            t->cap_rows = cap;
        }
        t->action[t->n_rows++] = NULL;
    }
    return &t->cells[t->n_cells++];
}

void web_cell_text(struct web_table *t, const char *s)
{
    if (!cell_slot(t))
        return;
    t->cells[t->n_cells - 1].text = strdup(s ? s : "");
    t->cells[t->n_cells - 1].href = NULL;
    t->cells[t->n_cells - 1].number = 0;
    if (!t->cells[t->n_cells - 1].text)
        t->failed = true;
}

void web_cell_clip(const struct page *p, struct web_table *t, const char *s)
{
    size_t len = strlen(s);
    if (p->want_table >= 0 || len <= WEB_CLIP_BYTES)
        return web_cell_text(t, s);
    size_t cut = WEB_CLIP_BYTES;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    char buf[WEB_CLIP_BYTES + 8];
    memcpy(buf, s, cut);
    memcpy(buf + cut, "...", 4);
    web_cell_text(t, buf);
}

void web_cell_number(struct web_table *t, int64_t n)
{
    if (!cell_slot(t))
        return;
    t->cells[t->n_cells - 1].text = NULL;
    t->cells[t->n_cells - 1].href = NULL;
    t->cells[t->n_cells - 1].number = n;
}

void web_cell_link(struct web_table *t, const char *text, const char *href)
{
    web_cell_text(t, text);
    if (t && !t->failed && t->n_cells && !(t->cells[t->n_cells - 1].href = strdup(href)))
        t->failed = true;
}

void web_row_action(struct web_table *t, const char *markup)
{
    if (!t || t->failed || !t->n_rows)
        return;
    free(t->action[t->n_rows - 1]);
    t->action[t->n_rows - 1] = strdup(markup);
}

void web_table_free(struct web_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_cells; i++) {
        free(t->cells[i].text);
        free(t->cells[i].href);
    }
    for (size_t i = 0; i < t->n_rows; i++)
        free(t->action[i]);
    free(t->cells);
    free(t->action);
    free(t);
}

/* The link to this page's table n in format fmt, escaped for an attribute. */
static void download_link(struct page *p, int n, const char *fmt)
{
    struct form_buf url = {0};
    form_buf_add(&url, p->self_path[0] ? p->self_path : p->rq->path);
    form_buf_add(&url, "?");
    for (size_t i = 0; i < p->rq->n_query; i++)
        if (strcmp(p->rq->query[i].key, "download") != 0 &&
            strcmp(p->rq->query[i].key, "format") != 0)
            form_buf_add_pair(&url, p->rq->query[i].key,
                              p->rq->query[i].value ? p->rq->query[i].value : "");
    char num[16];
    snprintf(num, sizeof num, "%d", n);
    form_buf_add_pair(&url, "download", num);
    form_buf_add_pair(&url, "format", fmt);
    char *u = form_buf_steal(&url);
    if (u) {
        html_raw(p, "<a href=\"");
        html_text(p, u);
        html_raw(p, "\">");
        html_text(p, fmt[0] == 'c' ? "CSV" : "XLSX");
        html_raw(p, "</a>");
    }
    free(u);
}

void web_table_end(struct page *p, struct web_table *t)
{
    int n = p->n_tables++;
    if (!t)
        return;
    if (p->want_table == n) {
        web_table_free(p->kept);
        p->kept = t;
        return;
    }
    if (p->want_table >= 0) { /* another table is wanted: skip writing this one */
        web_table_free(t);
        return;
    }
    bool actions = false;
    for (size_t r = 0; r < t->n_rows; r++)
        actions |= t->action[r] != NULL;
    /* The action (a confirm button) comes first: on a phone it is on screen without scrolling. */
    html_raw(p, "<div class=\"scroll\"><table><thead><tr>");
    if (actions)
        html_raw(p, "<th></th>");
    for (int c = 0; c < t->n_cols; c++) {
        html_raw(p, "<th scope=\"col\">");
        html_word(p, t->head[c]);
        html_raw(p, "</th>");
    }
    html_raw(p, "</tr></thead><tbody>");
    for (size_t r = 0; r < t->n_rows; r++) {
        html_raw(p, "<tr>");
        if (actions) {
            html_raw(p, "<td>");
            if (t->action[r])
                html_raw(p, t->action[r]);
            html_raw(p, "</td>");
        }
        for (int c = 0; c < t->n_cols; c++) {
            size_t i = r * (size_t)t->n_cols + (size_t)c;
            if (i >= t->n_cells) {
                html_raw(p, "<td></td>");
                continue;
            }
            if (t->kind[c] == WEB_MONEY) {
                html_raw(p, "<td class=\"n\">");
                html_money(p, t->cells[i].number);
            } else if (t->kind[c] == WEB_NUMBER) {
                html_fmt(p, "<td class=\"n\">%lld", (long long)t->cells[i].number);
            } else if (t->cells[i].href) {
                html_raw(p, "<td><a href=\"");
                html_text(p, t->cells[i].href);
                html_raw(p, "\">");
                html_text(p, t->cells[i].text ? t->cells[i].text : "");
                html_raw(p, "</a>");
            } else {
                html_raw(p, "<td>");
                html_text(p, t->cells[i].text ? t->cells[i].text : "");
            }
            html_raw(p, "</td>");
        }
        html_raw(p, "</tr>");
    }
    if (!t->n_rows)
        html_fmt(p, "<tr><td colspan=\"%d\">%s</td></tr>", t->n_cols + actions, "&mdash;");
    html_raw(p, "</tbody></table></div><p class=\"dl\">");
    html_word(p, "download");
    html_raw(p, ": ");
    download_link(p, n, "csv");
    html_raw(p, " ");
    download_link(p, n, "xlsx");
    html_raw(p, "</p>");
    web_table_free(t);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A field
 * that a spreadsheet would take for a formula (=, +, -, @ first) is prefixed with ' so a
 * member's text cannot run one. */
static void csv_field(struct form_buf *b, const char *s)
{
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    if (!formula && !strpbrk(s, ",\"\r\n;")) {
        form_buf_add(b, s);
        return;
    }
    form_buf_add(b, "\"");
    if (formula)
        form_buf_add(b, "'");
    for (const char *q = s; *q; q++) {
        char c[3] = {*q, *q == '"' ? '"' : '\0', '\0'};
        form_buf_add(b, c);
    }
    form_buf_add(b, "\"");
}

int web_table_download(struct page *p)
{
    struct web_table *t = p->kept;
    if (t->failed)
        return -1;
    snprintf(p->rs->filename, sizeof p->rs->filename, "%s.%s", t->name, p->want_format);
    p->rs->status = 200;
    if (strcmp(p->want_format, "xlsx") == 0) {
        p->rs->type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        return web_xlsx(p, t, &p->rs->body, &p->rs->len);
    }
    struct form_buf b = {0};
    for (int c = 0; c < t->n_cols; c++) {
        if (c)
            form_buf_add(&b, ",");
        csv_field(&b, web_word(p, t->head[c]));
    }
    form_buf_add(&b, "\r\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++) {
            size_t i = r * (size_t)t->n_cols + (size_t)c;
            if (c)
                form_buf_add(&b, ",");
            if (i >= t->n_cells)
                continue;
            if (t->kind[c] == WEB_MONEY || t->kind[c] == WEB_NUMBER) {
                char n[24];
                snprintf(n, sizeof n, "%lld", (long long)t->cells[i].number);
                form_buf_add(&b, n);
            } else {
                csv_field(&b, t->cells[i].text ? t->cells[i].text : "");
            }
        }
        form_buf_add(&b, "\r\n");
    }
    p->rs->type = "text/csv; charset=utf-8";
    size_t len = b.len;
    p->rs->body = form_buf_steal(&b);
    p->rs->len = len;
    return p->rs->body ? 0 : -1;
}
