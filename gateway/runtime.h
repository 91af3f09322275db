/* runtime.h - what every command that touches members shares: configuration, templates, the
 * domain, how people are reached, the SMS pipeline and the enabled channel drivers. */
#ifndef CATAT_RUNTIME_H
#define CATAT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "channel.h"
#include "metrics.h"
#include "domain.h"
#include "pipeline.h"
#include "reach.h"

struct config;
struct templates;

struct runtime {
    struct config *cfg;
    struct templates *tpl;
    struct domain domain;
    struct reach reach;
    struct pipeline pipeline;              /* over domain and reach */
    void *channel_state[METRICS_CHANNELS]; /* indexed like channel_drivers[] */
    bool channel_enabled[METRICS_CHANNELS];
};

/* Loads the configuration (path may be NULL), the templates, and initialises every enabled
 * channel driver. Returns 0, or -1 with err. */
int runtime_open(struct runtime *rt, const char *config_path, char *err, size_t errsz);
void runtime_close(struct runtime *rt);
/* The index of an enabled channel by name, or -1. */
int runtime_channel(const struct runtime *rt, const char *name);

#endif
