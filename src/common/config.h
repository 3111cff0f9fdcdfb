/*
 * config.h: the connection, schema, session and simulator settings, validated.
 *
 * Precedence, lowest to highest: built-in defaults (the spec's .env.example),
 * the .env file, the process environment.  Programs apply their command-line
 * options on top.  The .env file is ./.env, else <project root>/.env; the
 * DOTENV_CONFIG_PATH environment variable names another file, as in dotenv.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dotenv.h"

typedef enum ConfigSource
{
	CONFIG_SOURCE_DEFAULT,
	CONFIG_SOURCE_DOTENV,
	CONFIG_SOURCE_ENVIRONMENT
} ConfigSource;

typedef enum ConfigKey
{
	CONFIG_POSTGRES_HOST,
	CONFIG_POSTGRES_PORT,
	CONFIG_POSTGRES_DB,
	CONFIG_POSTGRES_USER,
	CONFIG_POSTGRES_PASSWORD,
	CONFIG_SIMULATOR_INTERVAL_MS,
	CONFIG_POSTGRES_SCHEMA,
	CONFIG_LOCK_TIMEOUT_MS,
	CONFIG_KEY_COUNT
} ConfigKey;

typedef struct Config
{
	char	   *host;
	int			port;
	char	   *dbname;
	char	   *user;
	char	   *password;		/* never printed */
	int			interval_ms;
	char	   *schema;			/* where the project's tables live (search_path) */
	int			lock_timeout_ms;	/* every session's lock_timeout (see db.h) */
	ConfigSource sources[CONFIG_KEY_COUNT];
	char	   *dotenv_path;	/* the .env file read, or NULL if none */
} Config;

/* Looks up a variable of the process environment (getenv, or a test double). */
typedef const char *(*ConfigEnvLookup) (const char *name);

/* The name of a key, such as "POSTGRES_PORT". */
const char *config_key_name(ConfigKey key);

const char *config_source_name(ConfigSource source);

/*
 * Resolves and validates the settings from a parsed .env (may be NULL) and an
 * environment lookup.  Returns NULL with error (not NULL) naming the bad key
 * and why.  The password's value never appears in error.
 */
Config	   *config_resolve(const Dotenv *dotenv, ConfigEnvLookup lookup, Error *error);

/*
 * Loads the settings for a program: finds and parses .env, then resolves.
 * On failure reports the error (with the file and line for .env syntax
 * errors) and returns NULL; the caller exits with status 2.
 */
Config	   *config_load(void);

/* "host:port" for messages (static buffer). */
const char *config_server_label(const Config *config);

void		config_free(Config *config);

#endif
