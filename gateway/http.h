/* http.h - the HTTP server: webhooks, /healthz, /metrics and the web app (web/web.h). It
 * routes, limits and answers; a webhook's events go to the writer (ingest.h) and are answered
 * 2xx only once committed. */
#ifndef CATAT_HTTP_H
#define CATAT_HTTP_H

#include <stddef.h>

struct runtime;
struct ingest;
struct outbox;
struct http_server;

/* Starts the HTTP daemon on [server] listen and port, handing webhooks to ingest (borrowed),
 * with a read-only connection to db_path for /healthz and /metrics, and (with [web] enabled)
 * the staff web app under /app/, which wakes ob (borrowed, may be NULL) when it queues a
 * message. Returns new, or NULL with err. */
struct http_server *http_start(struct runtime *rt, struct ingest *ingest, struct outbox *ob,
                               const char *db_path, char *err, size_t errsz);
/* Stops accepting work (new webhooks get 503), lets requests in flight finish and be
 * answered, then stops the daemon and frees srv. Stop the ingest after this. */
void http_stop(struct http_server *srv);

#endif
