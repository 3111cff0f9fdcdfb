/* partition_bounds.c: covered time span of a RANGE-partitioned table (see partition_bounds.h). */
#include "tables/partition_bounds.h"

#include <stdlib.h>

#include "pg/db.h"

/* Bounds print as FROM ('2024-01-01 00:00:00') TO ('2024-02-01 00:00:00'). */
static const char *const bounds_query =
	"SELECT extract(epoch FROM min(b.m[1]::timestamp))::bigint,"
	"       extract(epoch FROM max(b.m[2]::timestamp))::bigint"
	"  FROM (SELECT pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),"
	"                 'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)') AS m"
	"          FROM pg_catalog.pg_inherits AS i"
	"          JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid"
	"         WHERE i.inhparent = pg_catalog.to_regclass($1)) AS b"
	" WHERE b.m IS NOT NULL";

bool
partition_bounds_covered(PGconn *conn, const char *table, TimeRange *covered)
{
	const char *params[1] = {table};
	PGresult   *res = db_query(conn, bounds_query, 1, params);
	bool		found;

	if (!res)
		return false;
	found = !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1);
	if (found)
	{
		covered->from = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		covered->to = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return found && covered->to > covered->from;
}
