/* registry.c - every channel driver catat knows, by name. */
#include "channel.h"

#include <string.h>

extern const struct channel_driver channel_console;
extern const struct channel_driver channel_whatsapp;
extern const struct channel_driver channel_twilio;
extern const struct channel_driver channel_kannel;
extern const struct channel_driver channel_android;

const struct channel_driver *const channel_drivers[] = {
    &channel_console, &channel_whatsapp, &channel_twilio, &channel_kannel, &channel_android, NULL,
};

const struct channel_driver *channel_find(const char *name)
{
    for (size_t i = 0; channel_drivers[i]; i++)
        if (strcmp(channel_drivers[i]->name, name) == 0)
            return channel_drivers[i];
    return NULL;
}
