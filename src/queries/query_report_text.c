/* query_report_text.c: demonstrate-queries' text report (see query_report_text.h). */
#include "queries/query_report_text.h"

#include <stdio.h>
#include <string.h>

#include "tables/partition_stats.h"
#include "pg/lock_holder.h"
#include "queries/query_plan_text.h"
#include "queries/query_text_style.h"
#include "common/format.h"

void
query_report_text_header(bool color, const Config *config, PGconn *conn, bool analyze, int runs)
{
	const QueryTextStyle *s = query_text_style(color);

	printf("%sPartition pruning%s on database \"%s\" at %s, PostgreSQL %s\n", s->bold, s->reset,
		   config->dbname, config_server_label(config), PQparameterStatus(conn, "server_version"));
	if (analyze)
		printf("plans: EXPLAIN (ANALYZE, BUFFERS); verdicts read from the same plan in FORMAT JSON;\n"
			   "times: median of %d run%s after a warm-up, wall clock at the client\n",
			   runs, runs == 1 ? "" : "s");
	else
		printf("plans only (--no-analyze): EXPLAIN without ANALYZE, nothing executed, no times\n");
}

void
query_report_text_section(bool color, const char *title)
{
	const QueryTextStyle *s = query_text_style(color);

	printf("\n%s%s══ %s ══%s\n", s->bold, s->cyan, title, s->reset);
}

void
query_report_text_table_section(bool color, const char *name, const QueryTable *table,
								const QueryTable *previous)
{
	const QueryTextStyle *s = query_text_style(color);
	char		title[256];

	if (table)
		snprintf(title, sizeof(title), "%s: %s, %zu leaf partitions", name, table->partkey,
				 table->leaf_count);
	else
		snprintf(title, sizeof(title), "%s", name);
	query_report_text_section(color, title);
	if (!table || !table->layout)
		return;
	printf("\n  %slayout %s%s (%s:%d): %s\n", s->bold, table->layout->name, s->reset,
		   table->layout_path, table->layout->line, table->layout->shows);
	if (previous)
		printf("  beside each query: the same on %s, which keeps the previous layout\n"
			   "  (%s, %zu leaf partitions), checked against the unqualified @expect\n",
			   previous->name, previous->partkey, previous->leaf_count);
	else if (table->layout->previous_table)
		printf("  %s%s, which would keep the previous layout, does not exist: "
			   "nothing to compare with%s\n", s->dim, table->layout->previous_table, s->reset);
}

void
query_report_text_removals_section(bool color, bool analyze)
{
	query_report_text_section(color, "where partitioning wins: removing data "
							  "(each side in a transaction that is rolled back)");
	if (!analyze)
		printf("\n  not run: --no-analyze executes nothing\n");
}

/* "▸ name  (file:line)": the first line of a query or a removal. */
static void
print_item_title(const QueryTextStyle *s, const char *path, const QueryItem *item)
{
	printf("\n%s▸ %s%s  %s(%s:%d)%s\n", s->bold, item->name, s->reset, s->dim, path, item->line,
		   s->reset);
}

static void
print_failed(const QueryTextStyle *s)
{
	printf("  %s✗ failed: see the error above%s\n", s->red, s->reset);
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
print_params(const QueryTextStyle *s, const QueryItem *item)
{
	if (item->param_count == 0)
		return;
	printf("    %s", s->dim);
	for (int i = 0; i < item->param_count; i++)
		printf("%s$%d = '%s'", i ? ", " : "", i + 1, item->params[i]);
	printf("  (sent as parameters; %s)%s\n", item->generic ?
		   "generic plan: prepared under plan_cache_mode = force_generic_plan" :
		   "custom plan: planned with the values", s->reset);
}

/* The measured ratio, whichever way it goes; within QUERY_DEMO_TIE_FRACTION a tie. */
static void
print_ratio(const QueryTextStyle *s, const char *subject, double ms, const char *other,
			double other_ms)
{
	QuerySpeed	speed = query_demo_speed(ms, other_ms);
	double		ratio = other_ms / ms;

	if (speed == QUERY_SPEED_UNKNOWN)
		return;
	if (speed == QUERY_SPEED_TIE)
		printf("    %s→ a tie: %s and %s within %.0f%% of each other (%.2f× apart)%s\n", s->bold,
			   subject, other, QUERY_DEMO_TIE_FRACTION * 100, ratio >= 1 ? ratio : 1 / ratio,
			   s->reset);
	else
		printf("    %s→ %s %.2f× %s than %s%s\n", s->bold, subject,
			   ratio >= 1 ? ratio : 1 / ratio, speed == QUERY_SPEED_FASTER ? "faster" : "slower",
			   other, s->reset);
}

static void
print_timing_line(const char *label, const QueryTimingStats *t)
{
	printf("    %-12s %9.2f ms", label, t->median_ms);
	if (t->runs > 1)
		printf("   median of %d (%.2f–%.2f)", t->runs, t->min_ms, t->max_ms);
}

static void
print_plain_not_timed(const QueryTextStyle *s, const char *reason)
{
	printf("    %-12s %snot timed: %s%s\n", "plain", s->dim, reason, s->reset);
}

static void
print_timings(const QueryTextStyle *s, const QueryOutcome *out)
{
	const QueryCheck *p = &out->partitioned;

	if (p->timed)
	{
		print_timing_line("partitioned", &p->timing);
		printf("\n");
	}
	if (out->plain_missing)
		print_plain_not_timed(s, out->plain_missing_reason);
	else if (out->plain_plan)
	{
		if (out->plain_timed)
			print_timing_line("plain", &out->plain_timing);
		else
			printf("    %-12s", "plain");
		printf("   %s", s->dim);
		query_plan_text_print_access_paths(out->plain_plan);
		printf("%s\n", s->reset);
		if (p->timed && out->plain_timed)
			print_ratio(s, "partitioned", p->timing.median_ms, "plain",
						out->plain_timing.median_ms);
	}
}

/* The same query on the table that keeps the previous layout, and how the two compare. */
static void
print_previous(bool color, const char *path, const QueryItem *item, const QueryOutcome *out)
{
	const QueryTextStyle *s = query_text_style(color);
	const QueryCheck *p = &out->previous;
	char		label[96];

	if (!out->compared || !p->verdict)
		return;
	printf("\n  %son %s, the previous layout%s  %s(%s:%d)%s\n", s->bold, p->table->name, s->reset,
		   s->dim, path, item->previous_line, s->reset);
	query_plan_text_print_verdict(color, path, p);
	if (!p->timed)
		return;
	print_timing_line("previous", &p->timing);
	printf("\n");
	snprintf(label, sizeof(label), "layout %s", out->partitioned.table->layout->name);
	print_ratio(s, label, out->partitioned.timing.median_ms, "the previous layout",
				p->timing.median_ms);
}

/*
 * Once per table: when the partitioned table and the plain one hold clearly
 * different amounts of data (load-data writes only to the partitioned
 * tables), the times above do not compare like with like.
 */
static void
print_unequal_data_note(const QueryTextStyle *s, QueryTable *table, const QueryOutcome *out)
{
	char		rows[32],
				plain_rows[32];
	long long	a = table->live_rows,
				b = out->plain_live_rows;

	if (table->noted_unequal || !out->plain_timed || !out->plain_relation || a < 0 || b < 0 ||
		(a <= b * 11 / 10 && b <= a * 11 / 10))
		return;
	table->noted_unequal = true;
	format_count(a, rows, sizeof(rows));
	format_count(b, plain_rows, sizeof(plain_rows));
	printf("    %snote: %s holds about %s rows, %s about %s: the times compare different\n"
		   "    amounts of data (load-data writes to the partitioned tables only)%s\n",
		   s->yellow, table->name, rows, out->plain_relation, plain_rows, s->reset);
}

void
query_report_text_query(bool color, const char *path, const QueryItem *item, QueryTable *table,
						const QueryOutcome *out)
{
	const QueryTextStyle *s = query_text_style(color);

	print_item_title(s, path, item);
	printf("  %s\n", out->partitioned.expected->shows);
	if (out->partitioned.expected->layout)
		printf("  %s(expected in layout %s: %s:%d)%s\n", s->dim, out->partitioned.expected->layout,
			   path, out->partitioned.expected->expect_line, s->reset);
	printf("\n");
	print_sql(item->sql.sql[0]);
	print_params(s, item);
	if (out->text_plan)
	{
		printf("\n");
		query_plan_text_print_plan(color, out->text_plan, table);
	}
	printf("\n");
	query_plan_text_print_verdict(color, path, &out->partitioned);
	print_timings(s, out);
	print_unequal_data_note(s, table, out);
	print_previous(color, path, item, out);
}

void
query_report_text_failed(bool color, const char *path, const QueryItem *item)
{
	const QueryTextStyle *s = query_text_style(color);

	print_item_title(s, path, item);
	print_failed(s);
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

/* A removal skipped for a lock held elsewhere: which, and by whom. */
static void
print_skipped(const QueryTextStyle *s, const RemovalOutcome *out)
{
	char		holder[512];

	printf("  %s%s⊘ skipped:%s %s%s\n", s->yellow, s->bold, s->reset, s->yellow,
		   out->skipped_reason);
	if (out->holder_count == 0)
		printf("    no session holds a lock on %s now: the holder has gone\n",
			   out->skipped_relation[0] ? out->skipped_relation : "it");
	for (int i = 0; i < out->holder_count; i++)
	{
		lock_holder_describe(&out->holders[i], holder, sizeof(holder));
		printf("    held by %s\n", holder);
	}
	printf("%s", s->reset);
}

void
query_report_text_removal(bool color, const char *path, const QueryItem *item,
						  const RemovalOutcome *out)
{
	const QueryTextStyle *s = query_text_style(color);
	char		rows[32];

	print_item_title(s, path, item);
	printf("  %s\n\n", item->shows);
	if (out->skipped)
	{
		print_skipped(s, out);
		return;
	}
	if (!out->ok)
	{
		print_failed(s);
		return;
	}
	print_timing_line("partitioned", &out->partitioned);
	printf("\n      %s", s->dim);
	print_statements(&item->sql);
	printf("%s\n", s->reset);
	if (out->plain_missing)
		print_plain_not_timed(s, out->plain_missing_reason);
	if (!out->plain_ok)
		return;
	format_count(out->plain.rows, rows, sizeof(rows));
	print_timing_line("plain", &out->plain);
	printf("\n      %s", s->dim);
	print_statements(&item->plain);
	printf("  (%s rows)%s\n", rows, s->reset);
	print_ratio(s, "partitioned", out->partitioned.median_ms, "plain", out->plain.median_ms);
}

void
query_report_text_summary(bool color, const QueryTally *t, bool analyze, int runs)
{
	const QueryTextStyle *s = query_text_style(color);

	query_report_text_section(color, "summary");
	printf("\n  %d quer%s: %s%d as expected%s", t->queries, t->queries == 1 ? "y" : "ies",
		   t->as_expected == t->queries ? s->green : "", t->as_expected, s->reset);
	if (t->mismatched)
		printf(", %s%s%d mismatched (%s)%s", s->red, s->bold, t->mismatched, t->mismatched_names,
			   s->reset);
	if (t->unchecked)
		printf(", %d not checked without ANALYZE", t->unchecked);
	if (t->errors)
		printf(", %s%d failed%s", s->red, t->errors, s->reset);
	printf("\n");
	if (t->removals)
	{
		int			timed = t->removals - t->removal_errors - t->removals_skipped;

		printf("  %d removal%s: %d timed", t->removals, t->removals == 1 ? "" : "s", timed);
		if (t->removals_skipped)
			printf(", %s%d skipped (a lock held elsewhere, named above)%s", s->yellow,
				   t->removals_skipped, s->reset);
		if (t->removal_errors)
			printf(", %s%d failed%s", s->red, t->removal_errors, s->reset);
		printf("\n");
	}
	if (analyze)
		printf("  times: median of %d run%s after a warm-up (removals: of %d), wall clock at "
			   "the client.\n  Pruning reads fewer partitions; whether that beats the plain "
			   "table's index\n  depends on the query: the ratios are this run's "
			   "measurements, not promises.\n",
			   runs, runs == 1 ? "" : "s", removal_demo_runs(runs));
}

/* Whether the files have a query (not only maintenance) on the table. */
static bool
has_query_on(const QueryFileSet *set, const char *table)
{
	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
			if (set->files[f]->items[i].kind == QUERY_ITEM_QUERY &&
				strcmp(set->files[f]->items[i].table, table) == 0)
				return true;
	return false;
}

/* Whether the table keeps the previous layout of a table whose layout is in force. */
static bool
keeps_previous_layout(const QueryTables *tables, const char *name)
{
	for (size_t t = 0; t < tables->count; t++)
		if (tables->tables[t]->layout && tables->tables[t]->previous_exists &&
			strcmp(tables->tables[t]->layout->previous_table, name) == 0)
			return true;
	return false;
}

bool
query_report_text_partitions(bool color, PGconn *conn, const QueryTables *tables,
							 const QueryFileSet *set)
{
	bool		ok = true,
				titled = false;

	/* the tables of the queries shown, in their order */
	for (size_t t = 0; t < tables->count; t++)
	{
		PartitionStats *stats;

		if (!tables->tables[t]->ok || (!has_query_on(set, tables->tables[t]->name) &&
									  !keeps_previous_layout(tables, tables->tables[t]->name)))
			continue;
		if (!titled)
			query_report_text_section(color, "partitions (rows counted exactly; "
									  "share of the table's rows)");
		titled = true;
		if (!(stats = partition_stats_collect(conn, tables->tables[t]->name, NULL)))
		{
			ok = false;
			continue;
		}
		printf("\n");
		partition_stats_print_tree(stdout, stats, color);
		partition_stats_free(stats);
	}
	return ok;
}
