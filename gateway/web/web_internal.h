/* web_internal.h - what the web app's files share: the app, one request's page, HTML output,
 * tables (shown, or downloaded as CSV or XLSX), charts, sign-in and sessions. */
#ifndef CATAT_WEB_INTERNAL_H
#define CATAT_WEB_INTERNAL_H

#include "web.h"
#include "web_form.h"

#include "form.h"
#include "store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct templates;

struct web {
    struct runtime *rt;      /* borrowed */
    struct outbox *ob;       /* borrowed, may be NULL */
    struct templates *words; /* new: templates/web/<lang>.ini */
    struct store *s;         /* the web app's own connection, under mu */
    pthread_mutex_t mu;
    int64_t session_seconds; /* [web] session_hours, idle */
    bool secure_cookie;      /* public_url is https */
};

/* One request being answered. */
struct page {
    struct web *w;
    const struct web_request *rq;
    struct web_response *rs;
    struct store *s; /* w->s, held for the request */
    int64_t now;
    const char *lang;
    bool signed_in;
    struct store_person me; /* when signed_in */
    int64_t my_network;     /* the network of her group, 0 when none */
    char csrf[65];          /* the session's form token */
    struct web_form form;   /* a POST's fields */
    struct form_buf out;    /* the HTML being written */
    char self_path[128];    /* the GET page a POST's answer shows ("" = the request's) */
    /* Downloads: ?download=N&format=csv|xlsx keeps table N instead of writing the page. */
    int want_table; /* -1: none */
    const char *want_format;
    int n_tables;
    struct web_table *kept;
};

/* ---- words (templates/web/) ---- */
/* The page word for key in the page's language; the key itself when missing. Borrowed. */
const char *web_word(const struct page *p, const char *key);

/* ---- HTML (html.c) ---- */
/* Appends s as it is (our own markup). */
void html_raw(struct page *p, const char *s);
/* Appends s escaped for text and attribute values: & < > " ' */
void html_text(struct page *p, const char *s);
/* Appends the page word for key, escaped. */
void html_word(struct page *p, const char *key);
/* Appends a formatted string as it is: only numbers and our own markup go through here. */
void html_fmt(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a rupiah amount ("Rp45.000"). */
void html_money(struct page *p, int64_t amount);
/* The page's start: doctype, inline style, title (a word key), navigation; and its end. */
void html_begin(struct page *p, const char *title_key, const char *title_extra);
void html_end(struct page *p);
/* The hidden csrf field of a form that changes something. */
void html_csrf(struct page *p);
/* A heading h2 with a word. */
void html_h2(struct page *p, const char *key, const char *extra);
/* Takes the HTML written so far as the response body with status. */
void html_respond(struct page *p, int status);
/* A small page with a heading and one message (word keys). */
void html_message_page(struct page *p, int status, const char *title_key, const char *text_key,
                       const char *detail);

/* ---- tables (html.c) ---- */
enum web_cell { WEB_TEXT, WEB_NUMBER, WEB_MONEY, WEB_DATE };

struct web_table {
    const char *name; /* the download's file name stem: "members" */
    int n_cols;
    const char *head[16];
    enum web_cell kind[16];
    struct {
        char *text; /* new; the display text of WEB_TEXT and WEB_DATE */
        char *href; /* new; the page the text links to, or NULL */
        int64_t number;
    } * cells;
    char **action; /* per row: markup shown after the row's cells (a button), or NULL */
    size_t n_rows, cap_rows, n_cells;
    bool failed;
};

/* Starts a table with n_cols columns: heads are word keys, kinds how each cell is written. */
struct web_table *web_table_new(const char *name, int n_cols, const char *const head_keys[],
                                const enum web_cell kinds[]);
/* Cells, row by row, left to right. */
void web_cell_text(struct web_table *t, const char *s);
void web_cell_number(struct web_table *t, int64_t n);
/* A text cell that links to href (our own path) on the page; plain text in a download. */
void web_cell_link(struct web_table *t, const char *text, const char *href);
/* A text cell cut to about WEB_CLIP_BYTES on the page (at a character's start, with "..."),
 * whole in a download: a member's long message must not make a page heavy. */
#define WEB_CLIP_BYTES 280
void web_cell_clip(const struct page *p, struct web_table *t, const char *s);
/* Markup (already escaped) shown after the current row, on the page only. */
void web_row_action(struct web_table *t, const char *markup);
/* Writes the table with its download links into the page (or keeps it for the download that
 * was asked for), and frees it unless kept. */
void web_table_end(struct page *p, struct web_table *t);
void web_table_free(struct web_table *t);
/* The kept table as CSV or XLSX into p->rs. Returns 0, or -1 (the caller answers 500). */
int web_table_download(struct page *p);

/* ---- XLSX (xlsx.c) ---- */
/* The table as an .xlsx workbook (new buffer in *out, *len). Returns 0 or -1. */
int web_xlsx(const struct page *p, const struct web_table *t, char **out, size_t *len);

/* ---- charts (svg.c) ---- */
/* Bars of up to four series over n labels (weeks, sessions), drawn as inline SVG. series
 * names are word keys; values[series][i]. money: the axis is rupiah. */
void svg_bars(struct page *p, const char *title_key, int n, const char *const labels[],
              int n_series, const char *const series_keys[], const int64_t *const values[],
              bool money);

/* ---- sign-in and sessions (auth.c) ---- */
/* Reads the session cookie: fills p->me, p->csrf and p->signed_in when it names a live
 * session (touching it). Returns 0, or -1 on a database error. */
int auth_session(struct page *p);
/* POST /app/login, POST /app/login/code, POST /app/logout and GET /app/login. */
void auth_login_page(struct page *p);
void auth_login_post(struct page *p);
void auth_code_post(struct page *p);
void auth_logout(struct page *p);
/* Whether the POST's csrf field is the session's token (constant time). */
bool auth_csrf_ok(const struct page *p);
/* SHA-256 of s[0..len) as 64 hex digits into out[65]. */
void auth_sha256_hex(const char *s, size_t len, char out[65]);

/* How many rows a long list shows: a page stays under 100 KB on a phone, a download has all. */
#define WEB_PAGE_ROWS 50
#define WEB_DOWNLOAD_ROWS 100000
int web_rows(const struct page *p);
/* After a list cut at web_rows: a line saying the download holds the rest. */
void web_rows_note(struct page *p, int shown);
/* Closes a list of `shown` rows (a store_web_each_* count) in t: the rows note, then
 * web_table_end. With shown < 0 frees t and answers web_fail instead, returning -1. */
int web_list_end(struct page *p, struct web_table *t, int shown);

/* ---- scope ---- */
/* Whether the signed-in person may see the group: store_staff_covers. */
bool web_covers_group(struct page *p, int64_t group_id);
struct store_batch;
/* Whether the signed-in person may see batch b (NULL: any batch at all). */
bool web_covers_batch(struct page *p, const struct store_batch *b);
/* The local date (YYYY-MM-DD) and day start of now in tz seconds. */
int64_t web_day_start(int64_t now, int tz);

/* ---- pages (pages_*.c): each writes p->rs ---- */
void page_overview(struct page *p);
void page_group(struct page *p, const char *code);
void page_confirm(struct page *p, const char *code);
void page_member(struct page *p, const char *code);
void page_loans(struct page *p);
void page_training(struct page *p, const char *batch);
void page_messages(struct page *p);
void page_retry(struct page *p);
void page_import(struct page *p);
void page_broadcast(struct page *p);

/* A query argument of the request, or "" when absent. Borrowed. */
const char *web_query(const struct page *p, const char *key);
/* Answers 500 after a database error (logged where it happened). */
void web_fail(struct page *p);
/* Answers a 303 redirect to location. */
void web_redirect(struct page *p, const char *location);
/* Records an action with who took it (inside the action's transaction). */
int web_record(struct page *p, const char *action, const char *target, const char *detail);

#endif
