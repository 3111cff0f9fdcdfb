/* query_tables.c: catalog look-ups of the demonstrated tables (see query_tables.h). */
#include "queries/query_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"

/* exists, partition key, and the keys of the partitions that are partitioned again */
static const char *const table_query =
	"SELECT pg_catalog.to_regclass($1) IS NOT NULL,"
	"       pg_catalog.pg_get_partkeydef(pg_catalog.to_regclass($1)),"
	"       (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.pg_get_partkeydef(t.relid), ' or ')"
	"          FROM pg_catalog.pg_partition_tree(pg_catalog.to_regclass($1)) AS t"
	"         WHERE t.level = 1 AND NOT t.isleaf)";

/* the leaves, with the live rows the statistics count (no scan, kept current by inserts) */
static const char *const leaves_query =
	"SELECT c.relname, pg_catalog.pg_stat_get_live_tuples(c.oid)"
	"  FROM pg_catalog.pg_partition_tree($1::pg_catalog.regclass) AS t"
	"  JOIN pg_catalog.pg_class AS c ON c.oid = t.relid"
	" WHERE t.isleaf"
	" ORDER BY c.relname";

static const char *const live_rows_query =
	"SELECT pg_catalog.pg_stat_get_live_tuples(pg_catalog.to_regclass($1))";

static bool
read_table(PGconn *conn, QueryTable *table)
{
	const char *params[1] = {table->name};
	PGresult   *res = db_query(conn, table_query, 1, params);
	bool		ok = false;

	if (!res)
		return false;
	if (PQgetvalue(res, 0, 0)[0] != 't')
	{
		log_error("table \"%s\" does not exist", table->name);
		log_hint("create the demo tables with \"bin/setup-database\"");
	}
	else if (PQgetisnull(res, 0, 1))
	{
		log_error("table \"%s\" is not partitioned", table->name);
		log_hint("its queries demonstrate partition pruning; \"bin/setup-database --reset\" "
				 "sets the tables up again");
	}
	else if (PQgetisnull(res, 0, 2))
		ok = (table->partkey = strdup(PQgetvalue(res, 0, 1))) != NULL;
	else
	{
		/* composite: "RANGE (sale_date), then LIST (product_category)" */
		if (asprintf(&table->partkey, "%s, then %s", PQgetvalue(res, 0, 1),
					 PQgetvalue(res, 0, 2)) < 0)
			table->partkey = NULL;
		ok = table->partkey != NULL;
	}
	PQclear(res);
	if (!ok || !(res = db_query(conn, leaves_query, 1, params)))
		return false;
	table->leaves = calloc((size_t) PQntuples(res) + 1, sizeof(char *));
	table->live_rows = 0;
	for (int row = 0; table->leaves && row < PQntuples(res); row++)
	{
		if ((table->leaves[table->leaf_count] = strdup(PQgetvalue(res, row, 0))))
			table->leaf_count++;
		table->live_rows += strtoll(PQgetvalue(res, row, 1), NULL, 10);
	}
	ok = table->leaves && table->leaf_count == (size_t) PQntuples(res);
	PQclear(res);
	return ok;
}

QueryTable *
query_tables_get(QueryTables *tables, PGconn *conn, const char *name)
{
	QueryTable **grown,
			   *table;

	for (size_t i = 0; i < tables->count; i++)
		if (strcmp(tables->tables[i]->name, name) == 0)
			return tables->tables[i]->ok ? tables->tables[i] : NULL;
	if (!(table = calloc(1, sizeof(QueryTable))) || !(table->name = strdup(name)))
	{
		free(table);
		return NULL;
	}
	if (!(grown = realloc(tables->tables, (tables->count + 1) * sizeof(QueryTable *))))
	{
		free(table->name);
		free(table);
		return NULL;
	}
	tables->tables = grown;
	tables->tables[tables->count++] = table;
	table->ok = read_table(conn, table);
	return table->ok ? table : NULL;
}

long long
query_tables_live_rows(PGconn *conn, const char *relation)
{
	const char *params[1] = {relation};
	PGresult   *res = db_query(conn, live_rows_query, 1, params);
	long long	rows = res && !PQgetisnull(res, 0, 0) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;

	PQclear(res);
	return rows;
}

void
query_tables_free(QueryTables *tables)
{
	for (size_t i = 0; i < tables->count; i++)
	{
		for (size_t j = 0; j < tables->tables[i]->leaf_count; j++)
			free(tables->tables[i]->leaves[j]);
		free(tables->tables[i]->leaves);
		free(tables->tables[i]->partkey);
		free(tables->tables[i]->name);
		free(tables->tables[i]);
	}
	free(tables->tables);
	tables->tables = NULL;
	tables->count = 0;
}
