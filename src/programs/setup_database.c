/*
 * setup-database: from plain tables with data to four partitioned tables.
 *
 * Runs, in the spec's order and each in its own transaction, the six files
 * 00_setup_base_tables.sql ... 04_composite_partitions.sql, recording each
 * applied file in partition_demo.applied_scripts in the same transaction.  A
 * run that fails at file N leaves the files before N applied and N's table
 * untouched; the next run continues at N.  Every file waits at most
 * --lock-timeout for each lock; a file that did not get one is rolled back,
 * its holder named, and run again after a pause, --attempts times at most.
 * The SQL does the work; this program sequences, times and reports it, and
 * prints the resulting trees.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "pg/db.h"
#include "pg/lock_holder.h"
#include "common/log.h"
#include "online/online_migration.h"
#include "common/parse.h"
#include "common/program.h"
#include "tables/partition_stats.h"
#include "common/paths.h"
#include "repartition/repartition_runner.h"

#define DEFAULT_SEED_ROWS 5000
#define MAX_SEED_ROWS 50000000

static const char *const migration_files[] = {
	"00_setup_base_tables.sql",
	"00_initial_seed_data.sql",
	"01_range_partitions.sql",
	"02_hash_partitions.sql",
	"03_list_partitions.sql",
	"04_composite_partitions.sql",
};
#define MIGRATION_COUNT ((int) (sizeof(migration_files) / sizeof(migration_files[0])))

static const char *const demo_tables[] = {
	"event_logs", "users_distributed", "orders_by_region", "sales_data",
};

/* Whose lock holders a lock timeout names (NULL-terminated lists). */
static const char *const all_demo_tables[] = {
	"event_logs", "users_distributed", "orders_by_region", "sales_data", NULL,
};
static const char *const reset_tables[] = {
	"event_logs", "users_distributed", "orders_by_region", "sales_data",
	"event_logs_old", "users_distributed_old", "orders_by_region_old", "sales_data_old", NULL,
};

/* One file's run, for its hooks. */
typedef struct FileRun
{
	const char *file;			/* as recorded in partition_demo.applied_scripts */
	const char *const *tables;	/* whose lock holders to name; NULL: none */
} FileRun;

/* Project helper objects (schema partition_demo), safe to run every time. */
#define HELPERS_FILE "lib/partition_demo.sql"
/* Drops this project's objects and only those. */
#define RESET_FILE "lib/reset.sql"
/* The SQL side of --online (safe to run every time, as the helpers). */
#define ONLINE_FILE "online/00_online_functions.sql"
/* demo_tables[i] is migrated by migration_files[i + FIRST_TABLE_FILE] */
#define FIRST_TABLE_FILE 2

typedef struct SetupOptions
{
	bool		reset;
	bool		online;
	bool		abort_online;
	const char *table;			/* --table: one of demo_tables, or NULL for all */
	char	   *scripts_dir;
	long long	seed_rows;
	OnlineOptions online_options;
} SetupOptions;

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
			log_progname(), DEFAULT_SEED_ROWS, options_defaults.lock_timeout_ms,
			options_defaults.attempts, options_defaults.batch_ids);
}

/* --batch, --lock-timeout, --attempts: within sane bounds, or reported. */
static bool
parse_online_number(int option, const char *text, long long *value)
{
	const char *name = option == 'b' ? "--batch" : option == 'l' ? "--lock-timeout" : "--attempts";
	long long	min = option == 'l' ? 10 : 1;
	long long	max = option == 'b' ? 10000000 : option == 'l' ? 60000 : 1000;
	ParseResult result = parse_long(text, min, max, value);

	if (result != PARSE_OK)
		log_error("invalid %s \"%s\": %s (%lld to %lld)", name, text,
				  parse_result_reason(result), min, max);
	return result == PARSE_OK;
}

/* Returns 0 to go on, or the exit status (2 for usage errors). */
static int
parse_options(int argc, char **argv, SetupOptions *options)
{
	static const struct option long_options[] = {
		{"help", no_argument, NULL, 'h'},
		{"reset", no_argument, NULL, 'r'},
		{"scripts", required_argument, NULL, 's'},
		{"seed-rows", required_argument, NULL, 'n'},
		{"online", no_argument, NULL, 'o'},
		{"table", required_argument, NULL, 't'},
		{"abort", no_argument, NULL, 'a'},
		{"batch", required_argument, NULL, 'b'},
		{"lock-timeout", required_argument, NULL, 'l'},
		{"attempts", required_argument, NULL, 'A'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	long long	value;

	options->seed_rows = DEFAULT_SEED_ROWS;
	options->online_options = online_default_options();
	options->online_options.interrupted = &interrupted;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1)
	{
		ParseResult result;

		switch (c)
		{
			case 'h':
				usage(stdout);
				exit(0);
			case 'r':
				options->reset = true;
				break;
			case 's':
				free(options->scripts_dir);
				options->scripts_dir = strdup(optarg);
				break;
			case 'n':
				result = parse_long(optarg, 1, MAX_SEED_ROWS, &options->seed_rows);
				if (result != PARSE_OK)
				{
					log_error("invalid --seed-rows \"%s\": %s (1 to %d)", optarg,
							  parse_result_reason(result), MAX_SEED_ROWS);
					return 2;
				}
				break;
			case 'o':
				options->online = true;
				break;
			case 'a':
				options->abort_online = true;
				break;
			case 't':
				options->table = NULL;
				for (size_t i = 0; i < sizeof(demo_tables) / sizeof(demo_tables[0]); i++)
					if (strcmp(optarg, demo_tables[i]) == 0)
						options->table = demo_tables[i];
				if (!options->table)
				{
					log_error("unknown --table \"%s\"", optarg);
					log_hint("one of: event_logs, users_distributed, orders_by_region, sales_data");
					return 2;
				}
				break;
			case 'b':
			case 'l':
			case 'A':
				if (!parse_online_number(c, optarg, &value))
					return 2;
				if (c == 'b')
					options->online_options.batch_ids = value;
				else if (c == 'l')
					options->online_options.lock_timeout_ms = (int) value;
				else
					options->online_options.attempts = (int) value;
				break;
			default:
				log_hint("try \"%s --help\" for more information", log_progname());
				return 2;
		}
	}
	if (options->table && !options->online && !options->abort_online)
	{
		log_error("--table needs --online or --abort");
		log_hint("the offline setup always migrates all four tables");
		return 2;
	}
	if (options->abort_online && (options->online || options->reset))
	{
		log_error("--abort cannot be combined with --online or --reset");
		return 2;
	}
	if (optind < argc)
	{
		log_error("unexpected argument \"%s\"", argv[optind]);
		log_hint("try \"%s --help\" for more information", log_progname());
		return 2;
	}
	if (!options->scripts_dir && !(options->scripts_dir = paths_project_dir("scripts", "--scripts")))
		return 2;
	return 0;
}

/* After a lock failure: who holds a lock on the file's tables. */
static void
name_lock_holders(PGconn *conn, const char *sqlstate, void *arg)
{
	const FileRun *run = arg;

	(void) sqlstate;
	lock_holders_report(conn, run->tables);
}

/*
 * Runs one file in its own transaction, with a progress line; a lock not
 * granted within --lock-timeout rolls it back and runs it again, up to
 * --attempts times (the retry policy of --online).  *gave_up tells whether
 * it failed on locks only.
 */
static bool
run_file(PGconn *conn, const SetupOptions *options, const FileRun *file_run, const char *label,
		 SqlRunnerHook hook, bool *gave_up)
{
	char	   *path = paths_join(options->scripts_dir, file_run->file);
	RetryPolicy policy = online_retry_policy(&options->online_options);
	RunnerCallbacks callbacks = {.before_commit = hook, .after_lock_failure = name_lock_holders,
	.arg = (void *) file_run};
	RetryRun	run = {0};
	bool		ok;

	fprintf(stderr, "%s %s\n", label, file_run->file);
	ok = path && repartition_runner_execute_file(conn, path, &policy, &callbacks, &run);
	if (ok && run.attempts > 1)
		fprintf(stderr, "    done: %d statements in %.0f ms (attempt %d of %d, %.1f s in all)\n",
				run.statements, run.last_attempt_ms, run.attempts, policy.max_attempts,
				run.elapsed_ms / 1000.0);
	else if (ok)
		fprintf(stderr, "    done: %d statements in %.0f ms\n", run.statements, run.last_attempt_ms);
	if (gave_up)
		*gave_up = run.gave_up;
	free(path);
	return ok;
}

/* Records a migration file as applied, inside the file's own transaction. */
static bool
record_applied(PGconn *conn, const char *path, double elapsed_ms, void *arg)
{
	const FileRun *run = arg;
	char		duration[32];
	const char *params[2] = {run->file, duration};
	PGresult   *res;

	(void) path;
	snprintf(duration, sizeof(duration), "%.1f", elapsed_ms);
	res = db_query(conn,
				   "INSERT INTO partition_demo.applied_scripts (script, duration_ms) "
				   "VALUES ($1, $2)", 2, params);
	PQclear(res);
	return res != NULL;
}

/* Which migration files are applied already (bookkeeping table). */
static bool
load_applied(PGconn *conn, bool applied[MIGRATION_COUNT])
{
	static const char *const bookkeeping[] = {"partition_demo.applied_scripts", NULL};
	Error		error;
	PGresult   *res = db_try_query(conn, "SELECT script FROM partition_demo.applied_scripts", 0,
								   NULL, &error);

	if (!res)
	{
		error_report(&error);
		if (lock_holder_after_timeout(conn, &error, bookkeeping))
			log_hint("no migration file was run (the helper files are idempotent); end the "
					 "transaction named above (or wait for it) and run %s again, or raise "
					 "LOCK_TIMEOUT_MS", log_progname());
		return false;
	}
	for (int i = 0; i < MIGRATION_COUNT; i++)
	{
		applied[i] = false;
		for (int row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), migration_files[i]) == 0)
				applied[i] = true;
	}
	PQclear(res);
	return true;
}

/* Only one setup at a time: a second one would race on the same tables. */
static bool
lock_setup(PGconn *conn)
{
	PGresult   *res = db_query(conn,
							   "SELECT pg_catalog.pg_try_advisory_lock("
							   "pg_catalog.hashtext('partition_demo.setup-database'))", 0, NULL);
	bool		locked = res && PQgetvalue(res, 0, 0)[0] == 't';

	if (res && !locked)
	{
		log_error("another setup-database is running against this database");
		log_hint("wait for it to finish, then run this again");
	}
	PQclear(res);
	return locked;
}

static bool
set_seed_rows(PGconn *conn, long long seed_rows)
{
	char		value[32];
	const char *params[1] = {value};
	PGresult   *res;

	/* read by 00_initial_seed_data.sql through current_setting() */
	snprintf(value, sizeof(value), "%lld", seed_rows);
	res = db_query(conn, "SELECT pg_catalog.set_config('partition_demo.seed_rows', $1, false)",
				   1, params);
	PQclear(res);
	return res != NULL;
}

/*
 * Exact row count of a plain table into *rows, -1 when it does not exist;
 * false, with the failure in error, when it could not be read.
 */
static bool
plain_table_rows(PGconn *conn, const char *table, long long *rows, Error *error)
{
	PartitionStats *stats = NULL;
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1,
								   params, error);
	bool		exists = res && PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	*rows = -1;
	if (!res || (exists && !(stats = partition_stats_collect(conn, table, error))))
		return false;
	if (stats)
		*rows = stats->nodes[0].rows;
	partition_stats_free(stats);
	return true;
}

/* One table's tree and the row count of its plain _old copy; false (reported) on error. */
static bool
print_table_summary(PGconn *conn, const char *table, bool color)
{
	Error		error;
	PartitionStats *stats = partition_stats_collect(conn, table, &error);
	char		old_name[64],
				rows[32],
				old_rows[32];
	long long	old_count;

	snprintf(old_name, sizeof(old_name), "%s_old", table);
	if (!stats || !plain_table_rows(conn, old_name, &old_count, &error))
	{
		const char *tables[3] = {table, old_name, NULL};

		partition_stats_free(stats);
		error_report(&error);
		/* the counts wait LOCK_TIMEOUT_MS (see db.h) behind ACCESS EXCLUSIVE, then give up */
		if (lock_holder_after_timeout(conn, &error, tables))
			log_hint("every file of this run is applied (see partition_demo.applied_scripts); "
					 "only the row counts of this summary could not be read: end the "
					 "transaction named above (or wait for it), or raise LOCK_TIMEOUT_MS");
		return false;
	}
	partition_stats_print_tree(stdout, stats, color);
	partition_stats_format_count(stats->nodes[0].rows, rows, sizeof(rows));
	if (stats->nodes[0].key[0] == '\0')
		printf("%s: %s rows, still a plain table (not migrated by this run)\n\n", table, rows);
	else if (old_count >= 0)
	{
		partition_stats_format_count(old_count, old_rows, sizeof(old_rows));
		printf("%s: %s rows in %zu partitions; %s (plain table): %s rows%s\n\n",
			   table, rows, partition_stats_leaf_count(stats), old_name, old_rows,
			   old_count == stats->nodes[0].rows ? "" : " (differs: rows were added since)");
	}
	else
		printf("%s: %s rows in %zu partitions; %s: none\n\n", table, rows,
			   partition_stats_leaf_count(stats), old_name);
	partition_stats_free(stats);
	return true;
}

static bool
print_summary(PGconn *conn)
{
	bool		color = log_color_enabled(stdout);

	printf("\nPartitioned tables (rows counted exactly; share of the table's rows)\n\n");
	for (size_t i = 0; i < sizeof(demo_tables) / sizeof(demo_tables[0]); i++)
		if (!print_table_summary(conn, demo_tables[i], color))
			return false;
	return true;
}

/* Migrates one table online, with the same bookkeeping as an offline file. */
static bool
run_online(PGconn *conn, const SetupOptions *options, int file_index, const char *label)
{
	const char *file = migration_files[file_index];
	FileRun		file_run = {.file = file};
	char	   *path = paths_join(options->scripts_dir, file);
	bool		ok;

	fprintf(stderr, "%s %s (online: %s keeps taking writes)\n", label, file,
			demo_tables[file_index - FIRST_TABLE_FILE]);
	ok = path && online_migrate(conn, path, demo_tables[file_index - FIRST_TABLE_FILE],
								&options->online_options, record_applied, &file_run);
	free(path);
	return ok;
}

/* --abort: removes half-done online migrations, of one table or of all. */
static int
run_abort(PGconn *conn, const SetupOptions *options)
{
	int			removed = 0;

	for (size_t i = 0; i < sizeof(demo_tables) / sizeof(demo_tables[0]); i++)
	{
		bool		found;

		if (options->table && strcmp(options->table, demo_tables[i]) != 0)
			continue;
		if (!online_abort(conn, demo_tables[i], &options->online_options, &found))
			return 1;
		removed += found;
	}
	if (removed == 0)
		fprintf(stderr, "no online migration%s%s was in progress; nothing to remove\n",
				options->table ? " of " : "", options->table ? options->table : "");
	return 0;
}

/* --reset: scripts/lib/reset.sql, all of it or (on a failure) nothing. */
static bool
run_reset(PGconn *conn, const SetupOptions *options)
{
	FileRun		file_run = {.file = RESET_FILE, .tables = reset_tables};
	bool		gave_up;

	if (run_file(conn, options, &file_run, "[reset]", NULL, &gave_up))
		return true;
	if (gave_up)
		log_hint("nothing was dropped; end the transaction named above (or wait for it) and "
				 "run %s --reset again, or raise --lock-timeout / --attempts", log_progname());
	return false;
}

/* Migration file i, recorded as applied in its own transaction. */
static bool
run_migration_file(PGconn *conn, const SetupOptions *options, int i, const char *label)
{
	const char *one_table[2] = {NULL, NULL};
	FileRun		file_run = {.file = migration_files[i], .tables = all_demo_tables};
	bool		gave_up;

	if (i >= FIRST_TABLE_FILE)
	{
		/* 01..04 lock their own table only */
		one_table[0] = demo_tables[i - FIRST_TABLE_FILE];
		file_run.tables = one_table;
	}
	if (run_file(conn, options, &file_run, label, record_applied, &gave_up))
		return true;
	if (gave_up)
		log_hint("files before %s stay applied; end the transaction named above (or wait for "
				 "it) and run %s again to continue there, or raise --lock-timeout / --attempts",
				 migration_files[i], log_progname());
	else
		log_hint("files before %s stay applied; fix the cause and run %s again to continue there",
				 migration_files[i], log_progname());
	return false;
}

/* Whether migration file i is run by this invocation. */
static bool
selected_file(const SetupOptions *options, int i)
{
	return !options->table || i < FIRST_TABLE_FILE ||
		strcmp(options->table, demo_tables[i - FIRST_TABLE_FILE]) == 0;
}

static int
run_setup(PGconn *conn, const SetupOptions *options)
{
	static const FileRun helpers_run = {.file = HELPERS_FILE};
	static const FileRun online_helpers_run = {.file = ONLINE_FILE};
	bool		applied[MIGRATION_COUNT];
	int			pending = 0,
				step = 0;
	char		label[32];

	if (!lock_setup(conn))
		return 1;
	if (options->reset && !run_reset(conn, options))
		return 1;
	if (!run_file(conn, options, &helpers_run, "[helpers]", NULL, NULL) ||
		!run_file(conn, options, &online_helpers_run, "[helpers]", NULL, NULL) ||
		!load_applied(conn, applied))
		return 1;
	if (options->abort_online)
		return run_abort(conn, options);
	for (int i = 0; i < MIGRATION_COUNT; i++)
		pending += !applied[i] && selected_file(options, i);
	if (pending == 0)
	{
		if (options->table)
			log_error("%s is already partitioned (its script is applied)", options->table);
		else
			log_error("the database is already set up: all %d scripts are applied", MIGRATION_COUNT);
		log_detail("partition_demo.applied_scripts lists them");
		log_hint("run \"%s --reset\" to drop this project's tables and set up again",
				 log_progname());
		return 1;
	}
	if (!options->table && pending < MIGRATION_COUNT)
		fprintf(stderr, "continuing an earlier setup: %d of %d scripts already applied\n",
				MIGRATION_COUNT - pending, MIGRATION_COUNT);
	if (!set_seed_rows(conn, options->seed_rows))
		return 1;
	for (int i = 0; i < MIGRATION_COUNT; i++)
	{
		bool		ok;

		if (applied[i] || !selected_file(options, i))
			continue;
		if (interrupted)
		{
			log_error("interrupted: stopped before %s", migration_files[i]);
			log_hint("the files before it are applied; run %s again to continue there",
					 log_progname());
			return 1;
		}
		snprintf(label, sizeof(label), "[%d/%d]", ++step, pending);
		if (options->online && i >= FIRST_TABLE_FILE)
		{
			if (!run_online(conn, options, i, label))
				return 1;
			continue;
		}
		ok = run_migration_file(conn, options, i, label);
		if (!ok)
			return 1;
	}
	return print_summary(conn) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	SetupOptions options = {0};
	Config	   *config = NULL;
	PGconn	   *conn = NULL;
	char	   *schema;
	int			status;

	program_start(argc, argv);
	if ((status = parse_options(argc, argv, &options)) != 0)
		goto cleanup;
	if (!(config = config_load()))
	{
		status = 2;
		goto cleanup;
	}
	if (!(conn = db_connect(config, "setup-database")))
	{
		status = 1;
		goto cleanup;
	}
	db_show_notices(conn, true);
	if (options.online)
	{
		/* stop between steps: every step is a transaction of its own */
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	schema = PQescapeIdentifier(conn, config->schema, strlen(config->schema));
	fprintf(stderr, "setting up database \"%s\" at %s, tables in schema %s\n",
			config->dbname, config_server_label(config), schema ? schema : config->schema);
	PQfreemem(schema);
	status = run_setup(conn, &options);
cleanup:
	PQfinish(conn);
	config_free(config);
	free(options.scripts_dir);
	return status;
}
