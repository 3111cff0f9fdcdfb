/* repartition_plan.c: a scenario file's steps and statements, for --dry-run (see repartition_plan.h). */
#include "repartition/repartition_plan.h"

#include <stdlib.h>
#include <string.h>

#include "common/json_out.h"
#include "common/log.h"
#include "pg/sql_marks.h"
#include "pg/sql_runner.h"

#define SUMMARY_WIDTH 72

/* The first ". " of a step after its "N. " number, or NULL. */
static char *
first_stop(char *step)
{
	char	   *number_end = strstr(step, ". ");

	return number_end ? strstr(number_end + 2, ". ") : NULL;
}

/*
 * The step of a statement: the first sentence of the last "-- @step: N. text"
 * mark above it (see pg/sql_marks.h), or NULL when it has none; caller frees.
 * *failed is set when out of memory.
 */
static char *
step_heading(const SqlStatement *statement, bool *failed)
{
	SqlMarks	marks;
	const SqlMark *mark;
	char	   *sentence = NULL;

	if (!sql_marks_read(statement->comments, statement->comment_count, &marks))
	{
		*failed = true;
		return NULL;
	}
	if ((mark = sql_marks_last(&marks, "step")) && mark->value)
	{
		if (!(sentence = strdup(mark->value)))
			*failed = true;
		else if (first_stop(sentence))
			first_stop(sentence)[1] = '\0';
	}
	sql_marks_free(&marks);
	return sentence;
}

static int
count_lines(const char *text)
{
	int			lines = 0;

	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	return lines;
}

/* First line of a statement, shortened; "DO block" for PL/pgSQL. */
static char *
summarize(const SqlStatement *statement)
{
	size_t		len = strcspn(statement->text, "\n");
	char	   *summary;

	if (strncmp(statement->text, "DO ", 3) == 0 || strcmp(statement->text, "DO") == 0)
		return strdup("DO block (PL/pgSQL)");
	if (len > SUMMARY_WIDTH)
		len = SUMMARY_WIDTH;
	if ((summary = malloc(len + sizeof(" ..."))))
	{
		memcpy(summary, statement->text, len);
		strcpy(summary + len, statement->text[len] ? " ..." : "");
	}
	return summary;
}

/* Fills plan->statements from the script's; false when out of memory. */
static bool
read_statements(RepartitionPlan *plan, const SqlScript *script)
{
	char	   *step = NULL;	/* the step of the statements so far */
	bool		failed = false;

	for (size_t i = 0; !failed && i < script->count; i++)
	{
		const SqlStatement *statement = &script->statements[i];
		PlanStatement *item = &plan->statements[plan->count++];
		char	   *heading = step_heading(statement, &failed);

		if (heading)
		{
			free(step);
			step = heading;
		}
		item->first_line = statement->line;
		item->last_line = statement->line + count_lines(statement->text);
		item->step = step ? strdup(step) : NULL;
		item->summary = summarize(statement);
		failed = failed || (step && !item->step) || !item->summary;
	}
	free(step);
	return !failed;
}

RepartitionPlan *
repartition_plan_load(const char *path)
{
	SqlScript  *script = sql_runner_read_script(path);
	RepartitionPlan *plan;

	if (!script)
		return NULL;
	plan = calloc(1, sizeof(RepartitionPlan));
	if (!plan || !(plan->path = strdup(path)) ||
		!(plan->statements = calloc(script->count + 1, sizeof(PlanStatement))) ||
		!read_statements(plan, script))
	{
		log_error("out of memory");
		repartition_plan_free(plan);
		plan = NULL;
	}
	sql_script_free(script);
	return plan;
}

void
repartition_plan_print(FILE *out, const RepartitionPlan *plan, const char *shown_path)
{
	const char *shown = NULL;

	fprintf(out, "%s: %zu statements\n", shown_path, plan->count);
	for (size_t i = 0; i < plan->count; i++)
	{
		const PlanStatement *item = &plan->statements[i];

		if (item->step && (!shown || strcmp(shown, item->step) != 0))
		{
			fprintf(out, "\n  %s\n", item->step);
			shown = item->step;
		}
		char		lines[32];

		if (item->first_line == item->last_line)
			snprintf(lines, sizeof(lines), "line %d", item->first_line);
		else
			snprintf(lines, sizeof(lines), "lines %d-%d", item->first_line, item->last_line);
		fprintf(out, "    %-14s %s\n", lines, item->summary);
	}
}

json_object *
repartition_plan_json(const RepartitionPlan *plan)
{
	json_object *statements = json_object_new_array();

	for (size_t i = 0; i < plan->count; i++)
	{
		const PlanStatement *item = &plan->statements[i];
		json_object *entry = json_object_new_object();

		json_out_string(entry, "step", item->step);
		json_out_int(entry, "first_line", item->first_line);
		json_out_int(entry, "last_line", item->last_line);
		json_out_string(entry, "summary", item->summary);
		json_object_array_add(statements, entry);
	}
	return statements;
}

void
repartition_plan_free(RepartitionPlan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->count; i++)
	{
		free(plan->statements[i].step);
		free(plan->statements[i].summary);
	}
	free(plan->statements);
	free(plan->path);
	free(plan);
}
