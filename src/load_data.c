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
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utils/config.h"
#include "utils/data_generator.h"
#include "utils/db.h"
#include "utils/ledger.h"
#include "utils/load_report.h"
#include "utils/log.h"
#include "utils/parse.h"
#include "utils/partition_bounds.h"
#include "utils/row_writer.h"
#include "utils/sql_runner.h"

#define MAX_INTERVAL_MS 3600000
#define MAX_DURATION_S (10LL * 365 * 24 * 3600)
#define MAX_BATCH 100000
#define MAX_BATCH_DEFAULT 2000	/* rows per transaction with --max (measured: README) */
#define RANGES_REFRESH_MS 10000.0	/* re-read partition bounds this often */
#define RETRY_LIMIT_MS 120000.0	/* give up on a batch that keeps hitting locks */
#define RECONNECT_MAX_BACKOFF_MS 5000.0

typedef struct LoadOptions
{
	long long	interval_ms;	/* 0 with --max */
	long long	duration_s;		/* 0: until stopped */
	long long	batch;
	long long	max_rows;		/* 0: no limit */
	long long	seed;
	bool		seed_given;
	bool		max;
	bool		json;
	long long	progress_s;
	long long	lock_timeout_ms;
	long long	default_share_pct;
	char	   *ledger_path;
	char	   *verify_path;
} LoadOptions;

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

static double
now_ms(void)
{
	return sql_runner_now_ms();
}

/* Sleeps up to ms, returning early when a stop is requested. */
static void
sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0 || stop_requested)
		return;
	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) ((ms - (double) ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);		/* EINTR on a signal: the caller checks stop_requested */
}

/* Session settings of every connection, first and after a reconnect. */
static bool
prepare_session(PGconn *conn, const LoadOptions *options)
{
	char		timeout[32];
	const char *params[1] = {timeout};
	PGresult   *res;

	snprintf(timeout, sizeof(timeout), "%lldms", options->lock_timeout_ms);
	res = db_query(conn, "SELECT pg_catalog.set_config('lock_timeout', $1, false)", 1, params);
	PQclear(res);
	return res != NULL;
}

/* Dates follow the partitions that exist now; outside ones go to DEFAULT. */
static void
refresh_ranges(PGconn *conn, DataGenerator *gen, const LoadOptions *options)
{
	DataRanges	ranges = data_generator_default_ranges();
	TimeRange	covered;
	const int64_t quarter = 92 * 24 * 3600;

	ranges.event_outside_share = options->default_share_pct / 100.0;
	ranges.sale_outside_share = options->default_share_pct / 100.0;
	if (partition_bounds_covered(conn, "event_logs", &covered))
	{
		ranges.event_covered = covered;
		ranges.event_outside = (TimeRange) {covered.to, covered.to + quarter};
	}
	if (partition_bounds_covered(conn, "sales_data", &covered))
	{
		ranges.sale_covered = covered;
		ranges.sale_outside = (TimeRange) {covered.to, covered.to + quarter};
	}
	data_generator_set_ranges(gen, &ranges);
}

/*
 * Reconnects with exponential backoff until it works or a stop is requested.
 * Returns the new connection, or NULL when stopped.
 */
static PGconn *
reconnect(const Config *config, const LoadOptions *options, LoadReport *report)
{
	double		backoff = 100;

	for (int attempt = 1; !stop_requested; attempt++)
	{
		PGconn	   *conn;
		char		error[256];

		sleep_ms(backoff);
		if (stop_requested)
			break;
		conn = db_connect_quiet(config, "load-data", error, sizeof(error));
		if (conn && prepare_session(conn, options))
		{
			log_info("%s: reconnected to %s after %d attempt%s", log_progname(),
					 config_server_label(config), attempt, attempt == 1 ? "" : "s");
			report->reconnects++;
			return conn;
		}
		if (conn)
			snprintf(error, sizeof(error), "could not prepare the session");
		if (attempt == 1 || attempt % 10 == 0)
			log_info("%s: still no connection to %s (attempt %d): %s", log_progname(),
					 config_server_label(config), attempt, error);
		PQfinish(conn);
		backoff = backoff * 2 > RECONNECT_MAX_BACKOFF_MS ? RECONNECT_MAX_BACKOFF_MS : backoff * 2;
	}
	return NULL;
}

/* Runs the load; returns the exit status. */
static int
run_load(PGconn **connp, const Config *config, const LoadOptions *options, LoadReport *report)
{
	RowBatch   *batch = row_batch_new((size_t) options->batch);
	DataGenerator *gen;
	Ledger	   *ledger = NULL;
	char		tag[32];
	uint64_t	seed = options->seed_given ? (uint64_t) options->seed :
		(uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);
	double		start = now_ms(),
				next_tick = start,
				last_ranges = start;
	int			status = 0;

	/* unique per process and start time: names never collide across processes */
	snprintf(tag, sizeof(tag), "%x%llx", (unsigned) getpid(),
			 (unsigned long long) (time(NULL) % 0x1000000));
	gen = data_generator_new(seed, tag);
	if (!batch || !gen)
	{
		log_error("out of memory");
		status = 1;
		goto cleanup;
	}
	if (options->ledger_path && !(ledger = ledger_open(options->ledger_path)))
	{
		status = 1;
		goto cleanup;
	}
	refresh_ranges(*connp, gen, options);
	load_report_start(report, start);

	while (!stop_requested)
	{
		long long	remaining = options->max_rows ? options->max_rows - report->committed_rows : 0;
		double		batch_start;
		WriteOutcome outcome;
		WriteError	error;

		if (options->duration_s && now_ms() - start >= options->duration_s * 1000.0)
			break;
		if (options->max_rows && remaining <= 0)
			break;
		row_batch_fill(batch, gen, (size_t) (options->max_rows && remaining < options->batch ?
											 remaining : options->batch));
		batch_start = now_ms();
		for (;;)
		{
			outcome = row_writer_write(*connp, batch, &error);
			if (outcome == WRITE_CONNECTION_LOST)
			{
				int			committed;

				log_info("%s: lost the connection to %s: %s; reconnecting", log_progname(),
						 config_server_label(config), error.message);
				PQfinish(*connp);
				if (!(*connp = reconnect(config, options, report)))
					break;		/* stopped while the server was away */
				/* the COMMIT may have landed before the connection broke */
				committed = row_writer_batch_committed(*connp, batch);
				if (committed == 1)
				{
					outcome = WRITE_OK;
					break;
				}
				continue;		/* not committed (or unknown yet): write it again */
			}
			if (outcome == WRITE_RETRY && !stop_requested &&
				now_ms() - batch_start < RETRY_LIMIT_MS)
			{
				report->retries++;
				load_report_note_retry(report, &error);
				sleep_ms(50);
				continue;
			}
			break;
		}
		if (outcome == WRITE_OK)
		{
			load_report_committed(report, batch, now_ms() - batch_start);
			for (int t = 0; ledger && t < DEMO_TABLE_COUNT; t++)
				if (!ledger_append(ledger, t, batch->ids[t], batch->count[t]))
				{
					status = 1;
					stop_requested = 1;
				}
		}
		else if (*connp == NULL)
			load_report_unknown(report, batch);
		else
			load_report_failed(report, batch, &error);
		if (*connp == NULL)
			break;
		load_report_progress(report, now_ms(), options->progress_s);
		if (now_ms() - last_ranges >= RANGES_REFRESH_MS)
		{
			refresh_ranges(*connp, gen, options);
			last_ranges = now_ms();
		}
		if (options->interval_ms > 0)
		{
			/* fixed schedule, no drift; after a long stall, no burst to catch up */
			next_tick += (double) options->interval_ms;
			if (next_tick < now_ms())
				next_tick = now_ms();
			sleep_ms(next_tick - now_ms());
		}
	}
	load_report_finish(report, now_ms());
cleanup:
	ledger_close(ledger);
	data_generator_free(gen);
	row_batch_free(batch);
	return status;
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
	if (!(conn = db_connect(config, "load-data")) || !prepare_session(conn, &options))
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
	status = run_load(&conn, config, &options, &report);
	if (!load_report_print(&report, conn) && status == 0)
		status = 1;
	if (status == 0 && load_report_rows_lost(&report) > 0)
		status = 1;
cleanup:
	PQfinish(conn);
	config_free(config);
	return status;
}
