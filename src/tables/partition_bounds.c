/* partition_bounds.c: covered time span of a RANGE-partitioned table (see partition_bounds.h). */
#include "tables/partition_bounds.h"

#include <stdlib.h>

#include "pg/db.h"

/* The bounds as the SQL reads them: partition_demo.range_bounds(), scripts/lib/partition_demo.sql. */
static const char *const bounds_query =
	"SELECT extract(epoch FROM min(b.range_from))::bigint,"
	"       extract(epoch FROM max(b.range_to))::bigint"
	"  FROM partition_demo.range_bounds(pg_catalog.to_regclass($1)) AS b";

bool
partition_bounds_covered(PGconn *conn, const char *table, int64_t *from, int64_t *to)
{
	const char *params[1] = {table};
	PGresult   *res = db_query(conn, bounds_query, 1, params);
	bool		found;

	if (!res)
		return false;
	found = !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1);
	if (found)
	{
		*from = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*to = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return found && *to > *from;
}
