/*
 * repartition_plan.h: what a scenario would run (--dry-run), read from its
 * SQL file without connecting: the statements, grouped under the file's
 * "-- @step: N. text" marks (pg/sql_marks.h), each shown by its first
 * sentence ("-- @step: 3. The weekly tables, standalone for now.").
 */
#ifndef REPARTITION_PLAN_H
#define REPARTITION_PLAN_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

typedef struct PlanStatement
{
	int			first_line;
	int			last_line;
	char	   *step;			/* the first sentence of the @step it is under, or NULL */
	char	   *summary;		/* its first line, or "DO block" for PL/pgSQL */
} PlanStatement;

typedef struct RepartitionPlan
{
	char	   *path;
	PlanStatement *statements;
	size_t		count;
} RepartitionPlan;

/* Reads and splits the file; reports and returns NULL on error. */
RepartitionPlan *repartition_plan_load(const char *path);

/* Prints the statements under their steps; shown_path names the file. */
void		repartition_plan_print(FILE *out, const RepartitionPlan *plan, const char *shown_path);

/* [{"step": ..., "first_line": N, "last_line": N, "summary": ...}] */
json_object *repartition_plan_json(const RepartitionPlan *plan);

void		repartition_plan_free(RepartitionPlan *plan);

#endif
