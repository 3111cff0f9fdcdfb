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

#include "common/config.h"
#include "pg/db.h"
#include "load/ledger.h"
#include "load/load_report.h"
#include "load/load_runner.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/program.h"
#include "tables/table_check.h"

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
		{"allow-changed", no_argument, NULL, 'A'},
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
			case 'A':
				options->allow_changed = true;
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
	if (options->allow_changed && !options->verify_path)
		return usage_error("%s needs --verify%s", "--allow-changed", "");
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
		names[t] = demo_table_name(t);
	return table_check_require(conn, names, DEMO_TABLE_COUNT, TABLE_PLAIN_OR_PARTITIONED);
}

static long long
sum_of(const long long counts[DEMO_TABLE_COUNT])
{
	long long	sum = 0;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		sum += counts[t];
	return sum;
}

/* "missing: sales_data id 12" for the first few of each table */
static void
show_ids(const char *what, const long long counts[DEMO_TABLE_COUNT],
		 const long long shown[DEMO_TABLE_COUNT][LEDGER_SHOW_IDS], bool as_error)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		for (long long i = 0; i < counts[t] && i < LEDGER_SHOW_IDS; i++)
			if (as_error)
				log_error("%s: %s id %lld", what, demo_table_name(t), shown[t][i]);
			else
				log_warning("%s: %s id %lld", what, demo_table_name(t), shown[t][i]);
		if (counts[t] > LEDGER_SHOW_IDS)
			log_detail("and %lld more %s rows of %s", counts[t] - LEDGER_SHOW_IDS, what,
					   demo_table_name(t));
	}
}

/* Why a ledger that could not be checked row by row was refused. */
static void
report_unchecked(const char *path, unsigned failures, const LedgerVerifyResult *r,
				 const LedgerIdentity *database)
{
	if (failures & LEDGER_FAIL_EMPTY)
		log_error("ledger \"%s\" is empty: nothing to check", path);
	else if ((failures & LEDGER_FAIL_NO_HEADER) && r->header_version > 0)
		log_error("ledger \"%s\" is of format v%d; this load-data reads v%d", path,
				  r->header_version, LEDGER_FORMAT_VERSION);
	else if (failures & LEDGER_FAIL_NO_HEADER)
	{
		log_error("\"%s\" is no ledger: its first line is %s", path,
				  r->header_version < 0 ? "a damaged ledger header" : "not a ledger header");
		log_detail("a ledger of load-data starts with \"" LEDGER_HEADER_PREFIX "%d\" and names "
				   "its database (ledgers of older versions had no header and cannot be checked)",
				   LEDGER_FORMAT_VERSION);
	}
	else
	{
		log_error("ledger \"%s\" belongs to another database%s", path,
				  r->foreign_line > 1 ? " in part" : "");
		if (r->foreign_line > 1)
			log_detail("line %lld starts a run on a database other than the first run's",
					   r->foreign_line);
		else
		{
			log_detail("the ledger's: database \"%s\", id %s", r->ledger.database_name,
					   r->ledger.database_id);
			log_detail("this one: database \"%s\", id %s", database->database_name,
					   database->database_id);
		}
		log_hint("verify a ledger against the database it was written on (POSTGRES_DB, "
				 "POSTGRES_HOST, POSTGRES_PORT)");
	}
}

static int
run_verify(PGconn *conn, const LoadOptions *options)
{
	const char *path = options->verify_path;
	LedgerIdentity database;
	LedgerVerifyResult r;
	unsigned	failures;
	long long	checked,
				missing,
				changed;

	if (!ledger_identity_fetch(conn, &database) || !ledger_verify(conn, path, &database, &r))
		return 1;
	failures = ledger_failures(&r, options->allow_changed);
	if (failures & (LEDGER_FAIL_EMPTY | LEDGER_FAIL_NO_HEADER | LEDGER_FAIL_FOREIGN))
	{
		report_unchecked(path, failures, &r, &database);
		return 1;
	}
	if (r.match == LEDGER_COPY)
		printf("ledger written on database \"%s\" (OID %s, cluster %s); checked on \"%s\" "
			   "(OID %s, cluster %s), a copy with the same database id\n",
			   r.ledger.database_name, r.ledger.database_oid,
			   r.ledger.system_identifier[0] ? r.ledger.system_identifier : "unknown",
			   database.database_name, database.database_oid,
			   database.system_identifier[0] ? database.system_identifier : "unknown");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		printf("%-18s %10lld checked %10lld missing %10lld changed\n", demo_table_name(t),
			   r.checked[t], r.missing[t], r.changed[t]);
	checked = sum_of(r.checked);
	missing = sum_of(r.missing);
	changed = sum_of(r.changed);
	printf("ledger %s: %lld rows checked, %lld missing, %lld changed, %lld malformed lines "
		   "(%lld run%s)\n", path, checked, missing, changed, r.malformed_lines, r.runs,
		   r.runs == 1 ? "" : "s");
	fflush(stdout);
	show_ids("missing", r.missing, r.shown_missing, true);
	show_ids("changed", r.changed, r.shown_changed, !options->allow_changed);
	if (r.cut_lines)
		log_warning("%lld line%s cut short at the end of a run (load-data stopped while "
					"writing) ignored", r.cut_lines, r.cut_lines == 1 ? "" : "s");
	if (failures & LEDGER_FAIL_MALFORMED)
		log_error("%lld of the ledger's %lld row lines are malformed (the first is line %lld): "
				  "more than %g%% is damage, not a crash", r.malformed_lines,
				  checked + r.malformed_lines, r.first_malformed_line,
				  LEDGER_MAX_MALFORMED_SHARE * 100);
	else if (r.malformed_lines)
		log_warning("%lld malformed line%s ignored (the first is line %lld)", r.malformed_lines,
					r.malformed_lines == 1 ? "" : "s", r.first_malformed_line);
	if (failures & LEDGER_FAIL_NOTHING_CHECKED)
		log_error("ledger \"%s\" has no row to check: a verification that checks nothing fails",
				  path);
	if (failures & LEDGER_FAIL_MISSING)
		log_error("%lld committed row%s missing", missing, missing == 1 ? " is" : "s are");
	if (failures & LEDGER_FAIL_CHANGED)
	{
		log_error("%lld committed row%s changed since the commit", changed,
				  changed == 1 ? " has" : "s have");
		log_hint("load-data's rows are written once; where other writers update them on "
				 "purpose, --allow-changed reports them without failing");
	}
	return failures ? 1 : 0;
}

/* The ledger of --ledger, refused at start when it is another database's. */
static Ledger *
open_ledger(PGconn *conn, const char *path)
{
	LedgerIdentity identity;

	return ledger_identity_fetch(conn, &identity) ? ledger_open(path, &identity) : NULL;
}

int
main(int argc, char **argv)
{
	LoadOptions options = {0};
	LoadReport	report;
	Config	   *config = NULL;
	PGconn	   *conn = NULL;
	Ledger	   *ledger = NULL;
	int			status;

	program_start(argc, argv);
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
	if (options.ledger_path && !(ledger = open_ledger(conn, options.ledger_path)))
	{
		status = 1;
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
	status = load_runner_run(&conn, config, &options, ledger, &report, &stop_requested);
	if (!load_report_print(&report, conn) && status == 0)
		status = 1;
	if (status == 0 && load_report_rows_lost(&report) > 0)
		status = 1;
cleanup:
	ledger_close(ledger);
	PQfinish(conn);
	config_free(config);
	return status;
}
