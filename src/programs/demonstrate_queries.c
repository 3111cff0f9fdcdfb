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
 * All SQL it runs comes from the files, except catalog look-ups.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "pg/db.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/program.h"
#include "common/paths.h"
#include "queries/query_demo.h"
#include "queries/query_file.h"
#include "queries/query_layout.h"
#include "queries/query_report_json.h"
#include "queries/query_report_text.h"
#include "queries/query_tables.h"
#include "queries/query_tally.h"
#include "queries/removal_demo.h"
#include "tables/table_check.h"

#define DEFAULT_RUNS 5
#define MAX_RUNS 100
#define DEFAULT_LOCK_TIMEOUT_MS 2000
#define MAX_LOCK_TIMEOUT_MS 600000

typedef struct DemoOptions
{
	char	   *table;			/* --table, or NULL for all */
	bool		json;
	bool		analyze;		/* false with --no-analyze */
	int			runs;
	int			lock_timeout_ms;	/* the session's lock_timeout */
	char	   *queries_dir;
} DemoOptions;

/* The run: its connection, settings and what it has found so far. */
typedef struct Demo
{
	PGconn	   *conn;
	const DemoOptions *options;
	QueryDemoSettings settings;
	bool		color;
	const char *root;			/* project root, for shorter paths in messages */
	QueryTables tables;
	QueryReportJson *json;		/* with --json */
	QueryTally	tally;
} Demo;

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

static int
usage_error(void)
{
	log_hint("try \"%s --help\" for more information", log_progname());
	return 2;
}

/* Returns 0 to go on, or the exit status. */
static int
parse_options(int argc, char **argv, DemoOptions *options)
{
	static const struct option long_options[] = {
		{"help", no_argument, NULL, 'h'},
		{"table", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"no-analyze", no_argument, NULL, 'n'},
		{"runs", required_argument, NULL, 'r'},
		{"queries", required_argument, NULL, 'q'},
		{"lock-timeout", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0}
	};
	int			ch;
	long long	runs,
				lock_timeout;
	ParseResult result;

	options->analyze = true;
	options->runs = DEFAULT_RUNS;
	options->lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "h", long_options, NULL)) != -1)
	{
		switch (ch)
		{
			case 'h':
				usage(stdout);
				exit(0);
			case 't':
				free(options->table);
				options->table = strdup(optarg);
				break;
			case 'j':
				options->json = true;
				break;
			case 'n':
				options->analyze = false;
				break;
			case 'r':
				if ((result = parse_long(optarg, 1, MAX_RUNS, &runs)) != PARSE_OK)
				{
					log_error("invalid --runs \"%s\": %s (1 to %d)", optarg,
							  parse_result_reason(result), MAX_RUNS);
					return 2;
				}
				options->runs = (int) runs;
				break;
			case 'l':
				if ((result = parse_long(optarg, 1, MAX_LOCK_TIMEOUT_MS, &lock_timeout)) != PARSE_OK)
				{
					log_error("invalid --lock-timeout \"%s\": %s (1 to %d ms)", optarg,
							  parse_result_reason(result), MAX_LOCK_TIMEOUT_MS);
					return 2;
				}
				options->lock_timeout_ms = (int) lock_timeout;
				break;
			case 'q':
				free(options->queries_dir);
				options->queries_dir = strdup(optarg);
				break;
			default:
				return usage_error();
		}
	}
	if (optind < argc)
	{
		log_error("unexpected argument \"%s\"", argv[optind]);
		return usage_error();
	}
	if (!options->queries_dir && !(options->queries_dir = paths_project_dir("scripts/queries", "--queries")))
		return 2;
	return 0;
}

static bool
selected(const Demo *demo, const QueryItem *item)
{
	return !demo->options->table || strcmp(demo->options->table, item->table) == 0;
}

/* The path as the reader knows it: relative to the project root. */
static const char *
shown_path(const Demo *demo, const char *path)
{
	return paths_relative_to(demo->root, path);
}

/*
 * The table of a query with its layout in force (NULL: unusable, reported),
 * and in *previous the table keeping the previous layout (NULL: none).
 */
static QueryTable *
table_of(Demo *demo, const QueryFileSet *set, const char *name, QueryTable **previous)
{
	QueryTable *table = query_tables_get(&demo->tables, demo->conn, name);

	*previous = NULL;
	if (!table || !query_layout_resolve(demo->conn, set, demo->root, table))
		return NULL;
	if (table->layout && table->previous_exists)
		*previous = query_tables_get(&demo->tables, demo->conn, table->layout->previous_table);
	return table;
}

static void
run_query(Demo *demo, const QueryFileSet *set, const char *path, const QueryItem *item)
{
	QueryTable *previous;
	QueryTable *table = table_of(demo, set, item->table, &previous);
	QueryOutcome out;

	query_demo_run(demo->conn, &demo->settings, path, item, table, previous, &out);
	if (demo->options->json)
	{
		query_report_json_add_query(demo->json, path, item, table, &out);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "%s: %s\n", item->name, query_demo_status_key(out.status));
	}
	else if (out.partitioned.verdict)
		query_report_text_query(demo->color, path, item, table, &out);
	else
		query_report_text_failed(demo->color, path, item);
	query_tally_query(&demo->tally, item, out.status);
	query_demo_outcome_free(&out);
}

static void
run_queries(Demo *demo, const QueryFileSet *set)
{
	const char *current_table = NULL;

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];
			const char *path = shown_path(demo, set->files[f]->path);

			if (item->kind != QUERY_ITEM_QUERY || !selected(demo, item))
				continue;
			if (PQstatus(demo->conn) != CONNECTION_OK)
			{
				query_tally_query(&demo->tally, item, QUERY_STATUS_ERROR);
				continue;
			}
			if (!demo->options->json && (!current_table || strcmp(current_table, item->table) != 0))
			{
				QueryTable *previous;
				QueryTable *table = table_of(demo, set, item->table, &previous);

				query_report_text_table_section(demo->color, item->table, table, previous);
			}
			current_table = item->table;
			run_query(demo, set, path, item);
		}
}

/* Removing data: DETACH + DROP against DELETE. */
static void
run_removal(Demo *demo, const char *path, const QueryItem *item)
{
	RemovalOutcome out;

	/* an unusable table is reported once, by the look-up */
	removal_demo_run(demo->conn, demo->options->runs, demo->options->lock_timeout_ms, path, item,
					 query_tables_get(&demo->tables, demo->conn, item->table), &out);
	query_tally_removal(&demo->tally, out.ok, out.skipped);
	if (demo->options->json)
		query_report_json_add_removal(demo->json, path, item, &out);
	else
		query_report_text_removal(demo->color, path, item, &out);
}

static void
run_removals(Demo *demo, const QueryFileSet *set)
{
	bool		titled = false;

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];

			if (item->kind != QUERY_ITEM_MAINTENANCE || !selected(demo, item) ||
				PQstatus(demo->conn) != CONNECTION_OK)
				continue;
			if (!titled && !demo->options->json)
				query_report_text_removals_section(demo->color, demo->options->analyze);
			titled = true;
			if (demo->options->analyze)
				run_removal(demo, shown_path(demo, set->files[f]->path), item);
		}
}

/* Every lock wait of the session is bounded: a busy table fails a statement instead of stalling it. */
static bool
set_lock_timeout(PGconn *conn, int ms)
{
	char		value[32];
	const char *params[1] = {value};
	PGresult   *res;

	bool		ok;

	snprintf(value, sizeof(value), "%dms", ms);
	res = db_query(conn, "SELECT pg_catalog.set_config('lock_timeout', $1, false)", 1, params);
	ok = res != NULL;
	PQclear(res);
	return ok;
}

static int
demonstrate(Demo *demo, const QueryFileSet *set, const Config *config)
{
	const DemoOptions *options = demo->options;
	bool		stats_ok = true;

	if (!options->json)
		query_report_text_header(demo->color, config, demo->conn, options->analyze, options->runs);
	run_queries(demo, set);
	run_removals(demo, set);
	if (options->json)
		query_report_json_print(demo->json, demo->conn, options->analyze, options->runs,
								&demo->tally);
	else
	{
		query_report_text_summary(demo->color, &demo->tally, options->analyze, options->runs);
		if (PQstatus(demo->conn) == CONNECTION_OK)
			stats_ok = query_report_text_partitions(demo->color, demo->conn, &demo->tables, set);
	}
	fflush(stdout);
	return query_tally_failed(&demo->tally) || !stats_ok ? 1 : 0;
}

/* The partitioned tables of the selected items, all looked up at once before any query. */
static bool
require_tables(PGconn *conn, const QueryFileSet *set, const char *only)
{
	const char **names = NULL;
	size_t		count = 0,
				capacity = 0;
	bool		ok;

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const char *table = set->files[f]->items[i].table;
			bool		known = false;

			if (!table || (only && strcmp(only, table) != 0))
				continue;
			for (size_t k = 0; k < count && !known; k++)
				known = strcmp(names[k], table) == 0;
			if (known)
				continue;
			if (count == capacity)
			{
				const char **grown = realloc(names, (capacity = capacity * 2 + 4) * sizeof(char *));

				if (!grown)
				{
					free(names);
					log_error("out of memory");
					return false;
				}
				names = grown;
			}
			names[count++] = table;
		}
	ok = table_check_require(conn, names, count, TABLE_PARTITIONED);
	free(names);
	return ok;
}

int
main(int argc, char **argv)
{
	DemoOptions options = {0};
	QueryFileSet set = {0};
	Config	   *config = NULL;
	Demo		demo = {0};
	int			status;

	program_start(argc, argv);
	if ((status = parse_options(argc, argv, &options)) != 0)
		goto cleanup;
	if (!query_file_load_dir(options.queries_dir, &set) ||
		(options.table && !query_file_check_table(&set, options.table)))
	{
		status = 2;
		goto cleanup;
	}
	if (!(config = config_load()))
	{
		status = 2;
		goto cleanup;
	}
	if (!(demo.conn = db_connect(config, "demonstrate-queries")) ||
		(options.json && !(demo.json = query_report_json_new())))
	{
		status = 1;
		goto cleanup;
	}
	if (!require_tables(demo.conn, &set, options.table))
	{
		status = 1;
		goto cleanup;
	}
	db_show_notices(demo.conn, true);
	if (!set_lock_timeout(demo.conn, options.lock_timeout_ms))
	{
		status = 1;
		goto cleanup;
	}
	demo.options = &options;
	demo.settings.analyze = options.analyze;
	demo.settings.text_plan = !options.json;
	demo.settings.runs = options.runs;
	demo.color = !options.json && log_color_enabled(stdout);
	demo.root = paths_project_root();
	status = demonstrate(&demo, &set, config);
cleanup:
	query_report_json_free(demo.json);
	query_tables_free(&demo.tables);
	PQfinish(demo.conn);
	config_free(config);
	query_file_set_free(&set);
	free(options.table);
	free(options.queries_dir);
	return status;
}
