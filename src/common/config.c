/* config.c: settings from defaults, .env and the environment (see config.h). */
#include "common/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "common/paths.h"

static const char *const key_names[CONFIG_KEY_COUNT] = {
	[CONFIG_POSTGRES_HOST] = "POSTGRES_HOST",
	[CONFIG_POSTGRES_PORT] = "POSTGRES_PORT",
	[CONFIG_POSTGRES_DB] = "POSTGRES_DB",
	[CONFIG_POSTGRES_USER] = "POSTGRES_USER",
	[CONFIG_POSTGRES_PASSWORD] = "POSTGRES_PASSWORD",
	[CONFIG_SIMULATOR_INTERVAL_MS] = "SIMULATOR_INTERVAL_MS",
	[CONFIG_POSTGRES_SCHEMA] = "POSTGRES_SCHEMA",
	[CONFIG_LOCK_TIMEOUT_MS] = "LOCK_TIMEOUT_MS",
};

/* The spec's .env.example, and this project's LOCK_TIMEOUT_MS (see db.h). */
static const char *const defaults[CONFIG_KEY_COUNT] = {
	[CONFIG_POSTGRES_HOST] = "localhost",
	[CONFIG_POSTGRES_PORT] = "5438",
	[CONFIG_POSTGRES_DB] = "partitiondb",
	[CONFIG_POSTGRES_USER] = "postgres",
	[CONFIG_POSTGRES_PASSWORD] = "postgres",
	[CONFIG_SIMULATOR_INTERVAL_MS] = "2000",
	[CONFIG_POSTGRES_SCHEMA] = "public",
	[CONFIG_LOCK_TIMEOUT_MS] = "10000",
};

/* PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes. */
#define MAX_IDENTIFIER_BYTES 63
#define MAX_INTERVAL_MS 3600000
/* an hour: any longer and a stuck holder is never reported; 0 (no bound) is refused */
#define MAX_LOCK_TIMEOUT_MS 3600000

const char *
config_key_name(ConfigKey key)
{
	return key_names[key];
}

const char *
config_source_name(ConfigSource source)
{
	switch (source)
	{
		case CONFIG_SOURCE_DEFAULT:
			return "default";
		case CONFIG_SOURCE_DOTENV:
			return ".env";
		case CONFIG_SOURCE_ENVIRONMENT:
			return "environment";
	}
	return "?";
}

static const char *
lookup_value(ConfigKey key, const Dotenv *dotenv, ConfigEnvLookup lookup, ConfigSource *source)
{
	const char *value = lookup ? lookup(key_names[key]) : NULL;

	if (value)
	{
		*source = CONFIG_SOURCE_ENVIRONMENT;
		return value;
	}
	value = dotenv_get(dotenv, key_names[key]);
	if (value)
	{
		*source = CONFIG_SOURCE_DOTENV;
		return value;
	}
	*source = CONFIG_SOURCE_DEFAULT;
	return defaults[key];
}

static bool
invalid(Error *error, Config *config, ConfigKey key, const char *value, const char *why)
{
	/* the value is echoed to help the user, except for the password */
	if (key == CONFIG_POSTGRES_PASSWORD || value == NULL)
		return error_set(error, "invalid %s (from %s): %s", key_names[key],
						 config_source_name(config->sources[key]), why);
	return error_set(error, "invalid %s \"%s\" (from %s): %s", key_names[key], value,
					 config_source_name(config->sources[key]), why);
}

static bool
set_text(Config *config, ConfigKey key, const char *value, char **field,
		 bool check_identifier, Error *error)
{
	if (value[0] == '\0')
		return invalid(error, config, key, NULL, "must not be empty");
	if (check_identifier && strlen(value) > MAX_IDENTIFIER_BYTES)
		return invalid(error, config, key, value,
					   "longer than PostgreSQL's 63-byte limit for names");
	if (!(*field = strdup(value)))
		return error_set(error, "out of memory");
	return true;
}

/*
 * The schema of the tables: any name (it is quoted wherever it is used), but
 * not one of the server's own (pg_catalog, pg_temp, ...: CREATE SCHEMA
 * refuses pg_*) nor the project's helper schema.
 */
static bool
set_schema(Config *config, const char *value, Error *error)
{
	if (!set_text(config, CONFIG_POSTGRES_SCHEMA, value, &config->schema, true, error))
		return false;
	if (strncmp(value, "pg_", 3) == 0 || strcmp(value, "information_schema") == 0)
		return invalid(error, config, CONFIG_POSTGRES_SCHEMA, value,
					   "a system schema cannot hold the project's tables");
	if (strcmp(value, "partition_demo") == 0)
		return invalid(error, config, CONFIG_POSTGRES_SCHEMA, value,
					   "partition_demo is the project's helper schema; name another one");
	return true;
}

static bool
set_number(Config *config, ConfigKey key, const char *value, long long min, long long max,
		   int *field, Error *error)
{
	long long	number;
	ParseResult result = parse_long(value, min, max, &number);
	char		why[96];

	if (result == PARSE_NOT_A_NUMBER)
		return invalid(error, config, key, value, "not a whole number");
	if (result == PARSE_OUT_OF_RANGE)
	{
		snprintf(why, sizeof(why), "must be between %lld and %lld", min, max);
		return invalid(error, config, key, value, why);
	}
	*field = (int) number;
	return true;
}

Config *
config_resolve(const Dotenv *dotenv, ConfigEnvLookup lookup, Error *error)
{
	Config	   *config = calloc(1, sizeof(Config));
	const char *values[CONFIG_KEY_COUNT];
	bool		ok;

	error_clear(error);
	if (!config)
	{
		error_set(error, "out of memory");
		return NULL;
	}
	for (int key = 0; key < CONFIG_KEY_COUNT; key++)
		values[key] = lookup_value(key, dotenv, lookup, &config->sources[key]);

	ok = set_text(config, CONFIG_POSTGRES_HOST, values[CONFIG_POSTGRES_HOST], &config->host,
				  false, error) &&
		set_number(config, CONFIG_POSTGRES_PORT, values[CONFIG_POSTGRES_PORT], 1, 65535,
				   &config->port, error) &&
		set_text(config, CONFIG_POSTGRES_DB, values[CONFIG_POSTGRES_DB], &config->dbname,
				 true, error) &&
		set_text(config, CONFIG_POSTGRES_USER, values[CONFIG_POSTGRES_USER], &config->user,
				 true, error) &&
		set_number(config, CONFIG_SIMULATOR_INTERVAL_MS, values[CONFIG_SIMULATOR_INTERVAL_MS],
				   1, MAX_INTERVAL_MS, &config->interval_ms, error) &&
		set_schema(config, values[CONFIG_POSTGRES_SCHEMA], error) &&
		set_number(config, CONFIG_LOCK_TIMEOUT_MS, values[CONFIG_LOCK_TIMEOUT_MS],
				   1, MAX_LOCK_TIMEOUT_MS, &config->lock_timeout_ms, error);
	/* an empty password is allowed: trust or peer authentication needs none */
	if (ok && !(config->password = strdup(values[CONFIG_POSTGRES_PASSWORD])))
		ok = error_set(error, "out of memory");
	if (!ok)
	{
		config_free(config);
		return NULL;
	}
	return config;
}

static const char *
environment_lookup(const char *name)
{
	return getenv(name);
}

/* The .env to read: DOTENV_CONFIG_PATH, else ./.env, else <root>/.env. */
static char *
find_dotenv_path(void)
{
	const char *explicit_path = getenv("DOTENV_CONFIG_PATH");
	const char *root;

	if (explicit_path && explicit_path[0])
		return strdup(explicit_path);
	if (access(".env", F_OK) == 0)
		return strdup(".env");
	root = paths_project_root();
	return root ? paths_join(root, ".env") : strdup(".env");
}

Config *
config_load(void)
{
	Error		error;
	char	   *path = find_dotenv_path();
	bool		missing = false;
	Dotenv	   *dotenv;
	Config	   *config;

	if (!path)
	{
		log_error("out of memory");
		return NULL;
	}
	dotenv = dotenv_load_file(path, &missing, &error);
	if (!dotenv)
	{
		error_set_where(&error, "could not read configuration file \"%s\"", path);
		error_report(&error);
		log_hint("fix the file or remove it to use the defaults; .env.example shows the format");
		free(path);
		return NULL;
	}
	if (missing && getenv("DOTENV_CONFIG_PATH"))
	{
		log_error("configuration file \"%s\" named by DOTENV_CONFIG_PATH does not exist", path);
		dotenv_free(dotenv);
		free(path);
		return NULL;
	}
	config = config_resolve(dotenv, environment_lookup, &error);
	dotenv_free(dotenv);
	if (!config)
	{
		error_report(&error);
		if (!missing)
			log_detail("configuration file: %s", path);
		free(path);
		return NULL;
	}
	config->dotenv_path = missing ? NULL : path;
	if (missing)
		free(path);
	return config;
}

const char *
config_server_label(const Config *config)
{
	static char label[300];

	if (config->host[0] == '/')
		snprintf(label, sizeof(label), "socket %s/.s.PGSQL.%d", config->host, config->port);
	else
		snprintf(label, sizeof(label), "%s:%d", config->host, config->port);
	return label;
}

void
config_free(Config *config)
{
	if (!config)
		return;
	free(config->host);
	free(config->dbname);
	free(config->user);
	free(config->schema);
	if (config->password)
	{
		/* do not leave the password lying around in freed memory */
		memset(config->password, 0, strlen(config->password));
		free(config->password);
	}
	free(config->dotenv_path);
	free(config);
}
