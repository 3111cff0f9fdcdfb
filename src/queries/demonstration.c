/* demonstration.c: demonstrate-queries' run (see demonstration.h). */
#include "queries/demonstration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/paths.h"
#include "pg/db.h"
#include "queries/query_demo.h"
#include "queries/query_layout.h"
#include "queries/query_report_json.h"
#include "queries/query_report_text.h"
#include "queries/query_tables.h"
#include "queries/query_tally.h"
#include "queries/removal_demo.h"
#include "tables/table_check.h"

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

	snprintf(value, sizeof(value), "%dms", ms);
	return db_set_config(conn, "lock_timeout", value, false, NULL);
}

static bool
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
	return !query_tally_failed(&demo->tally) && stats_ok;
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

bool
demonstration_run(PGconn *conn, const Config *config, const DemoOptions *options,
				  const QueryFileSet *set)
{
	Demo		demo = {.conn = conn, .options = options};
	bool		ok;

	ok = (!options->json || (demo.json = query_report_json_new())) &&
		require_tables(conn, set, options->table);
	if (ok)
	{
		db_show_notices(conn, true);
		ok = set_lock_timeout(conn, options->lock_timeout_ms);
	}
	if (ok)
	{
		demo.settings.analyze = options->analyze;
		demo.settings.text_plan = !options->json;
		demo.settings.runs = options->runs;
		demo.color = !options->json && log_color_enabled(stdout);
		demo.root = paths_project_root();
		ok = demonstrate(&demo, set, config);
	}
	query_report_json_free(demo.json);
	query_tables_free(&demo.tables);
	return ok;
}
