/*
 * show-config: print the effective configuration and where each value came
 * from (default, .env, environment).  The password is shown only as set or
 * empty.  --shell prints bash assignments for tools/embedded-db.sh, still
 * without the password; --password-file writes the password to a new file of
 * mode 0600 for initdb --pwfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/options.h"
#include "common/program.h"

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [--shell | --password-file PATH]\n"
			"\n"
			"Prints the effective configuration: defaults < .env < environment.\n"
			"\n"
			"Options:\n"
			"  --shell               print bash assignments (no password)\n"
			"  --password-file PATH  write the password to PATH (created, mode 0600)\n"
			"  -h, --help            show this help and exit\n"
			"  -V, --version         show the version and exit\n",
			log_progname());
}

/*
 * Blanks that fill text to width columns. printf's "%-24s" counts bytes, so a
 * name with multibyte UTF-8 characters would push its row's last column right;
 * this counts characters (UTF-8 continuation bytes are not one).
 */
static int
padding(const char *text, int width)
{
	int			characters = 0;

	for (const unsigned char *p = (const unsigned char *) text; *p; p++)
		characters += (*p & 0xC0) != 0x80;
	return characters < width ? width - characters : 0;
}

/* Prints value in single quotes for bash: ' becomes '\'' */
static void
print_shell_quoted(const char *name, const char *value)
{
	printf("%s='", name);
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	puts("'");
}

static int
write_password_file(const Config *config, const char *path)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	size_t		len = strlen(config->password);

	if (fd < 0)
	{
		log_error("could not create \"%s\": %s", path, strerror(errno));
		return PROGRAM_EXIT_FAILURE;
	}
	if (write(fd, config->password, len) != (ssize_t) len || close(fd) != 0)
	{
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return PROGRAM_EXIT_FAILURE;
	}
	return PROGRAM_EXIT_OK;
}

/* The settings, their values and where each came from. */
static void
print_settings(const Config *config, bool shell)
{
	char		port[16],
				interval[16],
				lock_timeout[16];

	snprintf(port, sizeof(port), "%d", config->port);
	snprintf(interval, sizeof(interval), "%d", config->interval_ms);
	snprintf(lock_timeout, sizeof(lock_timeout), "%d", config->lock_timeout_ms);
	if (shell)
	{
		print_shell_quoted("POSTGRES_HOST", config->host);
		print_shell_quoted("POSTGRES_PORT", port);
		print_shell_quoted("POSTGRES_DB", config->dbname);
		print_shell_quoted("POSTGRES_USER", config->user);
		print_shell_quoted("SIMULATOR_INTERVAL_MS", interval);
		print_shell_quoted("POSTGRES_SCHEMA", config->schema);
	}
	else
	{
		const char *values[CONFIG_KEY_COUNT] = {
			[CONFIG_POSTGRES_HOST] = config->host,
			[CONFIG_POSTGRES_PORT] = port,
			[CONFIG_POSTGRES_DB] = config->dbname,
			[CONFIG_POSTGRES_USER] = config->user,
			[CONFIG_POSTGRES_PASSWORD] = config->password[0] ? "(set, not shown)" : "(empty)",
			[CONFIG_SIMULATOR_INTERVAL_MS] = interval,
			[CONFIG_POSTGRES_SCHEMA] = config->schema,
			[CONFIG_LOCK_TIMEOUT_MS] = lock_timeout,
		};

		printf(".env file: %s\n", config->dotenv_path ? config->dotenv_path : "(none)");
		for (int key = 0; key < CONFIG_KEY_COUNT; key++)
			printf("%-22s %s%*s (%s)\n", config_key_name(key), values[key],
				   padding(values[key], 24), "", config_source_name(config->sources[key]));
	}
}

int
main(int argc, char **argv)
{
	bool		shell = false;
	const char *password_file = NULL;
	const OptionSpec specs[] = {
		{.name = "shell", .kind = OPTION_FLAG, .target = &shell},
		{.name = "password-file", .kind = OPTION_TEXT, .target = &password_file},
		{NULL}
	};
	OptionsResult parsed;
	Config	   *config;
	int			status = PROGRAM_EXIT_OK;

	program_start(argc, argv);
	if ((parsed = options_parse(argc, argv, specs, usage)) != OPTIONS_OK)
		return options_exit_status(parsed);
	if (!options_no_more_arguments(argc, argv))
		return PROGRAM_EXIT_USAGE;
	if (!(config = config_load()))
		return PROGRAM_EXIT_USAGE;
	if (password_file)
		status = write_password_file(config, password_file);
	else
		print_settings(config, shell);
	config_free(config);
	return status;
}
