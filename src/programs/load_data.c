/*
 * load-data: the continuous data simulator.
 *
 * Every interval it writes a batch of generated rows (the spec's mix over the
 * four partitioned tables) in one transaction, through the parents, so that
 * PostgreSQL routes each row to its partition.  It survives what production
 * writers meet: lock waits behind re-partitioning (bounded lock_timeout, then
 * retry), a server that goes away (reconnect with backoff, then find out
 * whether the batch in flight committed), and stops cleanly on SIGINT or
 * SIGTERM with a summary.  Nothing is silently dropped: each row is committed,
 * retried, or counted as failed; --ledger records every committed row so that
 * --verify can prove it is still there.  The work is src/load/'s
 * (load_data_run.h, ledger_report.h); this parses the options.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/options.h"
#include "common/program.h"
#include "load/ledger_report.h"
#include "load/load_data_run.h"
#include "pg/db.h"
#include "pg/program_connect.h"

#define MAX_INTERVAL_MS 3600000
#define MAX_DURATION_S (10LL * 365 * 24 * 3600)
#define MAX_BATCH 100000
#define MAX_BATCH_DEFAULT 2000	/* rows per transaction with --max (measured: docs/performance.md) */

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [OPTIONS] [interval_ms] [duration_sec]\n"
			"\n"
			"Writes random rows into the four partitioned tables (30%% event_logs,\n"
			"25%% users_distributed, 25%% orders_by_region, 20%% sales_data), one\n"
			"transaction per interval, until stopped (Ctrl-C) or duration_sec is over.\n"
			"interval_ms defaults to SIMULATOR_INTERVAL_MS (2000).\n"
			"\n"
			"Options:\n"
			"  --batch N          rows per transaction (default 1; %d with --max)\n"
			"  --max              no pause between transactions: as fast as the server takes\n"
			"  --rows N           stop after N committed rows\n"
			"  --seed S           repeatable values (names stay unique per process)\n"
			"  --default-share P  percent of event and sale dates that fall outside\n"
			"                     the ranged partitions, into DEFAULT (default 5)\n"
			"  --lock-timeout MS  wait at most MS for a lock, then retry (default 2000)\n"
			"  --progress S       statistics line every S seconds, 0 for none (default 5)\n"
			"  --ledger FILE      append \"<table>\\t<id>\\t<checksum>\" for every committed row\n"
			"                     (a header names the database; runs of one database append)\n"
			"  --verify FILE      check that every row of a ledger is present and unchanged,\n"
			"                     then exit (1 if not, or if nothing could be checked)\n"
			"  --allow-changed    with --verify: report changed rows without failing\n"
			"  --json             final statistics as one JSON document on stdout\n"
			"  -h, --help         show this help and exit\n"
			"  -V, --version      show the version and exit\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config).\n",
			log_progname(), MAX_BATCH_DEFAULT);
}

/* getopt would take "-5" for an option: say what is wrong with it instead */
static bool
refuse_negative_numbers(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
		{
			options_usage_error("invalid argument \"%s\": negative numbers are not allowed", argv[i]);
			return false;
		}
	return true;
}

/* [interval_ms] [duration_sec], then nothing */
static bool
parse_arguments(int argc, char **argv, LoadOptions *options)
{
	if (optind < argc && options->max)
	{
		options_usage_error("an interval (\"%s\") and --max exclude each other", argv[optind]);
		return false;
	}
	if (optind < argc && !options_parse_number("interval_ms", argv[optind++], 1, MAX_INTERVAL_MS,
											   &options->interval_ms))
		return false;
	if (optind < argc && !options_parse_number("duration_sec", argv[optind++], 1, MAX_DURATION_S,
											   &options->duration_s))
		return false;
	return options_no_more_arguments(argc, argv);
}

static OptionsResult
parse_options(int argc, char **argv, const Config *config, LoadOptions *options)
{
	bool		batch_given = false;
	const OptionSpec specs[] = {
		{.name = "batch", .kind = OPTION_LONG, .target = &options->batch, .min = 1, .max = MAX_BATCH,
		.given = &batch_given},
		{.name = "max", .kind = OPTION_FLAG, .target = &options->max},
		{.name = "rows", .kind = OPTION_LONG, .target = &options->max_rows, .min = 1,
		.max = LLONG_MAX / 2},
		{.name = "seed", .kind = OPTION_LONG, .target = &options->seed, .min = 0, .max = LLONG_MAX,
		.given = &options->seed_given},
		{.name = "default-share", .kind = OPTION_LONG, .target = &options->default_share_pct,
		.min = 0, .max = 100},
		{.name = "lock-timeout", .kind = OPTION_LONG, .target = &options->lock_timeout_ms,
		.min = 1, .max = 600000},
		{.name = "progress", .kind = OPTION_LONG, .target = &options->progress_s, .min = 0,
		.max = 3600},
		{.name = "ledger", .kind = OPTION_TEXT, .target = &options->ledger_path},
		{.name = "verify", .kind = OPTION_TEXT, .target = &options->verify_path},
		{.name = "allow-changed", .kind = OPTION_FLAG, .target = &options->allow_changed},
		{.name = "json", .kind = OPTION_FLAG, .target = &options->json},
		{NULL}
	};
	OptionsResult result;

	options->batch = 1;
	options->progress_s = 5;
	options->lock_timeout_ms = 2000;
	options->default_share_pct = 5;
	options->interval_ms = config ? config->interval_ms : 2000;
	if (!refuse_negative_numbers(argc, argv))
		return OPTIONS_USAGE_ERROR;
	if ((result = options_parse(argc, argv, specs, usage)) != OPTIONS_OK)
		return result;
	if (!parse_arguments(argc, argv, options))
		return OPTIONS_USAGE_ERROR;
	if (options->allow_changed && !options->verify_path)
	{
		options_usage_error("--allow-changed needs --verify");
		return OPTIONS_USAGE_ERROR;
	}
	if (options->max)
	{
		options->interval_ms = 0;
		if (!batch_given)
			options->batch = MAX_BATCH_DEFAULT;
	}
	return OPTIONS_OK;
}

int
main(int argc, char **argv)
{
	LoadOptions options = {0};
	ProgramConnection server = {0};
	OptionsResult parsed;
	int			status;

	program_start(argc, argv);
	/* --help before the configuration, which gives the interval's default */
	if (options_help_requested(argc, argv))
	{
		usage(stdout);
		return PROGRAM_EXIT_OK;
	}
	if (!(server.config = config_load()))
		return PROGRAM_EXIT_USAGE;
	if ((parsed = parse_options(argc, argv, server.config, &options)) != OPTIONS_OK)
		status = options_exit_status(parsed);
	else if (!(server.conn = db_connect(server.config, "load-data")) ||
			 !load_data_prepare(server.conn, &options))
		status = PROGRAM_EXIT_FAILURE;
	else if (options.verify_path)
		status = ledger_report_verify(server.conn, options.verify_path, options.allow_changed) ?
			PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	else
		status = load_data_write(&server.conn, server.config, &options) ?
			PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	program_disconnect(&server);
	return status;
}
