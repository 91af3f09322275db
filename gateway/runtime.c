/* runtime.c - loading configuration, templates and channel drivers once, for every command. */
#include "runtime.h"

#include "config.h"
#include "log.h"
#include "templates.h"

#include <stdio.h>
#include <string.h>

int runtime_open(struct runtime *rt, const char *config_path, char *err, size_t errsz)
{
    memset(rt, 0, sizeof *rt);
    rt->cfg = config_load(config_path, err, errsz);
    if (!rt->cfg)
        return -1;
    const char *dir = templates_find_dir(config_get(rt->cfg, "server", "templates"));
    rt->tpl = templates_load(dir, err, errsz);
    if (!rt->tpl || domain_init(&rt->domain, rt->cfg, rt->tpl, err, errsz) != 0 ||
        reach_init(&rt->reach, rt->cfg, err, errsz) != 0) {
        runtime_close(rt);
        return -1;
    }
    pipeline_init(&rt->pipeline, rt->cfg, &rt->domain, &rt->reach);
    for (size_t i = 0; channel_drivers[i] && i < METRICS_CHANNELS; i++) {
        const struct channel_driver *d = channel_drivers[i];
        if (!config_get_bool(rt->cfg, d->name, "enabled"))
            continue;
        char why[256] = "";
        if (d->init(&rt->channel_state[i], rt->cfg, why, sizeof why) != 0) {
            snprintf(err, errsz, "[%s] %s", d->name, why);
            runtime_close(rt);
            return -1;
        }
        rt->channel_enabled[i] = true;
    }
    return 0;
}

void runtime_close(struct runtime *rt)
{
    for (size_t i = 0; channel_drivers[i] && i < METRICS_CHANNELS; i++)
        if (rt->channel_enabled[i])
            channel_drivers[i]->fini(rt->channel_state[i]);
    templates_free(rt->tpl);
    config_free(rt->cfg);
    memset(rt, 0, sizeof *rt);
}

int runtime_channel(const struct runtime *rt, const char *name)
{
    for (size_t i = 0; channel_drivers[i] && i < METRICS_CHANNELS; i++)
        if (rt->channel_enabled[i] && strcmp(channel_drivers[i]->name, name) == 0)
            return (int)i;
    return -1;
}
