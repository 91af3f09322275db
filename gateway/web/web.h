/* web.h - the staff web app under /app/ (product.md section 8): what http.c calls for every
 * request whose path starts with /app. It knows nothing of libmicrohttpd: a request in, a
 * response out. */
#ifndef CATAT_WEB_H
#define CATAT_WEB_H

#include <stdbool.h>
#include <stddef.h>

struct runtime;
struct outbox;
struct web;

#define WEB_MAX_UPLOAD (4L * 1024 * 1024) /* a request body under /app/ (a CSV upload) */

struct web_kv {
    const char *key, *value;
};

/* One request; everything borrowed from the caller for the call's duration. */
struct web_request {
    const char *method;         /* "GET", "HEAD", "POST" */
    const char *path;           /* "/app/groups/KPUK07", without the query string */
    const struct web_kv *query; /* decoded query arguments */
    size_t n_query;
    const char *content_type; /* "" when none */
    const char *session;      /* the catat_session cookie, "" when none */
    const char *address;      /* the client's address, for the sign-in limits */
    const char *body;         /* the request body (may hold NULs), len bytes */
    size_t len;
};

struct web_response {
    int status;
    const char *type; /* static: "text/html; charset=utf-8", "text/csv", ... */
    char *body;       /* new (malloc'd): the caller frees it */
    size_t len;
    char location[512]; /* a redirect's target, "" for none */
    char cookie[256];   /* a Set-Cookie value, "" for none */
    char filename[96];  /* a download's file name (Content-Disposition), "" for none */
};

/* Loads the page words (templates/web/) and opens the web app's own connection to db_path;
 * ob (borrowed, may be NULL) is woken when a page queues a message. Returns new, or NULL with
 * err. */
struct web *web_start(struct runtime *rt, struct outbox *ob, const char *db_path, char *err,
                      size_t errsz);
void web_stop(struct web *w);
/* Answers one request into rs (zeroed by the caller). Thread-safe: requests are served one at
 * a time on the web app's connection. */
void web_handle(struct web *w, const struct web_request *rq, struct web_response *rs);

#endif
