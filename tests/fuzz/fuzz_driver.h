/* fuzz_driver.h - what the channel-decoder fuzz targets share: a driver initialised once from a
 * fixed configuration (no secrets, so every input reaches the decoder). */
#ifndef CATAT_FUZZ_DRIVER_H
#define CATAT_FUZZ_DRIVER_H

#include "channel.h"
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

/* Writes ini to a temporary file, loads it and initialises driver d; aborts on any failure.
 * Returns the driver's state (kept for the whole run). */
static void *fuzz_driver_init(const struct channel_driver *d, const char *ini, size_t len)
{
    char path[] = "/tmp/catat-fuzz-XXXXXX", err[256];
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, ini, len) != (ssize_t)len)
        abort();
    close(fd);
    struct config *cfg = config_load(path, err, sizeof err);
    unlink(path);
    void *state = NULL;
    if (!cfg || d->init(&state, cfg, err, sizeof err) != 0)
        abort();
    config_free(cfg);
    return state;
}

#endif
