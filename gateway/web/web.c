/* web.c - the web app's entry: its connection and words, and routing a request to its page
 * after the session and CSRF checks of product.md section 8. */
#include "web_internal.h"

#include "config.h"
#include "domain.h"
#include "log.h"
#include "runtime.h"
#include "store_training.h"
#include "store_web.h"
#include "templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct web *web_start(struct runtime *rt, struct outbox *ob, const char *db_path, char *err,
                      size_t errsz)
{
    struct web *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    w->rt = rt;
    w->ob = ob;
    w->session_seconds = config_get_long(rt->cfg, "web", "session_hours") * 3600;
    w->secure_cookie = strncasecmp(config_get(rt->cfg, "server", "public_url"), "https:", 6) == 0;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/web",
             templates_find_dir(config_get(rt->cfg, "server", "templates")));
    w->words = templates_load(dir, err, errsz);
    if (!w->words) {
        free(w);
        return NULL;
    }
    w->s = store_open(db_path, err, errsz);
    if (!w->s) {
        templates_free(w->words);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    return w;
}

void web_stop(struct web *w)
{
    if (!w)
        return;
    store_close(w->s);
    templates_free(w->words);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

const char *web_word(const struct page *p, const char *key)
{
    const char *s = templates_get(p->w->words, p->lang, key);
    return s ? s : key;
}

const char *web_query(const struct page *p, const char *key)
{
    for (size_t i = 0; i < p->rq->n_query; i++)
        if (strcmp(p->rq->query[i].key, key) == 0)
            return p->rq->query[i].value ? p->rq->query[i].value : "";
    return "";
}

void web_fail(struct page *p)
{
    p->out.len = 0;
    html_message_page(p, 500, "error_title", "error_database", NULL);
}

void web_redirect(struct page *p, const char *location)
{
    form_buf_free(&p->out);
    p->rs->status = 303;
    p->rs->type = "text/html; charset=utf-8";
    snprintf(p->rs->location, sizeof p->rs->location, "%s", location);
    p->rs->body = NULL;
    p->rs->len = 0;
}

int web_record(struct page *p, const char *action, const char *target, const char *detail)
{
    return store_web_action(p->s, p->me.id, action, target, detail, p->now);
}

bool web_covers_group(struct page *p, int64_t group_id)
{
    return store_staff_covers(p->s, &p->me, group_id);
}

bool web_covers_batch(struct page *p, const struct store_batch *b)
{
    /* An admin every batch; a trainer hers and those without a trainer (batches.csv). */
    if (strcmp(p->me.role, "admin") == 0)
        return true;
    if (strcmp(p->me.role, "trainer") != 0)
        return false;
    return !b || domain_runs_batch(&p->me, b->trainer_id);
}

int web_rows(const struct page *p)
{
    return p->want_table >= 0 ? WEB_DOWNLOAD_ROWS : WEB_PAGE_ROWS;
}

void web_rows_note(struct page *p, int shown)
{
    if (p->want_table < 0 && shown >= WEB_PAGE_ROWS) {
        html_raw(p, "<p class=\"dl\">");
        html_fmt(p, "%d ", WEB_PAGE_ROWS);
        html_word(p, "rows_cut");
        html_raw(p, "</p>");
    }
}

int web_list_end(struct page *p, struct web_table *t, int shown)
{
    if (shown < 0) {
        web_table_free(t);
        web_fail(p);
        return -1;
    }
    web_rows_note(p, shown);
    web_table_end(p, t);
    return 0;
}

int64_t web_day_start(int64_t now, int tz)
{
    int64_t local = now + tz;
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    return day * 86400 - tz;
}

/* "/app/groups/KPUK07" with prefix "/app/groups/" -> "KPUK07" (no further '/'), else NULL. */
static const char *tail(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || !path[n] || strchr(path + n, '/'))
        return NULL;
    return path + n;
}

static void route(struct page *p)
{
    const char *path = p->rq->path, *arg;
    bool post = strcmp(p->rq->method, "POST") == 0;
    if (strcmp(path, "/app/login") == 0)
        return post ? auth_login_post(p) : auth_login_page(p);
    if (strcmp(path, "/app/login/code") == 0 && post)
        return auth_code_post(p);
    if (!p->signed_in)
        return web_redirect(p, "/app/login");
    if (post && !auth_csrf_ok(p)) {
        char q[160];
        log_event(LOG_WARN, "web form refused", "reason=csrf path=\"%s\"",
                  log_quote(path, q, sizeof q));
        return html_message_page(p, 403, "error_title", "error_csrf", NULL);
    }
    if (strcmp(path, "/app/logout") == 0 && post)
        return auth_logout(p);
    if (strcmp(path, "/app/") == 0 || strcmp(path, "/app") == 0)
        return page_overview(p);
    if (strcmp(path, "/app/loans") == 0)
        return page_loans(p);
    if (strcmp(path, "/app/messages") == 0)
        return page_messages(p);
    if (strcmp(path, "/app/messages/retry") == 0 && post)
        return page_retry(p);
    if (strcmp(path, "/app/import") == 0)
        return page_import(p);
    if (strcmp(path, "/app/broadcast") == 0)
        return page_broadcast(p);
    if ((arg = tail(path, "/app/groups/")))
        return page_group(p, arg);
    if (strncmp(path, "/app/groups/", 12) == 0 && post) {
        /* /app/groups/CODE/confirm */
        const char *code = path + 12, *slash = strchr(code, '/');
        if (slash && strcmp(slash, "/confirm") == 0 && slash - code < 24) {
            char c[24];
            snprintf(c, sizeof c, "%.*s", (int)(slash - code), code);
            return page_confirm(p, c);
        }
    }
    if ((arg = tail(path, "/app/members/")))
        return page_member(p, arg);
    if ((arg = tail(path, "/app/training/")))
        return page_training(p, arg);
    html_message_page(p, 404, "error_title", "error_not_found", NULL);
}

void web_handle(struct web *w, const struct web_request *rq, struct web_response *rs)
{
    struct page p = {
        .w = w, .rq = rq, .rs = rs, .s = w->s, .now = (int64_t)time(NULL), .want_table = -1};
    p.lang = w->rt->domain.default_lang;
    pthread_mutex_lock(&w->mu);
    char err[160];
    if (strcmp(rq->method, "POST") == 0 &&
        web_form_decode(rq->content_type, rq->body, rq->len, &p.form, err, sizeof err) != 0) {
        html_message_page(&p, 400, "error_title", "error_form", err);
    } else if (auth_session(&p) != 0) {
        web_fail(&p);
    } else {
        const char *dl = web_query(&p, "download"), *fmt = web_query(&p, "format");
        if (dl[0] && (strcmp(fmt, "csv") == 0 || strcmp(fmt, "xlsx") == 0)) {
            char *end;
            long n = strtol(dl, &end, 10);
            if (*end == '\0' && n >= 0 && n < 64) {
                p.want_table = (int)n;
                p.want_format = fmt;
            }
        }
        route(&p);
        if (p.want_table >= 0 && rs->status == 200) {
            form_buf_free(&p.out);
            free(rs->body);
            rs->body = NULL;
            if (!p.kept)
                html_message_page(&p, 404, "error_title", "error_not_found", NULL);
            else if (web_table_download(&p) != 0)
                web_fail(&p);
        }
    }
    web_table_free(p.kept);
    web_form_free(&p.form);
    form_buf_free(&p.out);
    pthread_mutex_unlock(&w->mu);
}
