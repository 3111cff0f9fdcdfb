/*
 * demonstrate-queries: partition pruning, shown and checked, side by side with
 * the plain tables.
 *
 * Reads the annotated queries of scripts/queries/<name>.sql (query_file.h), runs
 * each with EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON), and checks the leaf
 * partitions it scanned against the annotation's expectation; it shows the
 * text plan with the partition scans highlighted, and times the query next to
 * the same query on the plain <table>_old.  Then it times removing a month, a
 * region and a quarter both ways, inside transactions that are rolled back,
 * and ends with the partition statistics.  Exit status 1 when any query
 * scanned other partitions than expected: a pruning regression check.
 *
 * All SQL it runs comes from the files, except catalog look-ups.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "utils/config.h"
#include "utils/db.h"
#include "utils/explain_plan.h"
#include "utils/log.h"
#include "utils/parse.h"
#include "utils/partition_stats.h"
#include "utils/paths.h"
#include "utils/query_executor.h"
#include "utils/query_file.h"

#define DEFAULT_RUNS 5
#define MAX_RUNS 100
/* a rolled-back DELETE of millions of rows is slow: fewer runs for removals */
#define MAX_MAINTENANCE_RUNS 3

/* ANSI colours, used only when log_color_enabled(stdout) */
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

typedef struct DemoOptions
{
	char	   *table;			/* --table, or NULL for all */
	bool		json;
	bool		analyze;		/* false with --no-analyze */
	int			runs;
	char	   *queries_dir;
} DemoOptions;

/* A partitioned table as the catalog describes it, looked up once. */
typedef struct TableInfo
{
	char	   *name;
	bool		ok;				/* false: missing or not partitioned (reported) */
	char	   *partkey;		/* "RANGE (created_at)" */
	char	  **leaves;			/* relnames, sorted */
	size_t		leaf_count;
	long long	live_rows;		/* estimate from the statistics, -1 when unknown */
	bool		noted_unequal;	/* the unequal-data note was shown */
} TableInfo;

typedef enum QueryStatus
{
	STATUS_OK,
	STATUS_MISMATCH,
	STATUS_UNCHECKED,			/* --no-analyze cannot see pruning during execution */
	STATUS_ERROR
} QueryStatus;

typedef struct Tally
{
	int			queries;
	int			as_expected;
	int			mismatched;
	int			unchecked;
	int			errors;
	int			removals;
	int			removal_errors;
} Tally;

typedef struct Context
{
	PGconn	   *conn;
	const DemoOptions *options;
	bool		color;
	const char *root;			/* project root, for shorter paths in messages */
	TableInfo  *tables;
	size_t		table_count;
	json_object *json_queries;
	json_object *json_maintenance;
	Tally		tally;
	char		mismatched_names[512];
} Context;

/* What running one query found out. */
typedef struct QueryOutcome
{
	QueryStatus status;
	ExplainPlan *plan;
	PruningVerdict *verdict;
	char	   *text_plan;
	bool		timed;
	QueryTimingStats timing;
	/* the plain table */
	bool		plain_missing;	/* its table does not exist (42P01) */
	char		plain_missing_reason[512];
	ExplainPlan *plain_plan;
	const char *plain_relation;	/* the first relation its plan reads (in plain_plan) */
	long long	plain_live_rows;	/* estimate, -1 when unknown */
	bool		plain_timed;
	QueryTimingStats plain_timing;
} QueryOutcome;

static const char *
style(const Context *ctx, const char *code)
{
	return ctx->color ? code : "";
}

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: %s [OPTIONS]\n"
			"\n"
			"Runs the annotated queries of scripts/queries/*.sql on the partitioned tables:\n"
			"shows each plan with the partition scans highlighted, checks the partitions\n"
			"scanned against the annotation, and times the query next to the same query\n"
			"on the plain <table>_old.  Then times removing a month, a region and a quarter\n"
			"by DETACH + DROP against DELETE (rolled back), and prints the partition trees.\n"
			"Exits 1 when a query scanned other partitions than expected.\n"
			"\n"
			"Options:\n"
			"  --table NAME     only the queries of table NAME\n"
			"  --json           print one JSON document (and nothing else) on stdout\n"
			"  --no-analyze     plans only (EXPLAIN without ANALYZE): the queries and removals\n"
			"                   are neither executed nor timed\n"
			"  --runs N         timed runs per query after a warm-up (default %d, 1 to %d)\n"
			"  --queries DIR    read the query files from DIR (default: <project>/scripts/queries)\n"
			"  -h, --help       show this help and exit\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config).\n",
			log_progname(), DEFAULT_RUNS, MAX_RUNS);
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
		{NULL, 0, NULL, 0}
	};
	int			ch;
	long long	runs;
	ParseResult result;

	options->analyze = true;
	options->runs = DEFAULT_RUNS;
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
	if (!options->queries_dir)
	{
		const char *root = paths_project_root();

		if (!root)
		{
			log_error("could not find the project's scripts directory");
			log_hint("run the program from the project directory, or pass --queries DIR");
			return 2;
		}
		options->queries_dir = paths_join(root, "scripts/queries");
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Query files
 * ------------------------------------------------------------------------- */

/* Whether an item before files[f]->items[i] names the same table. */
static bool
table_seen_before(const QueryFileSet *set, size_t f, size_t i)
{
	const char *name = set->files[f]->items[i].table;

	for (size_t g = 0; g <= f; g++)
		for (size_t j = 0; j < (g == f ? i : set->files[g]->count); j++)
			if (strcmp(set->files[g]->items[j].table, name) == 0)
				return true;
	return false;
}

/* --table must name a table the files have queries for. */
static bool
check_table_option(const QueryFileSet *set, const char *table)
{
	char		known[512] = "";

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const char *name = set->files[f]->items[i].table;
			size_t		used = strlen(known);

			if (strcmp(name, table) == 0)
				return true;
			if (!table_seen_before(set, f, i) && used < sizeof(known))
				snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", name);
		}
	log_error("unknown table \"%s\": no query is annotated with it", table);
	log_detail("the query files know: %s", known);
	return false;
}

static bool
selected(const Context *ctx, const QueryItem *item)
{
	return !ctx->options->table || strcmp(ctx->options->table, item->table) == 0;
}

/* The path as the reader knows it: relative to the project root. */
static const char *
shown_path(const Context *ctx, const char *path)
{
	size_t		len = ctx->root ? strlen(ctx->root) : 0;

	if (len && strncmp(path, ctx->root, len) == 0 && path[len] == '/')
		return path + len + 1;
	return path;
}

/* ---------------------------------------------------------------------------
 * Catalog look-ups
 * ------------------------------------------------------------------------- */

/* exists, partition key, and the keys of the partitions that are partitioned again */
static const char *const table_query =
	"SELECT pg_catalog.to_regclass($1) IS NOT NULL,"
	"       pg_catalog.pg_get_partkeydef(pg_catalog.to_regclass($1)),"
	"       (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.pg_get_partkeydef(t.relid), ' or ')"
	"          FROM pg_catalog.pg_partition_tree(pg_catalog.to_regclass($1)) AS t"
	"         WHERE t.level = 1 AND NOT t.isleaf)";

/* the leaves, with the live rows the statistics count (no scan, kept current by inserts) */
static const char *const leaves_query =
	"SELECT c.relname, pg_catalog.pg_stat_get_live_tuples(c.oid)"
	"  FROM pg_catalog.pg_partition_tree($1::pg_catalog.regclass) AS t"
	"  JOIN pg_catalog.pg_class AS c ON c.oid = t.relid"
	" WHERE t.isleaf"
	" ORDER BY c.relname";

static const char *const live_rows_query =
	"SELECT pg_catalog.pg_stat_get_live_tuples(pg_catalog.to_regclass($1))";

static bool
read_table_info(PGconn *conn, TableInfo *info)
{
	const char *params[1] = {info->name};
	PGresult   *res = db_query(conn, table_query, 1, params);
	bool		ok = false;

	if (!res)
		return false;
	if (PQgetvalue(res, 0, 0)[0] != 't')
	{
		log_error("table \"%s\" does not exist", info->name);
		log_hint("create the demo tables with \"bin/setup-database\"");
	}
	else if (PQgetisnull(res, 0, 1))
	{
		log_error("table \"%s\" is not partitioned", info->name);
		log_hint("its queries demonstrate partition pruning; \"bin/setup-database --reset\" "
				 "sets the tables up again");
	}
	else if (PQgetisnull(res, 0, 2))
		ok = (info->partkey = strdup(PQgetvalue(res, 0, 1))) != NULL;
	else
	{
		/* composite: "RANGE (sale_date), then LIST (product_category)" */
		if (asprintf(&info->partkey, "%s, then %s", PQgetvalue(res, 0, 1),
					 PQgetvalue(res, 0, 2)) < 0)
			info->partkey = NULL;
		ok = info->partkey != NULL;
	}
	PQclear(res);
	if (!ok || !(res = db_query(conn, leaves_query, 1, params)))
		return false;
	info->leaves = calloc((size_t) PQntuples(res) + 1, sizeof(char *));
	info->live_rows = 0;
	for (int row = 0; info->leaves && row < PQntuples(res); row++)
	{
		if ((info->leaves[info->leaf_count] = strdup(PQgetvalue(res, row, 0))))
			info->leaf_count++;
		info->live_rows += strtoll(PQgetvalue(res, row, 1), NULL, 10);
	}
	ok = info->leaves && info->leaf_count == (size_t) PQntuples(res);
	PQclear(res);
	return ok;
}

/* The table's description, looked up on first use; NULL when it is unusable. */
static TableInfo *
table_info(Context *ctx, const char *name)
{
	TableInfo  *grown,
			   *info;

	for (size_t i = 0; i < ctx->table_count; i++)
		if (strcmp(ctx->tables[i].name, name) == 0)
			return ctx->tables[i].ok ? &ctx->tables[i] : NULL;
	if (!(grown = realloc(ctx->tables, (ctx->table_count + 1) * sizeof(TableInfo))))
		return NULL;
	ctx->tables = grown;
	info = &ctx->tables[ctx->table_count++];
	memset(info, 0, sizeof(*info));
	if (!(info->name = strdup(name)))
		return NULL;
	info->ok = read_table_info(ctx->conn, info);
	return info->ok ? info : NULL;
}

static void
free_tables(Context *ctx)
{
	for (size_t i = 0; i < ctx->table_count; i++)
	{
		for (size_t j = 0; j < ctx->tables[i].leaf_count; j++)
			free(ctx->tables[i].leaves[j]);
		free(ctx->tables[i].leaves);
		free(ctx->tables[i].partkey);
		free(ctx->tables[i].name);
	}
	free(ctx->tables);
}

/* ---------------------------------------------------------------------------
 * Running a query
 * ------------------------------------------------------------------------- */

static void
report_error(const char *path, int line, const char *name, const QueryError *error)
{
	log_error("%s:%d: %s: %s%s%s%s", path, line, name, error->message,
			  error->sqlstate[0] ? " (SQLSTATE " : "", error->sqlstate,
			  error->sqlstate[0] ? ")" : "");
	if (error->detail[0])
		log_detail("%s", error->detail);
	if (error->hint[0])
		log_hint("%s", error->hint);
}

static QuerySpec
spec_of(const QueryItem *item, const char *sql)
{
	QuerySpec	spec = {
		.sql = sql,
		.nparams = item->param_count,
		.params = (const char *const *) item->params,
		.plan_mode = item->generic ? QUERY_PLAN_GENERIC :
		item->param_count > 0 ? QUERY_PLAN_CUSTOM : QUERY_PLAN_DEFAULT,
	};

	return spec;
}

static ExplainPlan *
parse_plan(const char *json, const char *path, int line, const char *name)
{
	char		errbuf[256];
	ExplainPlan *plan = explain_plan_parse(json, errbuf, sizeof(errbuf));

	if (!plan)
		log_error("%s:%d: %s: could not read the JSON plan: %s", path, line, name, errbuf);
	return plan;
}

/* Checks the plan against the annotation. */
static QueryStatus
judge(const QueryItem *item, const ExplainPlan *plan, const PruningVerdict *verdict)
{
	/* without ANALYZE, scans skipped during execution look like scans */
	if (!plan->analyzed && item->pruning == PRUNING_RUN_TIME && !verdict->run_time)
		return STATUS_UNCHECKED;
	if (!verdict->sets_match)
		return STATUS_MISMATCH;
	if (item->pruning != PRUNING_UNSPECIFIED && item->pruning != verdict->kind)
		return STATUS_MISMATCH;
	return STATUS_OK;
}

/* EXPLAIN, verdict and timings of the query on the partitioned table. */
static bool
run_partitioned(Context *ctx, const char *path, const QueryItem *item, const TableInfo *table,
				QueryOutcome *out)
{
	QuerySpec	spec = spec_of(item, item->sql.sql[0]);
	int			line = item->sql.lines[0];
	bool		analyze = ctx->options->analyze;
	QueryError	error = {.statement = -1};
	char	   *json = query_executor_explain_spec(ctx->conn, &spec, analyze, true, &error);
	const char *const *expected = item->expect_all ? (const char *const *) table->leaves :
		(const char *const *) item->expect;

	if (!json)
	{
		report_error(path, line, item->name, &error);
		return false;
	}
	out->plan = parse_plan(json, path, line, item->name);
	free(json);
	if (!out->plan)
		return false;
	out->verdict = explain_plan_verdict(out->plan, (const char *const *) table->leaves,
										table->leaf_count, expected,
										item->expect_all ? table->leaf_count : item->expect_count);
	if (!out->verdict)
	{
		log_error("out of memory");
		return false;
	}
	out->status = judge(item, out->plan, out->verdict);
	/* the reader gets the server's own text; the JSON above is what is checked */
	if (!ctx->options->json &&
		!(out->text_plan = query_executor_explain_spec(ctx->conn, &spec, analyze, false, &error)))
	{
		report_error(path, line, item->name, &error);
		return false;
	}
	if (analyze && !(out->timed = query_executor_measure(ctx->conn, &spec, ctx->options->runs,
														   &out->timing, &error)))
	{
		report_error(path, line, item->name, &error);
		return false;
	}
	return true;
}

/* The statistics' count of live rows of a relation, -1 when unknown. */
static long long
live_rows(PGconn *conn, const char *relation)
{
	const char *params[1] = {relation};
	PGresult   *res = db_query(conn, live_rows_query, 1, params);
	long long	rows = res && !PQgetisnull(res, 0, 0) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;

	PQclear(res);
	return rows;
}

/* The same query on the plain table, when the file has one and the table exists. */
static bool
run_plain(Context *ctx, const char *path, const QueryItem *item, QueryOutcome *out)
{
	QuerySpec	spec;
	QueryError	error = {.statement = -1};
	char	   *json;
	int			line;

	if (item->plain.count == 0)
		return true;
	spec = spec_of(item, item->plain.sql[0]);
	line = item->plain.lines[0];
	/* a plan without ANALYZE names the plain table and its access path, cheaply */
	if (!(json = query_executor_explain_spec(ctx->conn, &spec, false, true, &error)))
	{
		if (strcmp(error.sqlstate, "42P01") == 0)
		{
			out->plain_missing = true;
			snprintf(out->plain_missing_reason, sizeof(out->plain_missing_reason), "%s",
					 error.message);
			return true;
		}
		report_error(path, line, item->name, &error);
		return false;
	}
	out->plain_plan = parse_plan(json, path, line, item->name);
	free(json);
	if (!out->plain_plan)
		return false;
	out->plain_live_rows = -1;
	for (size_t i = 0; !out->plain_relation && i < out->plain_plan->scan_count; i++)
		out->plain_relation = out->plain_plan->scans[i].relation;
	if (out->plain_relation)
		out->plain_live_rows = live_rows(ctx->conn, out->plain_relation);
	if (ctx->options->analyze &&
		!(out->plain_timed = query_executor_measure(ctx->conn, &spec, ctx->options->runs,
													&out->plain_timing, &error)))
	{
		report_error(path, line, item->name, &error);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Text output
 * ------------------------------------------------------------------------- */

static void
print_names(char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		printf("%s%s", i ? ", " : "", names[i]);
}

static bool
line_has(const char *line, size_t len, const char *needle)
{
	size_t		n = strlen(needle);

	for (const char *p = line; p + n <= line + len; p++)
		if (strncmp(p, needle, n) == 0)
			return true;
	return false;
}

/* The server's text plan, indented, with the partition scans highlighted on a terminal. */
static void
print_text_plan(const Context *ctx, const char *plan, const TableInfo *table)
{
	for (const char *line = plan; *line;)
	{
		size_t		len = strcspn(line, "\n");
		const char *colour = "";

		if (ctx->color)
		{
			if (line_has(line, len, "(never executed)"))
				colour = DIM;
			else if (line_has(line, len, "Subplans Removed"))
				colour = YELLOW BOLD;
			else if (explain_text_line_scans(line, len, (const char *const *) table->leaves,
											 table->leaf_count))
				colour = GREEN BOLD;
		}
		printf("    %s%.*s%s\n", colour, (int) len, line, colour[0] ? RESET : "");
		line += len;
		if (*line == '\n')
			line++;
	}
}

static void
print_sql(const char *sql)
{
	for (const char *line = sql; *line;)
	{
		size_t		len = strcspn(line, "\n");

		printf("    %.*s\n", (int) len, line);
		line += len;
		if (*line == '\n')
			line++;
	}
}

static void
print_params(const Context *ctx, const QueryItem *item)
{
	if (item->param_count == 0)
		return;
	printf("    %s", style(ctx, DIM));
	for (int i = 0; i < item->param_count; i++)
		printf("%s$%d = '%s'", i ? ", " : "", i + 1, item->params[i]);
	printf("  (sent as parameters; %s)%s\n", item->generic ?
		   "generic plan: prepared under plan_cache_mode = force_generic_plan" :
		   "custom plan: planned with the values", style(ctx, RESET));
}

static const char *
pruning_phrase(PruningKind kind)
{
	return kind == PRUNING_PLAN_TIME ? "pruning at plan time" :
		kind == PRUNING_RUN_TIME ? "pruning at run time" : "no pruning";
}

static void
print_verdict(const Context *ctx, const QueryItem *item, const char *path,
			  const QueryOutcome *out)
{
	const PruningVerdict *v = out->verdict;
	bool		analyzed = out->plan->analyzed;
	const char *mark = out->status == STATUS_OK ? "✓" : out->status == STATUS_UNCHECKED ? "?" : "✗";
	const char *colour = out->status == STATUS_OK ? GREEN : out->status == STATUS_UNCHECKED ?
		YELLOW : RED;

	printf("  %s%s%s %s %zu of %zu partitions (", style(ctx, colour), style(ctx, BOLD), mark,
		   analyzed ? "scanned" : "planned", v->scanned_count, v->leaf_count);
	if (v->scanned_count == v->leaf_count && v->leaf_count > 1)
		printf("all");
	else if (v->scanned_count == 0)
		printf("none");
	else
		print_names(v->scanned, v->scanned_count);
	printf(")%s — ", style(ctx, RESET));
	if (v->kind == PRUNING_NONE)
		printf("no pruning");
	else
		printf("pruned at %s%s", v->plan_time && v->run_time ? "plan time and at " : "",
			   explain_pruning_name(v->kind));
	if (v->subplans_removed > 0)
		printf(": %d subplan%s removed at executor startup", v->subplans_removed,
			   v->subplans_removed == 1 ? "" : "s");
	if (v->skipped_count > 0)
	{
		printf("%s %zu scan%s never executed (", v->subplans_removed > 0 ? ";" : ":",
			   v->skipped_count, v->skipped_count == 1 ? "" : "s");
		print_names(v->skipped, v->skipped_count);
		printf(")");
	}
	printf("\n");
	if (out->status == STATUS_UNCHECKED)
		printf("    %snot checked: pruning during execution shows only with ANALYZE%s\n",
			   style(ctx, YELLOW), style(ctx, RESET));
	if (out->status == STATUS_ERROR)
		printf("    %sfailed after the plan: see the error above%s\n", style(ctx, RED), style(ctx, RESET));
	if (out->status != STATUS_MISMATCH)
		return;
	if (v->sets_match)
	{
		printf("    %sexpected %s (%s:%d), not %s%s\n", style(ctx, RED),
			   pruning_phrase(item->pruning), path, item->pruning_line,
			   pruning_phrase(v->kind), style(ctx, RESET));
		return;
	}
	printf("    %sexpected (%s:%d): ", style(ctx, RED), path, item->expect_line);
	if (item->expect_all)
		printf("all");
	else
		print_names(item->expect, item->expect_count);
	if (v->missing_count)
	{
		printf("; not scanned: ");
		print_names(v->missing, v->missing_count);
	}
	if (v->unexpected_count)
	{
		printf("; scanned too: ");
		print_names(v->unexpected, v->unexpected_count);
	}
	if (v->not_leaf_count)
	{
		printf("; no partition of %s: ", item->table);
		print_names(v->not_leaves, v->not_leaf_count);
	}
	printf("%s\n", style(ctx, RESET));
	if (v->not_leaf_count)
		printf("    %sthe files expect the partitions bin/setup-database creates; after "
			   "bin/repartition split,\n    detach or migrate, \"bin/repartition cleanup\" "
			   "restores them%s\n", style(ctx, DIM), style(ctx, RESET));
}

/* "Seq Scan on t, Bitmap Index Scan using i": how the plain table was read. */
static void
print_access_paths(const ExplainPlan *plan)
{
	size_t		shown = 0;

	for (size_t i = 0; i < plan->scan_count; i++)
	{
		const ExplainScan *scan = &plan->scans[i];
		bool		repeated = false;

		for (size_t j = 0; j < i; j++)
			repeated = repeated || (strcmp(plan->scans[j].node_type, scan->node_type) == 0 &&
									(plan->scans[j].index == scan->index ||
									 (scan->index && plan->scans[j].index &&
									  strcmp(plan->scans[j].index, scan->index) == 0)));
		if (repeated)
			continue;
		printf("%s%s", shown++ ? ", " : "", scan->node_type);
		if (scan->index)
			printf(" using %s", scan->index);
		if (scan->relation)
			printf(" on %s", scan->relation);
	}
}

/* The measured ratio, whichever way it goes. */
static void
print_ratio(const Context *ctx, double partitioned_ms, double plain_ms)
{
	double		ratio;

	if (partitioned_ms <= 0 || plain_ms <= 0)
		return;
	ratio = plain_ms / partitioned_ms;
	printf("    %s→ partitioned %.2f× %s than plain%s\n", style(ctx, BOLD),
		   ratio >= 1 ? ratio : 1 / ratio, ratio >= 1 ? "faster" : "slower", style(ctx, RESET));
}

static void
print_timing_line(const char *label, const QueryTimingStats *t)
{
	printf("    %-12s %9.2f ms", label, t->median_ms);
	if (t->runs > 1)
		printf("   median of %d (%.2f–%.2f)", t->runs, t->min_ms, t->max_ms);
}

static void
print_timings(const Context *ctx, const QueryOutcome *out)
{
	if (out->timed)
	{
		print_timing_line("partitioned", &out->timing);
		printf("\n");
	}
	if (out->plain_missing)
		printf("    %-12s %snot timed: %s%s\n", "plain", style(ctx, DIM), out->plain_missing_reason,
			   style(ctx, RESET));
	else if (out->plain_plan)
	{
		if (out->plain_timed)
			print_timing_line("plain", &out->plain_timing);
		else
			printf("    %-12s", "plain");
		printf("   %s", style(ctx, DIM));
		print_access_paths(out->plain_plan);
		printf("%s\n", style(ctx, RESET));
		if (out->timed && out->plain_timed)
			print_ratio(ctx, out->timing.median_ms, out->plain_timing.median_ms);
	}
}

/*
 * Once per table: when the partitioned table and the plain one hold clearly
 * different amounts of data (load-data writes only to the partitioned
 * tables), the times above do not compare like with like.
 */
static void
print_unequal_data_note(const Context *ctx, TableInfo *table, const QueryOutcome *out)
{
	char		rows[32],
				plain_rows[32];
	long long	a = table->live_rows,
				b = out->plain_live_rows;

	if (table->noted_unequal || !out->plain_timed || a < 0 || b < 0 ||
		(a <= b * 11 / 10 && b <= a * 11 / 10))
		return;
	table->noted_unequal = true;
	partition_stats_format_count(a, rows, sizeof(rows));
	partition_stats_format_count(b, plain_rows, sizeof(plain_rows));
	printf("    %snote: %s holds about %s rows, %s about %s: the times compare different\n"
		   "    amounts of data (load-data writes to the partitioned tables only)%s\n",
		   style(ctx, YELLOW), table->name, rows, out->plain_relation, plain_rows, style(ctx, RESET));
}

static void
print_query(const Context *ctx, const char *path, const QueryItem *item, TableInfo *table,
			const QueryOutcome *out)
{
	printf("\n%s▸ %s%s  %s(%s:%d)%s\n", style(ctx, BOLD), item->name, style(ctx, RESET),
		   style(ctx, DIM), path, item->line, style(ctx, RESET));
	printf("  %s\n\n", item->shows);
	print_sql(item->sql.sql[0]);
	print_params(ctx, item);
	if (out->text_plan)
	{
		printf("\n");
		print_text_plan(ctx, out->text_plan, table);
	}
	printf("\n");
	print_verdict(ctx, item, path, out);
	print_timings(ctx, out);
	print_unequal_data_note(ctx, table, out);
}

static void
print_section(const Context *ctx, const char *title)
{
	printf("\n%s══ %s ══%s\n", style(ctx, BOLD CYAN), title, style(ctx, RESET));
}

/* ---------------------------------------------------------------------------
 * JSON output
 * ------------------------------------------------------------------------- */

static json_object *
json_ms(double ms)
{
	char		text[32];

	snprintf(text, sizeof(text), "%.3f", ms);
	return json_object_new_double_s(ms, text);
}

static json_object *
json_names(char *const *names, size_t count)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; i < count; i++)
		json_object_array_add(array, json_object_new_string(names[i]));
	return array;
}

static json_object *
json_timing(const QueryTimingStats *t)
{
	json_object *object = json_object_new_object();

	json_object_object_add(object, "median", json_ms(t->median_ms));
	json_object_object_add(object, "min", json_ms(t->min_ms));
	json_object_object_add(object, "max", json_ms(t->max_ms));
	json_object_object_add(object, "runs", json_object_new_int(t->runs));
	json_object_object_add(object, "rows", json_object_new_int64(t->rows));
	return object;
}

static json_object *
json_ratio(bool both, double partitioned_ms, double plain_ms)
{
	char		text[32];

	if (!both || partitioned_ms <= 0)
		return NULL;
	snprintf(text, sizeof(text), "%.2f", plain_ms / partitioned_ms);
	return json_object_new_double_s(plain_ms / partitioned_ms, text);
}

static const char *
status_key(QueryStatus status)
{
	switch (status)
	{
		case STATUS_OK:
			return "ok";
		case STATUS_MISMATCH:
			return "mismatch";
		case STATUS_UNCHECKED:
			return "unchecked";
		case STATUS_ERROR:
			break;
	}
	return "error";
}

static void
add_json_query(Context *ctx, const char *path, const QueryItem *item, const TableInfo *table,
			   const QueryOutcome *out)
{
	json_object *q = json_object_new_object();
	const PruningVerdict *v = out->verdict;

	json_object_object_add(q, "name", json_object_new_string(item->name));
	json_object_object_add(q, "table", json_object_new_string(item->table));
	json_object_object_add(q, "file", json_object_new_string(path));
	json_object_object_add(q, "line", json_object_new_int(item->line));
	json_object_object_add(q, "shows", json_object_new_string(item->shows));
	json_object_object_add(q, "params", json_names(item->params, (size_t) item->param_count));
	json_object_object_add(q, "plan", json_object_new_string(item->generic ? "generic" : "custom"));
	json_object_object_add(q, "status", json_object_new_string(status_key(out->status)));
	json_object_object_add(q, "as_expected", json_object_new_boolean(out->status == STATUS_OK));
	json_object_object_add(q, "expected", item->expect_all && table ?
						   json_names(table->leaves, table->leaf_count) :
						   json_names(item->expect, item->expect_count));
	json_object_object_add(q, "expected_pruning", item->pruning == PRUNING_UNSPECIFIED ? NULL :
						   json_object_new_string(explain_pruning_key(item->pruning)));
	json_object_object_add(q, "partitions", table ? json_object_new_int((int) table->leaf_count) : NULL);
	json_object_object_add(q, "rows_estimate", table && table->live_rows >= 0 ?
						   json_object_new_int64(table->live_rows) : NULL);
	json_object_object_add(q, "analyzed", json_object_new_boolean(out->plan && out->plan->analyzed));
	json_object_object_add(q, "scanned", v ? json_names(v->scanned, v->scanned_count) : NULL);
	json_object_object_add(q, "never_executed", v ? json_names(v->skipped, v->skipped_count) : NULL);
	json_object_object_add(q, "subplans_removed", v ? json_object_new_int(v->subplans_removed) : NULL);
	json_object_object_add(q, "pruning", v ? json_object_new_string(explain_pruning_key(v->kind)) : NULL);
	json_object_object_add(q, "time_ms", out->timed ? json_timing(&out->timing) : NULL);
	if (out->plain_plan)
	{
		json_object *plain = json_object_new_object();
		json_object *relations = json_object_new_array();

		for (size_t i = 0; i < out->plain_plan->scan_count; i++)
			if (out->plain_plan->scans[i].relation)
				json_object_array_add(relations,
									  json_object_new_string(out->plain_plan->scans[i].relation));
		json_object_object_add(plain, "relations", relations);
		json_object_object_add(plain, "rows_estimate", out->plain_live_rows >= 0 ?
							   json_object_new_int64(out->plain_live_rows) : NULL);
		json_object_object_add(plain, "time_ms", out->plain_timed ? json_timing(&out->plain_timing) : NULL);
		json_object_object_add(q, "plain", plain);
	}
	else
		json_object_object_add(q, "plain", NULL);
	json_object_object_add(q, "speed_ratio", json_ratio(out->timed && out->plain_timed,
												  out->timing.median_ms, out->plain_timing.median_ms));
	json_object_array_add(ctx->json_queries, q);
}

/* ---------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------- */

static void
count_outcome(Context *ctx, const QueryItem *item, QueryStatus status)
{
	Tally	   *t = &ctx->tally;
	size_t		used = strlen(ctx->mismatched_names);

	t->queries++;
	t->as_expected += status == STATUS_OK;
	t->unchecked += status == STATUS_UNCHECKED;
	t->errors += status == STATUS_ERROR;
	if (status == STATUS_MISMATCH)
	{
		t->mismatched++;
		snprintf(ctx->mismatched_names + used, sizeof(ctx->mismatched_names) - used, "%s%s",
				 used ? ", " : "", item->name);
	}
}

static void
run_query(Context *ctx, const char *path, const QueryItem *item)
{
	QueryOutcome out = {.status = STATUS_ERROR};
	TableInfo  *table = table_info(ctx, item->table);

	if (table && run_partitioned(ctx, path, item, table, &out) && out.status != STATUS_ERROR)
	{
		if (!run_plain(ctx, path, item, &out))
			out.status = STATUS_ERROR;
	}
	else
		out.status = STATUS_ERROR;
	if (ctx->options->json)
	{
		add_json_query(ctx, path, item, table, &out);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "%s: %s\n", item->name, status_key(out.status));
	}
	else if (out.verdict)
		print_query(ctx, path, item, table, &out);
	else
		printf("\n%s▸ %s%s  %s(%s:%d)%s\n  %s✗ failed: see the error above%s\n",
			   style(ctx, BOLD), item->name, style(ctx, RESET), style(ctx, DIM), path, item->line,
			   style(ctx, RESET), style(ctx, RED), style(ctx, RESET));
	count_outcome(ctx, item, out.status);
	explain_plan_free(out.plan);
	explain_plan_verdict_free(out.verdict);
	free(out.text_plan);
	explain_plan_free(out.plain_plan);
}

static void
run_queries(Context *ctx, const QueryFileSet *set)
{
	const char *current_table = NULL;

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];
			const char *path = shown_path(ctx, set->files[f]->path);

			if (item->kind != QUERY_ITEM_QUERY || !selected(ctx, item))
				continue;
			if (PQstatus(ctx->conn) != CONNECTION_OK)
			{
				count_outcome(ctx, item, STATUS_ERROR);
				continue;
			}
			if (!ctx->options->json && (!current_table || strcmp(current_table, item->table) != 0))
			{
				const TableInfo *table = table_info(ctx, item->table);
				char		title[256];

				if (table)
					snprintf(title, sizeof(title), "%s: %s, %zu leaf partitions", item->table,
							 table->partkey, table->leaf_count);
				else
					snprintf(title, sizeof(title), "%s", item->table);
				print_section(ctx, title);
			}
			current_table = item->table;
			run_query(ctx, path, item);
		}
}

/* ---------------------------------------------------------------------------
 * Removing data: DETACH + DROP against DELETE
 * ------------------------------------------------------------------------- */

/* Times one side of a removal. */
static bool
time_removal(Context *ctx, const char *path, const QueryItem *item, const QueryStatements *list,
			 QueryTimingStats *stats, QueryError *error)
{
	int			runs = ctx->options->runs < MAX_MAINTENANCE_RUNS ?
		ctx->options->runs : MAX_MAINTENANCE_RUNS;

	if (query_executor_measure_rolled_back(ctx->conn, (const char *const *) list->sql,
										   (int) list->count, runs, stats, error))
		return true;
	if (strcmp(error->sqlstate, "42P01") == 0 && list == &item->plain)
		return false;			/* no plain table: the caller says so */
	report_error(path, error->statement >= 0 ? list->lines[error->statement] : item->line,
				 item->name, error);
	return false;
}

/* The statements on one line, blanks collapsed. */
static void
print_statements(const QueryStatements *list)
{
	for (size_t i = 0; i < list->count; i++)
	{
		bool		blank = false;

		if (i)
			printf("; ");
		for (const char *p = list->sql[i]; *p; p++)
		{
			bool		space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';

			if (!space)
				putchar(*p);
			else if (!blank)
				putchar(' ');
			blank = space;
		}
	}
}

static void
run_removal(Context *ctx, const char *path, const QueryItem *item)
{
	QueryTimingStats partitioned = {0},
				plain = {0};
	QueryError	error = {.statement = -1};
	bool		ok,
				plain_ok = false,
				plain_missing = false;
	char		rows[32];

	ctx->tally.removals++;
	/* an unusable table is reported once, by the look-up */
	ok = table_info(ctx, item->table) != NULL &&
		time_removal(ctx, path, item, &item->sql, &partitioned, &error);
	if (ok && item->plain.count > 0 &&
		!(plain_ok = time_removal(ctx, path, item, &item->plain, &plain, &error)))
		ok = plain_missing = strcmp(error.sqlstate, "42P01") == 0;
	if (!ok)
		ctx->tally.removal_errors++;
	if (ctx->options->json)
	{
		json_object *m = json_object_new_object();

		json_object_object_add(m, "name", json_object_new_string(item->name));
		json_object_object_add(m, "table", json_object_new_string(item->table));
		json_object_object_add(m, "file", json_object_new_string(path));
		json_object_object_add(m, "line", json_object_new_int(item->line));
		json_object_object_add(m, "shows", json_object_new_string(item->shows));
		json_object_object_add(m, "status", json_object_new_string(ok ? "ok" : "error"));
		json_object_object_add(m, "partitioned_ms", ok ? json_timing(&partitioned) : NULL);
		json_object_object_add(m, "plain_ms", plain_ok ? json_timing(&plain) : NULL);
		json_object_object_add(m, "speed_ratio", json_ratio(plain_ok, partitioned.median_ms, plain.median_ms));
		json_object_array_add(ctx->json_maintenance, m);
		return;
	}
	printf("\n%s▸ %s%s  %s(%s:%d)%s\n  %s\n\n", style(ctx, BOLD), item->name, style(ctx, RESET),
		   style(ctx, DIM), path, item->line, style(ctx, RESET), item->shows);
	if (!ok)
	{
		printf("  %s✗ failed: see the error above%s\n", style(ctx, RED), style(ctx, RESET));
		return;
	}
	print_timing_line("partitioned", &partitioned);
	printf("\n      %s", style(ctx, DIM));
	print_statements(&item->sql);
	printf("%s\n", style(ctx, RESET));
	if (plain_missing)
		printf("    %-12s %snot timed: %s%s\n", "plain", style(ctx, DIM), error.message, style(ctx, RESET));
	if (!plain_ok)
		return;
	partition_stats_format_count(plain.rows, rows, sizeof(rows));
	print_timing_line("plain", &plain);
	printf("\n      %s", style(ctx, DIM));
	print_statements(&item->plain);
	printf("  (%s rows)%s\n", rows, style(ctx, RESET));
	print_ratio(ctx, partitioned.median_ms, plain.median_ms);
}

static void
run_removals(Context *ctx, const QueryFileSet *set)
{
	bool		titled = false;

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];

			if (item->kind != QUERY_ITEM_MAINTENANCE || !selected(ctx, item) ||
				PQstatus(ctx->conn) != CONNECTION_OK)
				continue;
			if (!titled && !ctx->options->json)
			{
				print_section(ctx, "where partitioning wins: removing data "
							  "(each side in a transaction that is rolled back)");
				if (!ctx->options->analyze)
					printf("\n  not run: --no-analyze executes nothing\n");
			}
			titled = true;
			if (ctx->options->analyze)
				run_removal(ctx, shown_path(ctx, set->files[f]->path), item);
		}
}

/* ---------------------------------------------------------------------------
 * Summary and statistics
 * ------------------------------------------------------------------------- */

static void
print_summary(const Context *ctx)
{
	const Tally *t = &ctx->tally;

	print_section(ctx, "summary");
	printf("\n  %d quer%s: %s%d as expected%s", t->queries, t->queries == 1 ? "y" : "ies",
		   style(ctx, t->as_expected == t->queries ? GREEN : ""), t->as_expected, style(ctx, RESET));
	if (t->mismatched)
		printf(", %s%d mismatched (%s)%s", style(ctx, RED BOLD), t->mismatched,
			   ctx->mismatched_names, style(ctx, RESET));
	if (t->unchecked)
		printf(", %d not checked without ANALYZE", t->unchecked);
	if (t->errors)
		printf(", %s%d failed%s", style(ctx, RED), t->errors, style(ctx, RESET));
	printf("\n");
	if (t->removals && t->removal_errors)
		printf("  %d removal%s: %s%d failed%s\n", t->removals, t->removals == 1 ? "" : "s",
			   style(ctx, RED), t->removal_errors, style(ctx, RESET));
	else if (t->removals)
		printf("  %d removal%s timed\n", t->removals, t->removals == 1 ? "" : "s");
	if (ctx->options->analyze)
		printf("  times: median of %d run%s after a warm-up (removals: of %d), wall clock at "
			   "the client.\n  Pruning reads fewer partitions; whether that beats the plain "
			   "table's index\n  depends on the query: the ratios are this run's "
			   "measurements, not promises.\n",
			   ctx->options->runs, ctx->options->runs == 1 ? "" : "s",
			   ctx->options->runs < MAX_MAINTENANCE_RUNS ?
			   ctx->options->runs : MAX_MAINTENANCE_RUNS);
}

static bool
print_statistics(Context *ctx, const QueryFileSet *set)
{
	bool		ok = true,
				titled = false;

	for (size_t t = 0; t < ctx->table_count; t++)
	{
		PartitionStats *stats;
		bool		query_table = false;

		/* the tables of the queries shown, in their order */
		for (size_t f = 0; f < set->count && !query_table; f++)
			for (size_t i = 0; i < set->files[f]->count && !query_table; i++)
				query_table = set->files[f]->items[i].kind == QUERY_ITEM_QUERY &&
					strcmp(set->files[f]->items[i].table, ctx->tables[t].name) == 0;
		if (!query_table || !ctx->tables[t].ok)
			continue;
		if (!titled)
			print_section(ctx, "partitions (rows counted exactly; share of the table's rows)");
		titled = true;
		if (!(stats = partition_stats_collect(ctx->conn, ctx->tables[t].name)))
		{
			ok = false;
			continue;
		}
		printf("\n");
		partition_stats_print_tree(stdout, stats, ctx->color);
		partition_stats_free(stats);
	}
	return ok;
}

static void
print_header(const Context *ctx, const Config *config)
{
	printf("%sPartition pruning%s on database \"%s\" at %s, PostgreSQL %s\n",
		   style(ctx, BOLD), style(ctx, RESET), config->dbname, config_server_label(config),
		   PQparameterStatus(ctx->conn, "server_version"));
	if (ctx->options->analyze)
		printf("plans: EXPLAIN (ANALYZE, BUFFERS); verdicts read from the same plan in FORMAT JSON;\n"
			   "times: median of %d run%s after a warm-up, wall clock at the client\n",
			   ctx->options->runs, ctx->options->runs == 1 ? "" : "s");
	else
		printf("plans only (--no-analyze): EXPLAIN without ANALYZE, nothing executed, no times\n");
}

static void
print_json(const Context *ctx)
{
	json_object *root = json_object_new_object();
	json_object *summary = json_object_new_object();
	const Tally *t = &ctx->tally;

	json_object_object_add(root, "database", json_object_new_string(PQdb(ctx->conn)));
	json_object_object_add(root, "server_version",
						   json_object_new_string(PQparameterStatus(ctx->conn, "server_version")));
	json_object_object_add(root, "analyze", json_object_new_boolean(ctx->options->analyze));
	json_object_object_add(root, "runs", json_object_new_int(ctx->options->analyze ?
															 ctx->options->runs : 0));
	json_object_object_add(root, "queries", json_object_get(ctx->json_queries));
	json_object_object_add(root, "maintenance", json_object_get(ctx->json_maintenance));
	json_object_object_add(summary, "queries", json_object_new_int(t->queries));
	json_object_object_add(summary, "as_expected", json_object_new_int(t->as_expected));
	json_object_object_add(summary, "mismatched", json_object_new_int(t->mismatched));
	json_object_object_add(summary, "unchecked", json_object_new_int(t->unchecked));
	json_object_object_add(summary, "errors", json_object_new_int(t->errors));
	json_object_object_add(summary, "removals", json_object_new_int(t->removals));
	json_object_object_add(summary, "removal_errors", json_object_new_int(t->removal_errors));
	json_object_object_add(root, "summary", summary);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
												   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static int
demonstrate(Context *ctx, const QueryFileSet *set, const Config *config)
{
	bool		stats_ok = true;

	if (!ctx->options->json)
		print_header(ctx, config);
	run_queries(ctx, set);
	run_removals(ctx, set);
	if (ctx->options->json)
		print_json(ctx);
	else
	{
		print_summary(ctx);
		if (PQstatus(ctx->conn) == CONNECTION_OK)
			stats_ok = print_statistics(ctx, set);
	}
	fflush(stdout);
	return ctx->tally.mismatched || ctx->tally.errors || ctx->tally.removal_errors ||
		!stats_ok ? 1 : 0;
}

int
main(int argc, char **argv)
{
	DemoOptions options = {0};
	QueryFileSet set = {0};
	Config	   *config = NULL;
	Context		ctx = {0};
	int			status;

	log_set_progname(argv[0]);
	if ((status = parse_options(argc, argv, &options)) != 0)
		goto cleanup;
	if (!query_file_load_dir(options.queries_dir, &set) ||
		(options.table && !check_table_option(&set, options.table)))
	{
		status = 2;
		goto cleanup;
	}
	if (!(config = config_load()))
	{
		status = 2;
		goto cleanup;
	}
	if (!(ctx.conn = db_connect(config, "demonstrate-queries")))
	{
		status = 1;
		goto cleanup;
	}
	db_show_notices(ctx.conn, true);
	ctx.options = &options;
	ctx.color = !options.json && log_color_enabled(stdout);
	ctx.root = paths_project_root();
	ctx.json_queries = json_object_new_array();
	ctx.json_maintenance = json_object_new_array();
	status = demonstrate(&ctx, &set, config);
cleanup:
	json_object_put(ctx.json_queries);
	json_object_put(ctx.json_maintenance);
	free_tables(&ctx);
	PQfinish(ctx.conn);
	config_free(config);
	query_file_set_free(&set);
	free(options.table);
	free(options.queries_dir);
	return status;
}
