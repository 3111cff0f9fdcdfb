/* repartition_plan.c: a scenario file's steps and statements, for --dry-run (see repartition_plan.h). */
#include "repartition_plan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "repartition_runner.h"
#include "sql_splitter.h"

#define SUMMARY_WIDTH 72

/* The text of line number (1-based) in text, without its newline; caller frees. */
static char *
line_at(const char *text, int number)
{
	const char *start = text;
	size_t		len;
	char	   *line;

	for (int i = 1; i < number && start; i++)
	{
		start = strchr(start, '\n');
		if (start)
			start++;
	}
	if (!start)
		return NULL;
	len = strcspn(start, "\n");
	if ((line = malloc(len + 1)))
	{
		memcpy(line, start, len);
		line[len] = '\0';
	}
	return line;
}

/* A step heading is a comment line "-- N. text". */
static bool
is_step_heading(const char *line)
{
	const char *p = line;

	if (strncmp(p, "-- ", 3) != 0)
		return false;
	p += 3;
	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
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
 * The first sentence of a step heading starting at line number: the heading
 * line and its continuation comment lines ("--    more text"); caller frees.
 */
static char *
heading_sentence(const char *text, int number)
{
	size_t		cap = 512,
				len = 0;
	char	   *sentence = malloc(cap);
	char	   *line;

	if (!sentence)
		return NULL;
	sentence[0] = '\0';
	for (int n = number; (line = line_at(text, n)) != NULL; n++)
	{
		const char *part = line + 2;	/* after "--" */
		bool		more = strncmp(line, "--", 2) == 0 && (n == number || strncmp(line, "--    ", 6) == 0);

		while (more && *part == ' ')
			part++;
		if (more && *part && len + strlen(part) + 2 < cap)
		{
			len += (size_t) snprintf(sentence + len, cap - len, "%s%s", len ? " " : "", part);
			free(line);
			/* stop at the end of the first sentence (after the "N. " number) */
			if (sentence[len - 1] == '.' || first_stop(sentence))
				break;
			continue;
		}
		free(line);
		break;
	}
	if (first_stop(sentence))
		first_stop(sentence)[1] = '\0';
	return sentence;
}

/* The last step heading above line number before (NULL if none); caller frees. */
static char *
step_above(const char *text, int before)
{
	for (int number = before - 1; number >= 1; number--)
	{
		char	   *line = line_at(text, number);
		bool		heading = line && is_step_heading(line);

		free(line);
		if (heading)
			return heading_sentence(text, number);
	}
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
	char		errbuf[256];
	char	   *text = repartition_runner_read_file(path);
	SqlScript  *script;
	RepartitionPlan *plan;

	if (!text)
		return NULL;
	if (!(script = sql_split(text, errbuf, sizeof(errbuf))))
	{
		log_error("%s: %s", path, errbuf);
		free(text);
		return NULL;
	}
	plan = calloc(1, sizeof(RepartitionPlan));
	if (plan && (plan->statements = calloc(script->count + 1, sizeof(PlanStatement))))
	{
		plan->path = strdup(path);
		for (size_t i = 0; i < script->count; i++)
		{
			const SqlStatement *statement = &script->statements[i];
			PlanStatement *item = &plan->statements[plan->count++];

			item->first_line = statement->line;
			item->last_line = statement->line + count_lines(statement->text);
			item->step = step_above(text, statement->line);
			item->summary = summarize(statement);
		}
	}
	else if (plan)
	{
		free(plan);
		plan = NULL;
	}
	sql_script_free(script);
	free(text);
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
