/*
 * setup-database: from plain tables with data to four partitioned tables.
 *
 * Parses the options and runs the setup of src/setup/ (setup.h says how it
 * goes: each file in its own transaction, recorded as applied, continued
 * where a failed run stopped, lock waits bounded and retried).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/options.h"
#include "common/paths.h"
#include "common/program.h"
#include "pg/db.h"
#include "pg/program_connect.h"
#include "setup/setup.h"
#include "tables/demo_tables.h"

/* the bounds of --batch, --lock-timeout and --attempts */
#define MAX_BATCH_IDS 10000000
#define MIN_LOCK_TIMEOUT_MS 10
#define MAX_LOCK_TIMEOUT_MS 60000
#define MAX_ATTEMPTS 1000

static volatile sig_atomic_t interrupted = 0;

/* First SIGINT/SIGTERM: stop after the current step; a second one: now. */
static void
on_signal(int signo)
{
	interrupted = 1;
	signal(signo, SIG_DFL);
}

static void
usage(FILE *out)
{
	OnlineOptions options_defaults = online_default_options();

	fprintf(out,
			"Usage: %s [OPTIONS]\n"
			"\n"
			"Creates the four demo tables as plain tables, seeds them, and migrates each\n"
			"to its partitioned form (RANGE, HASH, LIST, RANGE+LIST), keeping the plain\n"
			"tables as <table>_old.  Each SQL file runs in its own transaction; a failed\n"
			"run continues where it stopped on the next run.\n"
			"\n"
			"Options:\n"
			"  --reset          drop this project's objects first, then set up again\n"
			"  --seed-rows N    seed rows per table (default %d)\n"
			"  --scripts DIR    read the SQL files from DIR (default: <project>/scripts)\n"
			"  --lock-timeout MS  longest wait for each lock (default %d): then the\n"
			"                   transaction is rolled back and tried again, after a pause;\n"
			"                   writers queue behind a waiting lock meanwhile\n"
			"  --attempts N     tries of each file, and of the online prepare and swap,\n"
			"                   before giving up (default %d)\n"
			"  -h, --help       show this help and exit\n"
			"  -V, --version    show the version and exit\n"
			"\n"
			"Online migration (other sessions keep writing; see docs/online-migration.md):\n"
			"  --online         migrate each table while it is written to: batched copy,\n"
			"                   changes captured and replayed, a short final lock\n"
			"  --table T        only table T (event_logs, users_distributed,\n"
			"                   orders_by_region, sales_data); the others stay plain\n"
			"  --abort          remove what a half-done online migration left behind\n"
			"                   (of --table T, or of every table) and exit\n"
			"  --batch N        ids per copy batch (default %lld)\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config);\n"
			"LOCK_TIMEOUT_MS bounds the waits of the reads outside the files and of the\n"
			"online copy, keys, replay and comparison.\n",
			log_progname(), SETUP_DEFAULT_SEED_ROWS, options_defaults.lock_timeout_ms,
			options_defaults.attempts, options_defaults.batch_ids);
}

/* The combinations of options that make no sense, reported. */
static bool
check_combinations(const SetupOptions *options)
{
	if (options->table && !options->online && !options->abort_online)
	{
		log_error("--table needs --online or --abort");
		log_hint("the offline setup always migrates all four tables");
		return false;
	}
	if (options->abort_online && (options->online || options->reset))
	{
		log_error("--abort cannot be combined with --online or --reset");
		return false;
	}
	return true;
}

static OptionsResult
parse_options(int argc, char **argv, SetupOptions *options)
{
	OnlineOptions *online = &options->online_options;
	const char *scripts = NULL;
	const OptionSpec specs[] = {
		{.name = "reset", .kind = OPTION_FLAG, .target = &options->reset},
		{.name = "scripts", .kind = OPTION_TEXT, .target = &scripts},
		{.name = "seed-rows", .kind = OPTION_LONG, .target = &options->seed_rows, .min = 1,
		.max = SETUP_MAX_SEED_ROWS},
		{.name = "online", .kind = OPTION_FLAG, .target = &options->online},
		{.name = "table", .kind = OPTION_CHOICE, .target = &options->table,
		.choices = demo_table_names()},
		{.name = "abort", .kind = OPTION_FLAG, .target = &options->abort_online},
		{.name = "batch", .kind = OPTION_LONG, .target = &online->batch_ids, .min = 1,
		.max = MAX_BATCH_IDS},
		{.name = "lock-timeout", .kind = OPTION_INT, .target = &online->lock_timeout_ms,
		.min = MIN_LOCK_TIMEOUT_MS, .max = MAX_LOCK_TIMEOUT_MS},
		{.name = "attempts", .kind = OPTION_INT, .target = &online->attempts, .min = 1,
		.max = MAX_ATTEMPTS},
		{NULL}
	};
	OptionsResult result;

	options->seed_rows = SETUP_DEFAULT_SEED_ROWS;
	*online = online_default_options();
	online->interrupted = &interrupted;
	if ((result = options_parse(argc, argv, specs, usage)) != OPTIONS_OK)
		return result;
	if (!check_combinations(options) || !options_no_more_arguments(argc, argv))
		return OPTIONS_USAGE_ERROR;
	options->scripts_dir = scripts ? strdup(scripts) : paths_project_dir("scripts", "--scripts");
	return options->scripts_dir ? OPTIONS_OK : OPTIONS_USAGE_ERROR;
}

int
main(int argc, char **argv)
{
	SetupOptions options = {0};
	ProgramConnection server = {0};
	OptionsResult parsed;
	int			status;

	program_start(argc, argv);
	if ((parsed = parse_options(argc, argv, &options)) != OPTIONS_OK)
		status = options_exit_status(parsed);
	else if ((status = program_connect("setup-database", &server)) == PROGRAM_EXIT_OK)
	{
		db_show_notices(server.conn, true);
		if (options.online)
		{
			/* stop between steps: every step is a transaction of its own */
			signal(SIGINT, on_signal);
			signal(SIGTERM, on_signal);
		}
		status = setup_run(server.conn, server.config, &options) ?
			PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	}
	program_disconnect(&server);
	free(options.scripts_dir);
	return status;
}
