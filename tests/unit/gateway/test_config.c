/* test_config.c - defaults, the INI file, environment overrides and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *write_ini(const char *text)
{
    static char path[] = "/tmp/catat-config-test.ini";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void defaults_file_and_environment(void **state)
{
    char err[256];
    unsetenv("CATAT_SERVER_PORT");
    const char *path = write_ini("[server]\nport = 9090 ; inline comment\n"
                                 "[whatsapp]\nenabled = yes\napp_secret = from-file\n");
    setenv("CATAT_WHATSAPP_APP_SECRET", "from-env", 1);
    struct config *cfg = config_load(path, err, sizeof err);
    assert_non_null(cfg);
    assert_int_equal(config_get_long(cfg, "server", "port"), 9090);
    assert_string_equal(config_get(cfg, "server", "listen"), "127.0.0.1"); /* default */
    assert_true(config_get_bool(cfg, "whatsapp", "enabled"));
    assert_false(config_get_bool(cfg, "kannel", "enabled"));
    assert_string_equal(config_get(cfg, "whatsapp", "app_secret"), "from-env");
    assert_string_equal(config_public_url(cfg), "http://127.0.0.1:9090");
    /* The dump never shows a secret. */
    char *dump = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&dump, &len);
    config_dump(cfg, f);
    fclose(f);
    assert_null(strstr(dump, "from-env"));
    assert_non_null(strstr(dump, "app_secret = (set)"));
    free(dump);
    config_free(cfg);
    unsetenv("CATAT_WHATSAPP_APP_SECRET");
}

static void public_url_wins_without_trailing_slash(void **state)
{
    char err[256];
    struct config *cfg = config_load(
        write_ini("[server]\npublic_url = https://catat.example.org/\n"), err, sizeof err);
    assert_non_null(cfg);
    assert_string_equal(config_public_url(cfg), "https://catat.example.org");
    config_free(cfg);
}

static void mistakes_are_refused_with_the_line(void **state)
{
    char err[256];
    assert_null(config_load(write_ini("[server]\nport = 80\nprot = 81\n"), err, sizeof err));
    assert_non_null(strstr(err, ":3: unknown key [server] prot"));
    assert_null(config_load(write_ini("[server]\nport = eighty\n"), err, sizeof err));
    assert_non_null(strstr(err, "whole number"));
    assert_null(config_load(write_ini("[kannel]\nenabled = maybe\n"), err, sizeof err));
    assert_non_null(strstr(err, "true or false"));
    assert_null(config_load("/nonexistent/catat.ini", err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    setenv("CATAT_SERVER_PORT", "-1", 1);
    assert_null(config_load(NULL, err, sizeof err));
    assert_non_null(strstr(err, "CATAT_SERVER_PORT"));
    unsetenv("CATAT_SERVER_PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_file_and_environment),
        cmocka_unit_test(public_url_wins_without_trailing_slash),
        cmocka_unit_test(mistakes_are_refused_with_the_line),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink("/tmp/catat-config-test.ini");
    return rc;
}
