/* repartition_plan.c: a scenario file's steps and statements, for --dry-run (see repartition_plan.h). */
#include "repartition/repartition_plan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pg/sql_runner.h"

#define SUMMARY_WIDTH 72

/*
 * A step heading is a comment line "-- N. text" or "-- Nb. text" (a step
 * inserted after N); text is what follows the "--".
 */
static bool
is_step_heading(const char *text)
{
	const char *p = text;

	if (*p++ != ' ' || !isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	if (islower((unsigned char) *p))
		p++;
	return p[0] == '.' && p[1] == ' ';
}

/* The first ". " of a heading after its "N. " number, or NULL. */
static char *
first_stop(char *heading)
{
	char	   *number_end = strstr(heading, ". ");

	return number_end ? strstr(number_end + 2, ". ") : NULL;
}

/*
 * The first sentence of the step heading comments[0]: the heading and the
 * comment lines right below it that continue it ("--    more text"); caller
 * frees.
 */
static char *
heading_sentence(const SqlComment *comments, size_t count)
{
	size_t		cap = 512,
				len = 0;
	char	   *sentence = malloc(cap);

	if (!sentence)
		return NULL;
	sentence[0] = '\0';
	for (size_t i = 0; i < count; i++)
	{
		const char *part = comments[i].text;

		if (i > 0 && (comments[i].line != comments[i - 1].line + 1 || strncmp(part, "    ", 4) != 0))
			break;
		while (*part == ' ')
			part++;
		if (!*part || len + strlen(part) + 2 >= cap)
			break;
		len += (size_t) snprintf(sentence + len, cap - len, "%s%s", len ? " " : "", part);
		/* stop at the end of the first sentence (after the "N. " number) */
		if (sentence[len - 1] == '.' || first_stop(sentence))
			break;
	}
	if (first_stop(sentence))
		first_stop(sentence)[1] = '\0';
	return sentence;
}

/* The last step heading among the comments above a statement, or NULL; caller frees. */
static char *
step_heading(const SqlStatement *statement)
{
	for (size_t i = statement->comment_count; i-- > 0;)
		if (is_step_heading(statement->comments[i].text))
			return heading_sentence(statement->comments + i, statement->comment_count - i);
	return NULL;
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

RepartitionPlan *
repartition_plan_load(const char *path)
{
	SqlScript  *script = sql_runner_read_script(path);
	RepartitionPlan *plan;
	char	   *step = NULL;	/* the heading of the statements so far */

	if (!script)
		return NULL;
	plan = calloc(1, sizeof(RepartitionPlan));
	if (plan && (plan->statements = calloc(script->count + 1, sizeof(PlanStatement))))
	{
		plan->path = strdup(path);
		for (size_t i = 0; i < script->count; i++)
		{
			const SqlStatement *statement = &script->statements[i];
			PlanStatement *item = &plan->statements[plan->count++];
			char	   *heading = step_heading(statement);

			if (heading)
			{
				free(step);
				step = heading;
			}
			item->first_line = statement->line;
			item->last_line = statement->line + count_lines(statement->text);
			item->step = step ? strdup(step) : NULL;
			item->summary = summarize(statement);
		}
	}
	else if (plan)
	{
		free(plan);
		plan = NULL;
	}
	free(step);
	sql_script_free(script);
	if (!plan)
		log_error("out of memory");
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

		json_object_object_add(entry, "step", item->step ? json_object_new_string(item->step) : NULL);
		json_object_object_add(entry, "first_line", json_object_new_int(item->first_line));
		json_object_object_add(entry, "last_line", json_object_new_int(item->last_line));
		json_object_object_add(entry, "summary", json_object_new_string(item->summary));
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
