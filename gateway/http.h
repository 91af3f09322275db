/* http.h - the HTTP server: webhooks, /healthz, /metrics; and the writer thread that commits
 * what the webhooks bring in groups (one fsync for many messages) before anyone gets a 2xx. */
#ifndef CATAT_HTTP_H
#define CATAT_HTTP_H

#include <stddef.h>

struct runtime;
struct outbox;
struct http_server;

/* Opens the writer's database connection at db_path, starts the writer thread and the HTTP
 * daemon on [server] listen and port. Returns new, or NULL with err. */
struct http_server *http_start(struct runtime *rt, struct outbox *ob, const char *db_path,
                               char *err, size_t errsz);
/* Stops accepting work (new webhooks get 503), lets requests in flight finish and be
 * answered, then stops the daemon and the writer and frees srv. */
void http_stop(struct http_server *srv);

#endif
