/* pages_actions.c - /app/messages (search; retry a failed delivery), /app/import (a CSV upload
 * through import.c: the same checks, the same line-numbered errors, all or nothing) and
 * /app/broadcast (as KIRIM, through the domain, after a preview of who receives it). */
#include "web_internal.h"

#include "config.h"
#include "domain.h"
#include "format.h"
#include "import.h"
#include "outbox.h"
#include "phone.h"
#include "reach.h"
#include "runtime.h"
#include "sms.h"
#include "store_training.h"
#include "store_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ---- */

struct message_list {
    struct page *p;
    struct web_table *t;
};

static void message_row(const struct store_web_message *m, void *arg)
{
    struct message_list *l = arg;
    struct page *p = l->p;
    char at[32];
    format_iso8601(m->at, p->w->rt->domain.default_tz, at, sizeof at);
    at[16] = '\0';
    at[10] = ' ';
    web_cell_text(l->t, at);
    web_cell_text(l->t, web_word(p, m->direction));
    web_cell_text(l->t, m->phone);
    web_cell_text(l->t, m->name);
    web_cell_clip(p, l->t, m->text);
    web_cell_text(l->t, m->status);
    web_cell_text(l->t, m->error);
    if (strcmp(m->direction, "out") == 0 && strcmp(m->status, "failed") == 0) {
        size_t mark = p->out.len;
        html_raw(p, "<form method=\"post\" action=\"/app/messages/retry\">");
        html_csrf(p);
        html_fmt(p, "<input type=\"hidden\" name=\"id\" value=\"%lld\"><button>", (long long)m->id);
        html_word(p, "retry");
        html_raw(p, "</button></form>");
        if (!p->out.failed && p->out.data) {
            web_row_action(l->t, p->out.data + mark);
            p->out.len = mark;
            p->out.data[mark] = '\0';
        }
    }
}

static void messages_page(struct page *p, const char *notice, bool ok)
{
    const char *phone = web_query(p, "phone"), *text = web_query(p, "text"),
               *status = web_query(p, "status");
    char e164[PHONE_E164_MAX] = "";
    if (phone[0] && phone_normalize(phone, strlen(phone),
                                    config_get(p->w->rt->cfg, "locale", "country_code"), e164) != 0)
        snprintf(e164, sizeof e164, "-"); /* matches nothing */
    html_begin(p, "messages_title", NULL);
    if (notice) {
        html_raw(p, ok ? "<p class=\"ok\">" : "<p class=\"err\">");
        html_word(p, notice);
        html_raw(p, "</p>");
    }
    html_raw(p, "<form method=\"get\" action=\"/app/messages\"><label>");
    html_word(p, "phone");
    html_raw(p, " <input name=\"phone\" type=\"tel\" value=\"");
    html_text(p, phone);
    html_raw(p, "\"></label><label>");
    html_word(p, "text");
    html_raw(p, " <input name=\"text\" value=\"");
    html_text(p, text);
    html_raw(p, "\"></label><label>");
    html_word(p, "status");
    html_raw(p, " <select name=\"status\"><option value=\"\"></option>");
    static const char *const statuses[] = {"queued", "sent", "delivered", "read",
                                           "failed", "ok",   "error",     "unregistered"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        html_fmt(p, "<option%s>%s</option>", strcmp(status, statuses[i]) == 0 ? " selected" : "",
                 statuses[i]);
    html_raw(p, "</select></label><button>");
    html_word(p, "search");
    html_raw(p, "</button></form>");
    static const char *const heads[] = {"time", "direction", "phone", "name",
                                        "text", "status",    "error"};
    static const enum web_cell kinds[] = {WEB_DATE, WEB_TEXT, WEB_TEXT, WEB_TEXT,
                                          WEB_TEXT, WEB_TEXT, WEB_TEXT};
    struct message_list l = {p, web_table_new("messages", 7, heads, kinds)};
    struct store_web_message_filter f = {.phone = e164,
                                         .text = text,
                                         .status = status,
                                         .staff = &p->me,
                                         .staff_network_id = p->my_network,
                                         .limit = web_rows(p)};
    int shown = l.t ? store_web_each_message(p->s, &f, message_row, &l) : -1;
    if (web_list_end(p, l.t, shown) != 0)
        return;
    html_end(p);
    html_respond(p, 200);
}

void page_messages(struct page *p)
{
    messages_page(p, NULL, false);
}

/* POST /app/messages/retry (id): a failed outbound message is queued again. */
void page_retry(struct page *p)
{
    char *end;
    const char *id_s = web_form_get(&p->form, "id");
    long long id = strtoll(id_s, &end, 10);
    if (!id_s[0] || *end || id <= 0)
        return html_message_page(p, 400, "error_title", "error_form", NULL);
    char phone[32] = "";
    bool failed = false;
    int rc = store_web_outbox_get(p->s, id, phone, sizeof phone, &failed);
    if (rc < 0)
        return web_fail(p);
    struct store_person to;
    int known = rc == 1 ? store_person_by_phone(p->s, phone, &to) : 0;
    if (known < 0)
        return web_fail(p);
    bool covered = strcmp(p->me.role, "admin") == 0 ||
                   (known == 1 && to.group_id && web_covers_group(p, to.group_id));
    if (rc == 0 || !covered)
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    if (store_begin(p->s) != 0)
        return web_fail(p);
    char target[24];
    snprintf(target, sizeof target, "%lld", id);
    int done = store_web_outbox_retry(p->s, id, p->now);
    if (done < 0 || web_record(p, "retry", target, done ? "queued" : "not_failed") != 0 ||
        store_commit(p->s) != 0) {
        store_rollback(p->s);
        return web_fail(p);
    }
    outbox_wake(p->w->ob);
    snprintf(p->self_path, sizeof p->self_path, "/app/messages");
    messages_page(p, done ? "retry_ok" : "retry_not_failed", done == 1);
}

/* ---- import ---- */

static const char *const import_kinds[] = {"groups",  "members",      "loans",
                                           "batches", "participants", "surveys"};

static void import_form(struct page *p)
{
    html_raw(p, "<form method=\"post\" action=\"/app/import\" enctype=\"multipart/form-data\">");
    html_csrf(p);
    html_raw(p, "<label for=\"kind\">");
    html_word(p, "import_kind");
    html_raw(p, "</label><select id=\"kind\" name=\"kind\">");
    for (size_t i = 0; i < sizeof import_kinds / sizeof import_kinds[0]; i++) {
        html_fmt(p, "<option value=\"%s\">%s.csv: ", import_kinds[i], import_kinds[i]);
        html_text(p, import_kind_columns(import_kinds[i]));
        html_raw(p, "</option>");
    }
    html_raw(p, "</select><label for=\"file\">");
    html_word(p, "import_file");
    html_raw(p, "</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".csv,text/csv\" "
                "required> <button>");
    html_word(p, "import_send");
    html_raw(p, "</button></form>");
}

void page_import(struct page *p)
{
    if (strcmp(p->me.role, "admin") != 0)
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    if (strcmp(p->rq->method, "POST") != 0) {
        html_begin(p, "import_title", NULL);
        html_raw(p, "<p>");
        html_word(p, "import_help");
        html_raw(p, "</p>");
        import_form(p);
        html_end(p);
        return html_respond(p, 200);
    }
    const char *kind = web_form_get(&p->form, "kind");
    const struct web_field *file = web_form_field(&p->form, "file");
    if (!import_kind_columns(kind) || !file)
        return html_message_page(p, 400, "error_title", "error_form", NULL);
    char *errors = NULL;
    size_t errors_len = 0;
    FILE *ef = open_memstream(&errors, &errors_len);
    if (!ef)
        return web_fail(p);
    char name[128];
    snprintf(name, sizeof name, "%s", file->filename && file->filename[0] ? file->filename : kind);
    char summary[160];
    int rc = import_csv(p->s, p->w->rt->cfg, kind, name, file->value, file->len, p->now, ef,
                        summary, sizeof summary);
    fclose(ef);
    if (rc == 0) {
        char detail[400];
        snprintf(detail, sizeof detail, "%s: %s", name, summary);
        if (web_record(p, "import", kind, detail) != 0) {
            free(errors);
            return web_fail(p);
        }
    }
    html_begin(p, "import_title", NULL);
    if (rc == 0) {
        html_raw(p, "<p class=\"ok\">");
        html_text(p, summary);
        html_raw(p, "</p>");
    } else {
        html_raw(p, "<p class=\"err\">");
        html_word(p, "import_refused");
        html_raw(p, "</p><pre class=\"err\">");
        html_text(p, errors ? errors : "");
        html_raw(p, "</pre>");
    }
    free(errors);
    import_form(p);
    html_end(p);
    html_respond(p, rc == 0 ? 200 : 422);
}

/* ---- broadcast ---- */

static void group_option(const struct store_group *g, void *arg)
{
    struct page *p = arg;
    if (!web_covers_group(p, g->id))
        return;
    const char *chosen = web_form_get(&p->form, "group");
    html_raw(p, "<option value=\"");
    html_text(p, g->code);
    html_raw(p, strcmp(chosen, g->code) == 0 ? "\" selected>" : "\">");
    html_text(p, g->code);
    html_raw(p, " ");
    html_text(p, g->name);
    html_raw(p, "</option>");
}

static void broadcast_form(struct page *p)
{
    html_raw(p, "<form method=\"post\" action=\"/app/broadcast\">");
    html_csrf(p);
    html_raw(p, "<input type=\"hidden\" name=\"step\" value=\"preview\"><label for=\"group\">");
    html_word(p, "group");
    html_raw(p, "</label><select id=\"group\" name=\"group\">");
    store_each_group(p->s, 0, group_option, p);
    html_raw(p, "</select><label for=\"text\">");
    html_word(p, "text");
    html_raw(p, "</label><textarea id=\"text\" name=\"text\" rows=\"4\" maxlength=\"1000\">");
    html_text(p, web_form_get(&p->form, "text"));
    html_raw(p, "</textarea><button>");
    html_word(p, "broadcast_preview");
    html_raw(p, "</button></form>");
}

void page_broadcast(struct page *p)
{
    if (!domain_is_staff(&p->me))
        return html_message_page(p, 404, "error_title", "error_not_found", NULL);
    const char *step = web_form_get(&p->form, "step");
    bool post = strcmp(p->rq->method, "POST") == 0;
    const char *code = web_form_get(&p->form, "group"), *text = web_form_get(&p->form, "text");
    struct store_group g;
    int rc = 0;
    if (post) {
        rc = store_group_by_code(p->s, code, &g);
        if (rc < 0)
            return web_fail(p);
        if (rc == 0 || !web_covers_group(p, g.id))
            return html_message_page(p, 404, "error_title", "error_not_found", NULL);
        if (!text[0] || strlen(text) > 1000)
            post = false; /* back to the form */
    }
    html_begin(p, "broadcast_title", NULL);
    if (post && strcmp(step, "send") == 0) {
        struct domain_effects *fx = malloc(sizeof *fx);
        if (!fx)
            return web_fail(p);
        domain_effects_init(fx);
        struct domain_ctx ctx;
        struct store_person me = p->me;
        domain_ctx_init(&ctx, &p->w->rt->domain, p->s, &me, p->now, 0, fx);
        int queued = -1;
        if (store_begin(p->s) == 0) {
            if (domain_broadcast(&ctx, g.code, text) != 0 ||
                (queued = reach_queue_notices(&p->w->rt->reach, p->s, fx, 0, p->now)) < 0 ||
                web_record(p, "broadcast", g.code, text) != 0 || store_commit(p->s) != 0) {
                store_rollback(p->s);
                queued = -1;
            }
        }
        if (queued < 0) {
            domain_effects_free(fx);
            free(fx);
            return web_fail(p);
        }
        outbox_wake(p->w->ob);
        html_raw(p, fx->errors ? "<p class=\"err\">" : "<p class=\"ok\">");
        html_text(p, fx->reply);
        html_raw(p, "</p>");
        domain_effects_free(fx);
        free(fx);
        html_raw(p, "<p><a href=\"/app/broadcast\">");
        html_word(p, "broadcast_title");
        html_raw(p, "</a></p>");
    } else if (post) {
        /* The preview is the broadcast itself, rolled back: the domain says who gets what
         * text (her heading, in her language), so the counts are those of the sending. */
        int members = 0, opted_out = 0, recipients = 0, segments = 0;
        struct domain_effects *fx = malloc(sizeof *fx);
        if (!fx || store_web_group_counts(p->s, g.id, &members, &opted_out) != 0 ||
            store_begin(p->s) != 0) {
            free(fx);
            return web_fail(p);
        }
        domain_effects_init(fx);
        struct domain_ctx ctx;
        struct store_person me = p->me;
        domain_ctx_init(&ctx, &p->w->rt->domain, p->s, &me, p->now, 0, fx);
        rc = domain_broadcast(&ctx, g.code, text);
        store_rollback(p->s);
        for (size_t i = 0; rc == 0 && i < fx->n_notices; i++) {
            bool ucs2 = false;
            int n = sms_segments(fx->notices[i].text, strlen(fx->notices[i].text), &ucs2);
            recipients++;
            segments = n > segments ? n : segments;
        }
        domain_effects_free(fx);
        free(fx);
        if (rc != 0)
            return web_fail(p);
        static const char *const heads[] = {"group", "recipients", "opted_out", "segments"};
        static const enum web_cell kinds[] = {WEB_TEXT, WEB_NUMBER, WEB_NUMBER, WEB_NUMBER};
        struct web_table *t = web_table_new("broadcast", 4, heads, kinds);
        web_cell_text(t, g.code);
        web_cell_number(t, recipients);
        web_cell_number(t, opted_out);
        web_cell_number(t, segments);
        html_h2(p, "broadcast_check", NULL);
        html_raw(p, "<blockquote>");
        html_text(p, text);
        html_raw(p, "</blockquote>");
        web_table_end(p, t);
        html_raw(p, "<form method=\"post\" action=\"/app/broadcast\">");
        html_csrf(p);
        html_raw(p, "<input type=\"hidden\" name=\"step\" value=\"send\">"
                    "<input type=\"hidden\" name=\"group\" value=\"");
        html_text(p, g.code);
        html_raw(p, "\"><input type=\"hidden\" name=\"text\" value=\"");
        html_text(p, text);
        html_raw(p, "\"><button>");
        html_word(p, "broadcast_send");
        html_raw(p, "</button></form>");
        broadcast_form(p);
    } else {
        broadcast_form(p);
    }
    html_end(p);
    html_respond(p, 200);
}
