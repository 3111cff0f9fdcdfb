/* query_plan_text.c: a query's plans read out (see query_plan_text.h). */
#include "queries/query_plan_text.h"

#include <stdio.h>
#include <string.h>

#include "queries/query_text_style.h"

static void
print_names(char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		printf("%s%s", i ? ", " : "", names[i]);
}

static bool
line_has(const char *line, size_t len, const char *needle)
{
	return memmem(line, len, needle, strlen(needle)) != NULL;
}

void
query_plan_text_print_plan(bool color, const char *plan, const QueryTable *table)
{
	const QueryTextStyle *s = query_text_style(color);

	for (const char *line = plan; *line;)
	{
		size_t		len = strcspn(line, "\n");
		const char *colour = "",
				   *weight = "";

		if (s->color)
		{
			if (line_has(line, len, "(never executed)"))
				colour = s->dim;
			else if (line_has(line, len, "Subplans Removed"))
				colour = s->yellow, weight = s->bold;
			else if (explain_text_line_scans(line, len, (const char *const *) table->leaves,
											 table->leaf_count))
				colour = s->green, weight = s->bold;
		}
		printf("    %s%s%.*s%s\n", colour, weight, (int) len, line, colour[0] ? s->reset : "");
		line += len;
		if (*line == '\n')
			line++;
	}
}

static const char *
pruning_phrase(PruningKind kind)
{
	return kind == PRUNING_PLAN_TIME ? "pruning at plan time" :
		kind == PRUNING_RUN_TIME ? "pruning at run time" : "no pruning";
}

/* What the annotation expected, when the partitions scanned were not it. */
static void
print_expected_sets(const QueryTextStyle *s, const char *path, const QueryCheck *check)
{
	const QueryExpectation *e = check->expected;
	const PruningVerdict *v = check->verdict;

	printf("    %sexpected (%s:%d): ", s->red, path, e->expect_line);
	if (e->expect_all)
		printf("all");
	else
		print_names(e->expect, e->expect_count);
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
		printf("; no partition of %s: ", check->table->name);
		print_names(v->not_leaves, v->not_leaf_count);
	}
	printf("%s\n", s->reset);
	if (v->not_leaf_count && !e->layout)
		printf("    %sthe unqualified @expect names the partitions bin/setup-database creates; "
			   "a layout the\n    files do not declare (@layout) needs its own, or "
			   "\"bin/repartition cleanup\" restores them%s\n", s->dim, s->reset);
}

void
query_plan_text_print_verdict(bool color, const char *path, const QueryCheck *check)
{
	const QueryTextStyle *s = query_text_style(color);
	const PruningVerdict *v = check->verdict;
	const QueryExpectation *e = check->expected;
	bool		analyzed = check->plan->analyzed;
	const char *mark = check->status == QUERY_STATUS_OK ? "✓" :
		check->status == QUERY_STATUS_UNCHECKED ? "?" : "✗";
	const char *colour = check->status == QUERY_STATUS_OK ? s->green :
		check->status == QUERY_STATUS_UNCHECKED ? s->yellow : s->red;

	printf("  %s%s%s %s %zu of %zu partitions (", colour, s->bold, mark,
		   analyzed ? "scanned" : "planned", v->scanned_count, v->leaf_count);
	if (v->scanned_count == v->leaf_count && v->leaf_count > 1)
		printf("all");
	else if (v->scanned_count == 0)
		printf("none");
	else
		print_names(v->scanned, v->scanned_count);
	printf(")%s — ", s->reset);
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
	if (check->status == QUERY_STATUS_UNCHECKED)
		printf("    %snot checked: pruning during execution shows only with ANALYZE%s\n",
			   s->yellow, s->reset);
	if (check->status == QUERY_STATUS_ERROR)
		printf("    %sfailed after the plan: see the error above%s\n", s->red, s->reset);
	if (check->status != QUERY_STATUS_MISMATCH)
		return;
	if (v->sets_match)
		printf("    %sexpected %s (%s:%d), not %s%s\n", s->red, pruning_phrase(e->pruning),
			   path, e->pruning_line, pruning_phrase(v->kind), s->reset);
	else
		print_expected_sets(s, path, check);
}

void
query_plan_text_print_access_paths(const ExplainPlan *plan)
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
