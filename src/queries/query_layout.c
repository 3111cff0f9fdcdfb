/* query_layout.c: the layout of a table in force (see query_layout.h). */
#include "queries/query_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/paths.h"
#include "queries/query_demo.h"
#include "pg/lock_holder.h"

static const char *const exists_query = "SELECT pg_catalog.to_regclass($1) IS NOT NULL";

/* Whether the layout's statement says it is in force; false with *ok false on an error. */
static bool
in_force(PGconn *conn, const char *path, const QueryItem *layout, bool *ok)
{
	Error		error;
	PGresult   *res = query_executor_query(conn, layout->sql.sql[0], &error);
	const char *value;
	bool		result = false;

	*ok = false;
	if (!res)
	{
		query_demo_report_error(path, layout->sql.lines[0], layout->name, &error);
		if (error_has_sqlstate(&error, "55P03"))
			lock_holders_report_readers_blocked(conn, layout->table);
		return false;
	}
	value = PQntuples(res) == 1 && PQnfields(res) == 1 && !PQgetisnull(res, 0, 0) &&
		PQftype(res, 0) == 16 /* BOOLOID */ ? PQgetvalue(res, 0, 0) : NULL;
	if (!value)
		log_error("%s:%d: %s: a layout's statement must return one row with true or false, "
				  "not %d row%s of %d column%s", path, layout->sql.lines[0], layout->name,
				  PQntuples(res), PQntuples(res) == 1 ? "" : "s", PQnfields(res),
				  PQnfields(res) == 1 ? "" : "s");
	else
	{
		*ok = true;
		result = value[0] == 't';
	}
	PQclear(res);
	return result;
}

static bool
table_exists(PGconn *conn, const char *name)
{
	const char *params[1] = {name};
	PGresult   *res = db_query(conn, exists_query, 1, params);
	bool		exists = res && PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	return exists;
}

bool
query_layout_resolve(PGconn *conn, const QueryFileSet *set, const char *root, QueryTable *table)
{
	if (table->layout_resolved)
		return !table->layout_failed;
	table->layout_resolved = true;
	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];
			const char *path = paths_relative_to(root, set->files[f]->path);
			bool		ok,
						holds;

			if (item->kind != QUERY_ITEM_LAYOUT || strcmp(item->table, table->name) != 0)
				continue;
			holds = in_force(conn, path, item, &ok);
			if (!ok)
			{
				table->layout_failed = true;
				return false;
			}
			if (!holds)
				continue;
			if (table->layout)
			{
				log_error("%s:%d: layouts \"%s\" and \"%s\" (%s:%d) of %s are both in force",
						  path, item->line, item->name, table->layout->name,
						  table->layout_path, table->layout->line, table->name);
				log_hint("a layout's statement must hold for that layout only");
				table->layout_failed = true;
				return false;
			}
			table->layout = item;
			table->layout_path = path;
		}
	if (table->layout && table->layout->previous_table)
		table->previous_exists = table_exists(conn, table->layout->previous_table);
	return true;
}

const QueryExpectation *
query_layout_expectation(const QueryItem *item, const QueryTable *table)
{
	return query_item_expectation(item, table && table->layout ? table->layout->name : NULL);
}
