/*
 * demonstrate-queries: partition pruning, shown and checked, side by side with
 * the plain tables.
 *
 * Reads the annotated queries of scripts/queries/<name>.sql (query_file.h), runs
 * each with EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON), and checks the leaf
 * partitions it scanned against the annotation's expectation for the table's
 * layout in force (query_layout.h); it shows the text plan with the partition
 * scans highlighted, and times the query next to the same query on the plain
 * <table>_old (and, after a scenario that keeps the previous layout, on that
 * table too).  Then it times removing a month, a region and a quarter both
 * ways, inside transactions that are rolled back, taking their locks with
 * NOWAIT (a busy table's removal is skipped), and ends with the partition
 * statistics.  Every other lock wait is bounded by --lock-timeout.  Exit
 * status 1 when any query scanned other partitions than expected: a pruning
 * regression check.
 *
 * All SQL it runs comes from the files, except catalog look-ups.  The run
 * is src/queries/demonstration.c's; this parses the options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/options.h"
#include "common/paths.h"
#include "common/program.h"
#include "pg/program_connect.h"
#include "queries/demonstration.h"
#include "queries/query_file.h"

#define DEFAULT_RUNS 5
#define MAX_RUNS 100
#define DEFAULT_LOCK_TIMEOUT_MS 2000
#define MAX_LOCK_TIMEOUT_MS 600000

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [OPTIONS]\n"
			"\n"
			"Runs the annotated queries of scripts/queries/*.sql on the partitioned tables:\n"
			"shows each plan with the partition scans highlighted, checks the partitions\n"
			"scanned against the annotation for the table's layout in force (@layout), and\n"
			"times the query next to the same query on the plain <table>_old.  Then times\n"
			"removing a month, a region and a quarter by DETACH + DROP against DELETE\n"
			"(rolled back; skipped when another session holds the table), and prints the\n"
			"partition trees.  Exits 1 when a query scanned other partitions than expected.\n"
			"\n"
			"Options:\n"
			"  --table NAME     only the queries of table NAME\n"
			"  --json           print one JSON document (and nothing else) on stdout\n"
			"  --no-analyze     plans only (EXPLAIN without ANALYZE): the queries and removals\n"
			"                   are neither executed nor timed\n"
			"  --runs N         timed runs per query after a warm-up (default %d, 1 to %d)\n"
			"  --queries DIR    read the query files from DIR (default: <project>/scripts/queries)\n"
			"  --lock-timeout MS  wait at most MS for any lock (default %d); a removal never\n"
			"                   waits for its ACCESS EXCLUSIVE lock (NOWAIT) and is skipped when\n"
			"                   the table is busy\n"
			"  -h, --help       show this help and exit\n"
			"  -V, --version    show the version and exit\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config).\n",
			log_progname(), DEFAULT_RUNS, MAX_RUNS, DEFAULT_LOCK_TIMEOUT_MS);
}

static OptionsResult
parse_options(int argc, char **argv, DemoOptions *options)
{
	const char *queries = NULL;
	bool		no_analyze = false;
	const OptionSpec specs[] = {
		{.name = "table", .kind = OPTION_TEXT, .target = &options->table},
		{.name = "json", .kind = OPTION_FLAG, .target = &options->json},
		{.name = "no-analyze", .kind = OPTION_FLAG, .target = &no_analyze},
		{.name = "runs", .kind = OPTION_INT, .target = &options->runs, .min = 1, .max = MAX_RUNS},
		{.name = "queries", .kind = OPTION_TEXT, .target = &queries},
		{.name = "lock-timeout", .kind = OPTION_INT, .target = &options->lock_timeout_ms,
		.min = 1, .max = MAX_LOCK_TIMEOUT_MS},
		{NULL}
	};
	OptionsResult result;

	options->runs = DEFAULT_RUNS;
	options->lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
	if ((result = options_parse(argc, argv, specs, usage)) != OPTIONS_OK)
		return result;
	options->analyze = !no_analyze;
	if (!options_no_more_arguments(argc, argv))
		return OPTIONS_USAGE_ERROR;
	options->queries_dir = queries ? strdup(queries) :
		paths_project_dir("scripts/queries", "--queries");
	return options->queries_dir ? OPTIONS_OK : OPTIONS_USAGE_ERROR;
}

int
main(int argc, char **argv)
{
	DemoOptions options = {0};
	QueryFileSet set = {0};
	ProgramConnection server = {0};
	OptionsResult parsed;
	int			status;

	program_start(argc, argv);
	if ((parsed = parse_options(argc, argv, &options)) != OPTIONS_OK)
		status = options_exit_status(parsed);
	else if (!query_file_load_dir(options.queries_dir, &set) ||
			 (options.table && !query_file_check_table(&set, options.table)))
		status = PROGRAM_EXIT_USAGE;
	else if ((status = program_connect("demonstrate-queries", &server)) == PROGRAM_EXIT_OK)
		status = demonstration_run(server.conn, server.config, &options, &set) ?
			PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	program_disconnect(&server);
	query_file_set_free(&set);
	free(options.queries_dir);
	return status;
}
