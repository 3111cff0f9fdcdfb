/* repartition_online_report.c: an online scenario's summary (see repartition_online_report.h). */
#include "repartition/repartition_online_report.h"

#include <string.h>

#include "common/format.h"
#include "common/json_out.h"

/* what each comparison covered, for the text and the JSON */
static const char *const at_snapshot_what = "rows without a waiting change, at one snapshot";
static const char *const at_swap_what = "rows changed since, under the swap's lock";

bool
repartition_online_identical(const OnlineReport *report)
{
	return report->at_snapshot.ran && report->at_snapshot.identical &&
		report->at_swap.ran && report->at_swap.identical;
}

static void
print_comparison(FILE *out, const char *what, const OnlineComparison *c, const char *red,
				 const char *reset)
{
	char		source_rows[32],
				target_rows[32];

	if (!c->ran)
	{
		fprintf(out, "  %s: not reached\n", what);
		return;
	}
	format_count(c->source_rows, source_rows, sizeof(source_rows));
	format_count(c->target_rows, target_rows, sizeof(target_rows));
	if (c->identical)
		fprintf(out, "  %s: %s rows, checksum %s in both: identical\n", what, target_rows,
				c->target_checksum);
	else
		fprintf(out, "  %s: %sDIFFERENT%s: sources %s rows, checksum %s; targets %s rows, "
				"checksum %s\n", what, red, reset, source_rows, c->source_checksum, target_rows,
				c->target_checksum);
}

/* "prepare 12 ms, copy 40 ms, ..., swap 25 ms (2 attempts)": the steps this run ran */
static void
print_steps(FILE *out, const OnlineReport *report)
{
	const char *sep = "";

	fprintf(out, "  steps: ");
	for (int i = 0; i < ONLINE_STEPS; i++)
	{
		const OnlineStep *step = &report->steps[i];

		if (step->attempts == 0)
			continue;
		fprintf(out, "%s%s %.0f ms", sep, online_step_names[i], step->ms);
		if (step->attempts > 1)
			fprintf(out, " (%d attempts)", step->attempts);
		sep = ", ";
	}
	if (report->resumed_from[0])
		fprintf(out, "%s(resumed while %s)", sep, report->resumed_from);
	fprintf(out, "\n");
}

void
repartition_online_report_print(FILE *out, const OnlineReport *report, const char *table,
								bool color)
{
	const char *bold = color ? "\033[1m" : "";
	const char *red = color ? "\033[1;31m" : "";
	const char *reset = color ? "\033[0m" : "";
	char		copied[32],
				replayed[32];

	format_count(report->rows_copied, copied, sizeof(copied));
	format_count(report->changes_replayed, replayed, sizeof(replayed));
	fprintf(out, "%sOnline%s (built beside, swapped in one short transaction)\n", bold, reset);
	print_steps(out, report);
	if (report->steps[ONLINE_STEP_SWAP].attempts == 0)
	{
		/* a scenario that planned no move (it said why) */
		fprintf(out, "  nothing was moved, nothing swapped\n");
		return;
	}
	fprintf(out, "  writers of %s held at the swap: %.0f ms\n", table, report->writers_held_ms);
	fprintf(out, "  rows copied: %s; changes replayed (written meanwhile): %s\n", copied, replayed);
	fprintf(out, "%sData integrity%s (online: %s -> %s, by count and checksum)\n", bold, reset,
			report->sources, report->targets);
	print_comparison(out, at_snapshot_what, &report->at_snapshot, red, reset);
	print_comparison(out, at_swap_what, &report->at_swap, red, reset);
}

static json_object *
step_json(const OnlineStep *step)
{
	json_object *object;

	if (step->attempts == 0)
		return NULL;			/* done by an earlier run, this one resumed after it */
	object = json_object_new_object();
	json_object_object_add(object, "duration_ms", json_out_number(step->ms, 1));
	json_out_int(object, "attempts", step->attempts);
	return object;
}

json_object *
repartition_online_report_json(const OnlineReport *report)
{
	json_object *root = json_object_new_object();
	json_object *steps = json_object_new_object();

	json_object_object_add(root, "resumed_from", report->resumed_from[0] ?
						   json_object_new_string(report->resumed_from) : NULL);
	json_out_string(root, "sources", report->sources);
	json_out_string(root, "targets", report->targets);
	for (int i = 0; i < ONLINE_STEPS; i++)
		json_object_object_add(steps, online_step_names[i], step_json(&report->steps[i]));
	json_object_object_add(root, "steps", steps);
	json_out_int64(root, "rows_copied", report->rows_copied);
	json_out_int64(root, "changes_replayed", report->changes_replayed);
	json_object_object_add(root, "writers_held_ms", json_out_number(report->writers_held_ms, 1));
	return root;
}

static json_object *
comparison_json(const OnlineReport *report, const char *compared, const char *what,
				const OnlineComparison *c)
{
	json_object *group = json_object_new_object();
	char		tables[1100];

	snprintf(tables, sizeof(tables), "%s -> %s", report->sources, report->targets);
	json_out_string(group, "tables", tables);
	json_out_string(group, "compared", compared);
	json_out_string(group, "covers", what);
	json_out_int64(group, "rows_before", c->source_rows);
	json_out_int64(group, "rows_after", c->target_rows);
	json_out_string(group, "checksum_before", c->source_checksum);
	json_out_string(group, "checksum_after", c->target_checksum);
	json_out_bool(group, "identical", c->identical);
	return group;
}

json_object *
repartition_online_integrity_json(const OnlineReport *report)
{
	json_object *root;
	json_object *groups;

	if (!report->at_snapshot.ran && !report->at_swap.ran)
		return NULL;
	root = json_object_new_object();
	groups = json_object_new_array();
	if (report->at_snapshot.ran)
		json_object_array_add(groups, comparison_json(report, "at_snapshot", at_snapshot_what,
													 &report->at_snapshot));
	if (report->at_swap.ran)
		json_object_array_add(groups, comparison_json(report, "at_swap", at_swap_what, &report->at_swap));
	json_out_bool(root, "identical", repartition_online_identical(report));
	json_object_object_add(root, "groups", groups);
	return root;
}
