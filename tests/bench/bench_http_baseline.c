/* bench_http_baseline.c - the HTTP ceiling: libmicrohttpd configured as catat is (epoll, a pool
 * of 2 threads), reading each body and answering 200 with a fixed JSON, nothing else.
 * Usage: bench_http_baseline PORT   (runs until SIGINT or SIGTERM). */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    static int marker;
    if (!*state) {
        *state = &marker;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* read and drop, as a webhook reads its body */
        return MHD_YES;
    }
    static const char ok[] = "{\"ok\":true}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof ok - 1, (void *)ok, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_http_baseline PORT\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
                                            (uint16_t)strtol(argv[1], NULL, 10), NULL, NULL,
                                            on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2U,
                                            MHD_OPTION_CONNECTION_LIMIT, 512U, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_http_baseline: cannot listen\n");
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
