/* table_check.c: one catalog look-up of the tables a program needs (see table_check.h). */
#include "tables/table_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"

/* each name as the program's statements would resolve it, in the order given */
static const char *const check_query =
	"SELECT t.name, c.relkind,"
	"       pg_catalog.array_to_string(pg_catalog.current_schemas(false), ', ')"
	"  FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS t(name, ord)"
	"  LEFT JOIN pg_catalog.pg_class AS c ON c.oid = pg_catalog.to_regclass(t.name)"
	" ORDER BY t.ord";

typedef enum TableProblem
{
	PROBLEM_MISSING,
	PROBLEM_NOT_A_TABLE,
	PROBLEM_PLAIN,
	PROBLEM_COUNT
} TableProblem;

/* "{"a","b"}": names may come from annotated files, so every element is quoted */
static void
put_name(FILE *out, size_t i, const void *arg)
{
	db_put_array_element(out, ((const char *const *) arg)[i]);
}

/* The problem of one row of check_query, or -1 when the table is fine. */
static int
problem_of(const PGresult *res, int row, TableNeed need)
{
	const char *relkind = PQgetvalue(res, row, 1);

	if (PQgetisnull(res, row, 1))
		return PROBLEM_MISSING;
	if (strcmp(relkind, "r") != 0 && strcmp(relkind, "p") != 0)
		return PROBLEM_NOT_A_TABLE;
	if (need == TABLE_PARTITIONED && strcmp(relkind, "p") != 0)
		return PROBLEM_PLAIN;
	return -1;
}

/* What a relation that is not a table is, for the message. */
static const char *
relkind_name(const char *relkind)
{
	switch (relkind[0])
	{
		case 'v':
			return "a view";
		case 'm':
			return "a materialized view";
		case 'f':
			return "a foreign table";
		case 'S':
			return "a sequence";
		case 'i':
		case 'I':
			return "an index";
		case 'c':
			return "a composite type";
		default:
			return "a TOAST table";
	}
}

/* "table "a" does not exist", "tables "a", "b" do not exist", ... */
static void
report(const PGresult *res, TableNeed need, TableProblem problem, int count)
{
	static const char *const one[PROBLEM_COUNT] = {
		"does not exist", "is not a table", "is not partitioned"};
	static const char *const many[PROBLEM_COUNT] = {
		"do not exist", "are not tables", "are not partitioned"};
	char	   *names = NULL;
	size_t		len = 0;
	FILE	   *out = open_memstream(&names, &len);
	const char *schemas = PQntuples(res) > 0 ? PQgetvalue(res, 0, 2) : "";
	int			listed = 0;

	for (int row = 0; out && row < PQntuples(res); row++)
	{
		if (problem_of(res, row, need) != (int) problem)
			continue;
		fprintf(out, "%s\"%s\"", listed++ ? ", " : "", PQgetvalue(res, row, 0));
		if (problem == PROBLEM_NOT_A_TABLE)
			fprintf(out, " (%s)", relkind_name(PQgetvalue(res, row, 1)));
	}
	if (!out || fclose(out) != 0)
	{
		free(names);
		names = NULL;
	}
	log_error("%s %s %s", problem == PROBLEM_NOT_A_TABLE ? (count == 1 ? "relation" : "relations") :
			  count == 1 ? "table" : "tables", names ? names : "(out of memory)",
			  count == 1 ? one[problem] : many[problem]);
	if (problem == PROBLEM_PLAIN)
	{
		log_detail("bin/setup-database creates the tables plain, then partitions them: "
				   "it has not finished here");
		log_hint("run bin/setup-database: it continues where it stopped");
		free(names);
		return;
	}
	log_detail("looked up through search_path, in schema%s: %s",
			   strchr(schemas, ',') ? "s" : "", schemas[0] ? schemas : "(none)");
	log_hint("run bin/setup-database first: it creates the project's tables");
	free(names);
}

bool
table_check_require(PGconn *conn, const char *const *names, size_t count, TableNeed need)
{
	char	   *array = db_array_literal(count, put_name, names);
	const char *params[1] = {array};
	int			problems[PROBLEM_COUNT] = {0};
	PGresult   *res;
	bool		ok = true;

	if (!array)
	{
		log_error("out of memory");
		return false;
	}
	res = db_query(conn, check_query, 1, params);
	free(array);
	if (!res)
		return false;
	for (int row = 0; row < PQntuples(res); row++)
	{
		int			problem = problem_of(res, row, need);

		if (problem >= 0)
			problems[problem]++;
	}
	/* one error: the first kind of problem, which setup-database also fixes first */
	for (int p = 0; ok && p < PROBLEM_COUNT; p++)
		if (problems[p] > 0)
		{
			report(res, need, p, problems[p]);
			ok = false;
		}
	PQclear(res);
	return ok;
}
