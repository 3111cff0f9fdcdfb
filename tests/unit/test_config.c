/* Unit tests of configuration precedence and validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/dotenv.h"

/* A fake process environment: NAME=VALUE strings. */
static const char *const *fake_environment;

static const char *
fake_lookup(const char *name)
{
	size_t		len = strlen(name);

	for (const char *const *entry = fake_environment; entry && *entry; entry++)
		if (strncmp(*entry, name, len) == 0 && (*entry)[len] == '=')
			return *entry + len + 1;
	return NULL;
}

static Error error;
static char errbuf[512];

static Config *
resolve(const char *dotenv_text, const char *const *environment)
{
	Dotenv	   *dotenv = dotenv_text ? dotenv_parse(dotenv_text, &error) : NULL;
	Config	   *config;

	error_format(&error, errbuf, sizeof(errbuf));
	if (dotenv_text && !dotenv)
		fail_msg("bad test .env: %s", errbuf);
	fake_environment = environment;
	config = config_resolve(dotenv, fake_lookup, &error);
	error_format(&error, errbuf, sizeof(errbuf));
	dotenv_free(dotenv);
	return config;
}

static void
test_defaults_are_the_spec_example(void **state)
{
	Config	   *config = resolve(NULL, NULL);

	(void) state;
	assert_non_null(config);
	assert_string_equal(config->host, "localhost");
	assert_int_equal(config->port, 5438);
	assert_string_equal(config->dbname, "partitiondb");
	assert_string_equal(config->user, "postgres");
	assert_string_equal(config->password, "postgres");
	assert_int_equal(config->interval_ms, 2000);
	assert_string_equal(config->schema, "public");
	assert_int_equal(config->lock_timeout_ms, 10000);
	for (int key = 0; key < CONFIG_KEY_COUNT; key++)
		assert_int_equal(config->sources[key], CONFIG_SOURCE_DEFAULT);
	config_free(config);
}

static void
test_environment_wins_over_dotenv(void **state)
{
	const char *const environment[] = {"POSTGRES_PORT=6000", NULL};
	Config	   *config = resolve("POSTGRES_PORT=5000\nPOSTGRES_DB=fromfile\n", environment);

	(void) state;
	assert_non_null(config);
	assert_int_equal(config->port, 6000);
	assert_int_equal(config->sources[CONFIG_POSTGRES_PORT], CONFIG_SOURCE_ENVIRONMENT);
	assert_string_equal(config->dbname, "fromfile");
	assert_int_equal(config->sources[CONFIG_POSTGRES_DB], CONFIG_SOURCE_DOTENV);
	config_free(config);
}

static void
expect_invalid(const char *dotenv_text, const char *const *environment, const char *expected)
{
	Config	   *config = resolve(dotenv_text, environment);

	assert_null(config);
	if (!strstr(errbuf, expected))
		fail_msg("error \"%s\" does not contain \"%s\"", errbuf, expected);
}

static void
test_port_validation(void **state)
{
	const char *const abc[] = {"POSTGRES_PORT=abc", NULL};
	const char *const zero[] = {"POSTGRES_PORT=0", NULL};
	const char *const big[] = {"POSTGRES_PORT=65536", NULL};
	const char *const junk[] = {"POSTGRES_PORT=5432x", NULL};

	(void) state;
	expect_invalid(NULL, abc, "invalid POSTGRES_PORT \"abc\" (from environment): not a whole number");
	expect_invalid(NULL, zero, "POSTGRES_PORT \"0\" (from environment): must be between 1 and 65535");
	expect_invalid(NULL, big, "must be between 1 and 65535");
	expect_invalid(NULL, junk, "not a whole number");
	expect_invalid("POSTGRES_PORT=\n", NULL, "POSTGRES_PORT \"\" (from .env): not a whole number");
}

static void
test_empty_names_and_bad_interval(void **state)
{
	const char *const zero_interval[] = {"SIMULATOR_INTERVAL_MS=0", NULL};
	const char *const negative[] = {"SIMULATOR_INTERVAL_MS=-5", NULL};

	(void) state;
	expect_invalid("POSTGRES_DB=\n", NULL, "invalid POSTGRES_DB (from .env): must not be empty");
	expect_invalid("POSTGRES_USER=''\n", NULL, "POSTGRES_USER (from .env): must not be empty");
	expect_invalid("POSTGRES_HOST=\n", NULL, "POSTGRES_HOST");
	expect_invalid(NULL, zero_interval, "SIMULATOR_INTERVAL_MS \"0\" (from environment): must be between 1");
	expect_invalid(NULL, negative, "SIMULATOR_INTERVAL_MS");
	expect_invalid("POSTGRES_DB=a234567890123456789012345678901234567890123456789012345678901234\n",
				   NULL, "63-byte limit");
}

static void
test_schema_validation(void **state)
{
	const char *const hostile[] = {"POSTGRES_SCHEMA=My \"Odd\" Schema", NULL};
	const char *const helper[] = {"POSTGRES_SCHEMA=partition_demo", NULL};
	const char *const system[] = {"POSTGRES_SCHEMA=pg_catalog", NULL};
	Config	   *config;

	(void) state;
	/* any name is taken as it is: it is quoted wherever it is used */
	config = resolve(NULL, hostile);
	assert_non_null(config);
	assert_string_equal(config->schema, "My \"Odd\" Schema");
	assert_int_equal(config->sources[CONFIG_POSTGRES_SCHEMA], CONFIG_SOURCE_ENVIRONMENT);
	config_free(config);
	config = resolve("POSTGRES_SCHEMA=app\n", NULL);
	assert_non_null(config);
	assert_string_equal(config->schema, "app");
	config_free(config);

	expect_invalid("POSTGRES_SCHEMA=\n", NULL, "invalid POSTGRES_SCHEMA (from .env): must not be empty");
	expect_invalid("POSTGRES_SCHEMA=s234567890123456789012345678901234567890123456789012345678901234\n",
				   NULL, "POSTGRES_SCHEMA \"s2345");
	expect_invalid(NULL, helper, "invalid POSTGRES_SCHEMA \"partition_demo\" (from environment): "
				   "partition_demo is the project's helper schema");
	expect_invalid(NULL, system, "a system schema cannot hold the project's tables");
}

static void
test_lock_timeout_validation(void **state)
{
	const char *const zero[] = {"LOCK_TIMEOUT_MS=0", NULL};
	const char *const units[] = {"LOCK_TIMEOUT_MS=10s", NULL};
	const char *const big[] = {"LOCK_TIMEOUT_MS=3600001", NULL};
	const char *const fine[] = {"LOCK_TIMEOUT_MS=250", NULL};
	Config	   *config;

	(void) state;
	/* 0 would be no bound at all: refused */
	expect_invalid(NULL, zero, "invalid LOCK_TIMEOUT_MS \"0\" (from environment): must be between 1 and 3600000");
	expect_invalid(NULL, units, "LOCK_TIMEOUT_MS \"10s\" (from environment): not a whole number");
	expect_invalid(NULL, big, "must be between 1 and 3600000");
	expect_invalid("LOCK_TIMEOUT_MS=-1\n", NULL, "LOCK_TIMEOUT_MS \"-1\" (from .env)");
	config = resolve("LOCK_TIMEOUT_MS=900\n", fine);
	assert_non_null(config);
	assert_int_equal(config->lock_timeout_ms, 250);
	assert_int_equal(config->sources[CONFIG_LOCK_TIMEOUT_MS], CONFIG_SOURCE_ENVIRONMENT);
	config_free(config);
}

static void
test_password_never_in_errors(void **state)
{
	const char *const environment[] = {"POSTGRES_PASSWORD=s3cret-value", "POSTGRES_PORT=x", NULL};
	Config	   *config;

	(void) state;
	expect_invalid(NULL, environment, "POSTGRES_PORT");
	assert_null(strstr(errbuf, "s3cret"));
	/* an empty password is valid (trust or peer authentication) */
	config = resolve("POSTGRES_PASSWORD=\n", NULL);
	assert_non_null(config);
	assert_string_equal(config->password, "");
	config_free(config);
}

static void
test_server_label(void **state)
{
	const char *const socket[] = {"POSTGRES_HOST=/tmp/pg", "POSTGRES_PORT=5555", NULL};
	Config	   *config = resolve(NULL, socket);

	(void) state;
	assert_non_null(config);
	assert_string_equal(config_server_label(config), "socket /tmp/pg/.s.PGSQL.5555");
	config_free(config);
	config = resolve(NULL, NULL);
	assert_string_equal(config_server_label(config), "localhost:5438");
	config_free(config);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_the_spec_example),
		cmocka_unit_test(test_environment_wins_over_dotenv),
		cmocka_unit_test(test_port_validation),
		cmocka_unit_test(test_empty_names_and_bad_interval),
		cmocka_unit_test(test_schema_validation),
		cmocka_unit_test(test_lock_timeout_validation),
		cmocka_unit_test(test_password_never_in_errors),
		cmocka_unit_test(test_server_label),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
