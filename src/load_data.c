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
 * --verify can prove it is still there.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utils/config.h"
#include "utils/db.h"
#include "utils/ledger.h"
#include "utils/load_report.h"
#include "utils/load_runner.h"
#include "utils/log.h"
#include "utils/parse.h"
#include "utils/table_check.h"

#define MAX_INTERVAL_MS 3600000
#define MAX_DURATION_S (10LL * 365 * 24 * 3600)
#define MAX_BATCH 100000
#define MAX_BATCH_DEFAULT 2000	/* rows per transaction with --max (measured: README) */


/* Set by the signal handler only; a second signal exits at once. */
static volatile sig_atomic_t stop_requested = 0;

static void
handle_stop_signal(int signo)
{
	(void) signo;
	if (stop_requested)
		_exit(130);				/* the server rolls back the transaction in flight */
	stop_requested = 1;
}

static void
install_signal_handlers(void)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = handle_stop_signal;
	sigemptyset(&action.sa_mask);
	/* no SA_RESTART: a signal interrupts nanosleep so that stopping is prompt */
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
}

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
			"  --ledger FILE      append \"<table>\\t<id>\" for every committed row\n"
			"  --verify FILE      check that every row of a ledger is present, then exit\n"
			"  --json             final statistics as one JSON document on stdout\n"
			"  -h, --help         show this help and exit\n",
			log_progname(), MAX_BATCH_DEFAULT);
}

static int
usage_error(const char *fmt, const char *arg, const char *why)
{
	char		message[256];

	snprintf(message, sizeof(message), fmt, arg, why);
	log_error("%s", message);
	log_hint("try \"%s --help\" for more information", log_progname());
	return 2;
}

/* Parses a number option into *out; returns 0 or the exit status 2. */
static int
number_option(const char *name, const char *text, long long min, long long max, long long *out)
{
	ParseResult result = parse_long(text, min, max, out);
	char		what[64];

	if (result == PARSE_OK)
		return 0;
	snprintf(what, sizeof(what), "invalid %s \"%%s\": %%s", name);
	if (result == PARSE_OUT_OF_RANGE)
	{
		char		why[96];

		snprintf(why, sizeof(why), "must be between %lld and %lld", min, max);
		return usage_error(what, text, why);
	}
	return usage_error(what, text, "not a whole number");
}

/* Returns 0 to go on, or the exit status. */
static int
parse_options(int argc, char **argv, const Config *config, LoadOptions *options)
{
	static const struct option long_options[] = {
		{"help", no_argument, NULL, 'h'},
		{"batch", required_argument, NULL, 'b'},
		{"max", no_argument, NULL, 'm'},
		{"rows", required_argument, NULL, 'r'},
		{"seed", required_argument, NULL, 's'},
		{"default-share", required_argument, NULL, 'd'},
		{"lock-timeout", required_argument, NULL, 'l'},
		{"progress", required_argument, NULL, 'p'},
		{"ledger", required_argument, NULL, 'L'},
		{"verify", required_argument, NULL, 'V'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}
	};
	int			c,
				status = 0;
	bool		batch_given = false;

	options->batch = 1;
	options->progress_s = 5;
	options->lock_timeout_ms = 2000;
	options->default_share_pct = 5;
	options->interval_ms = config ? config->interval_ms : 2000;
	/* getopt would take "-5" for an option: say what is wrong with it instead */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
			return usage_error("invalid argument \"%s\": %s", argv[i],
							   "negative numbers are not allowed");
	while (status == 0 && (c = getopt_long(argc, argv, "h", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'h':
				usage(stdout);
				exit(0);
			case 'b':
				status = number_option("--batch", optarg, 1, MAX_BATCH, &options->batch);
				batch_given = true;
				break;
			case 'm':
				options->max = true;
				break;
			case 'r':
				status = number_option("--rows", optarg, 1, LLONG_MAX / 2, &options->max_rows);
				break;
			case 's':
				status = number_option("--seed", optarg, 0, LLONG_MAX, &options->seed);
				options->seed_given = true;
				break;
			case 'd':
				status = number_option("--default-share", optarg, 0, 100,
									   &options->default_share_pct);
				break;
			case 'l':
				status = number_option("--lock-timeout", optarg, 1, 600000,
									   &options->lock_timeout_ms);
				break;
			case 'p':
				status = number_option("--progress", optarg, 0, 3600, &options->progress_s);
				break;
			case 'L':
				options->ledger_path = optarg;
				break;
			case 'V':
				options->verify_path = optarg;
				break;
			case 'j':
				options->json = true;
				break;
			default:
				log_hint("try \"%s --help\" for more information", log_progname());
				return 2;
		}
	}
	if (status != 0)
		return status;
	if (optind < argc)
	{
		if (options->max)
			return usage_error("an interval (\"%s\") and --max exclude each other%s",
							   argv[optind], "");
		if ((status = number_option("interval_ms", argv[optind++], 1, MAX_INTERVAL_MS,
									&options->interval_ms)) != 0)
			return status;
	}
	if (optind < argc &&
		(status = number_option("duration_sec", argv[optind++], 1, MAX_DURATION_S,
								&options->duration_s)) != 0)
		return status;
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"%s", argv[optind], "");
	if (options->max)
	{
		options->interval_ms = 0;
		if (!batch_given)
			options->batch = MAX_BATCH_DEFAULT;
	}
	return 0;
}

/* The four tables, plain or partitioned: writers keep writing during an online migration. */
static bool
require_tables(PGconn *conn)
{
	const char *names[DEMO_TABLE_COUNT];

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		names[t] = data_generator_table_name(t);
	return table_check_require(conn, names, DEMO_TABLE_COUNT, TABLE_PLAIN_OR_PARTITIONED);
}

static int
run_verify(PGconn *conn, const LoadOptions *options)
{
	LedgerVerifyResult result;
	long long	checked = 0,
				missing = 0;

	if (!ledger_verify(conn, options->verify_path, &result))
		return 1;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		checked += result.checked[t];
		missing += result.missing[t];
		printf("%-18s %10lld checked %10lld missing\n", data_generator_table_name(t),
			   result.checked[t], result.missing[t]);
	}
	if (result.malformed_lines)
		log_warning("%lld malformed line%s ignored (a line cut short by a crash?)",
					result.malformed_lines, result.malformed_lines == 1 ? "" : "s");
	printf("ledger %s: %lld rows checked, %lld missing\n", options->verify_path, checked, missing);
	return missing == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	LoadOptions options = {0};
	LoadReport	report;
	Config	   *config = NULL;
	PGconn	   *conn = NULL;
	int			status;

	log_set_progname(argv[0]);
	argv[0] = (char *) log_progname();	/* getopt's own messages use the short name */
	/* the configuration first: SIMULATOR_INTERVAL_MS is the interval's default */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
		{
			usage(stdout);
			return 0;
		}
	if (!(config = config_load()))
		return 2;
	if ((status = parse_options(argc, argv, config, &options)) != 0)
		goto cleanup;
	if (!(conn = db_connect(config, "load-data")) || !load_runner_prepare_session(conn, &options) ||
		!require_tables(conn))
	{
		status = 1;
		goto cleanup;
	}
	if (options.verify_path)
	{
		status = run_verify(conn, &options);
		goto cleanup;
	}
	load_report_init(&report, config, options.json, log_color_enabled(stderr));
	if (!options.json)
		log_info("%s: writing to %s at %s: %s, %lld row%s per transaction%s", log_progname(),
				 config->dbname, config_server_label(config),
				 options.max ? "as fast as possible" : "one transaction per interval",
				 options.batch, options.batch == 1 ? "" : "s",
				 options.duration_s ? "" : "; Ctrl-C stops");
	install_signal_handlers();
	status = load_runner_run(&conn, config, &options, &report, &stop_requested);
	if (!load_report_print(&report, conn) && status == 0)
		status = 1;
	if (status == 0 && load_report_rows_lost(&report) > 0)
		status = 1;
cleanup:
	PQfinish(conn);
	config_free(config);
	return status;
}
