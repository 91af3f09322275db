/* main.c - the catat command line: subcommand dispatch only. */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "catat: no subcommands yet\n");
    return 2;
}
