/* query_locks.c: the holders of locks on a table (see query_locks.h). */
#include "queries/query_locks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "pg/db.h"
#include "common/log.h"

/* a catalog look-up: one row per session, the table's own lock first */
static const char *const holders_query =
	"SELECT h.pid, h.application_name, h.state, h.xact_seconds, h.mode, h.relation, h.query"
	"  FROM (SELECT DISTINCT ON (a.pid) a.pid, coalesce(a.application_name, '') AS application_name,"
	"               coalesce(a.state, '?') AS state, a.xact_start,"
	"               coalesce(round(extract(epoch FROM now() - a.xact_start))::text, '?') AS xact_seconds,"
	"               l.mode, l.relation::pg_catalog.regclass::text AS relation,"
	"               left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 60) AS query"
	"          FROM pg_catalog.pg_locks AS l"
	"          JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid"
	"         WHERE l.locktype = 'relation' AND l.granted"
	"           AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d"
	"                              WHERE d.datname = pg_catalog.current_database())"
	"           AND ($1::text IS NULL OR l.relation = pg_catalog.to_regclass($1)"
	"                OR l.relation IN (SELECT t.relid FROM pg_catalog.pg_partition_tree("
	"                                      pg_catalog.to_regclass($1)) AS t))"
	"           AND (NOT $3::boolean OR l.mode = 'AccessExclusiveLock')"
	"           AND l.pid <> pg_catalog.pg_backend_pid()"
	"         ORDER BY a.pid, l.relation = pg_catalog.to_regclass($1) DESC, l.relation) AS h"
	" ORDER BY h.xact_start NULLS LAST, h.pid"
	" LIMIT $2";

int
query_locks_holders(PGconn *conn, const char *table, bool exclusive_only,
					QueryLockHolder *holders, int max)
{
	char		limit[16];
	const char *params[3] = {table, limit, exclusive_only ? "true" : "false"};
	PGresult   *res;
	int			count;

	snprintf(limit, sizeof(limit), "%d", max);
	if (!(res = db_query(conn, holders_query, 3, params)))
		return -1;
	count = PQntuples(res) < max ? PQntuples(res) : max;
	for (int i = 0; i < count; i++)
	{
		QueryLockHolder *h = &holders[i];

		h->pid = atoi(PQgetvalue(res, i, 0));
		snprintf(h->application, sizeof(h->application), "%s", PQgetvalue(res, i, 1));
		snprintf(h->state, sizeof(h->state), "%s", PQgetvalue(res, i, 2));
		snprintf(h->xact_seconds, sizeof(h->xact_seconds), "%s", PQgetvalue(res, i, 3));
		snprintf(h->mode, sizeof(h->mode), "%s", PQgetvalue(res, i, 4));
		snprintf(h->relation, sizeof(h->relation), "%s", PQgetvalue(res, i, 5));
		snprintf(h->query, sizeof(h->query), "%s", PQgetvalue(res, i, 6));
	}
	PQclear(res);
	return count;
}

void
query_locks_describe(const QueryLockHolder *h, char *buf, size_t len)
{
	snprintf(buf, len, "pid %d (%s), %s for %s s, %s on %s: %s", h->pid,
			 h->application[0] ? h->application : "no application_name", h->state,
			 h->xact_seconds, h->mode, h->relation, h->query);
}

void
query_locks_report_readers_blocked(PGconn *conn, const char *table)
{
	QueryLockHolder holders[QUERY_LOCKS_MAX_HOLDERS];
	int			count = query_locks_holders(conn, table, true, holders, QUERY_LOCKS_MAX_HOLDERS);
	char		text[512];

	if (count == 0)
		log_detail("no session holds an ACCESS EXCLUSIVE lock on %s now: the holder has gone",
				   table ? table : "a table of this database");
	for (int i = 0; i < count; i++)
	{
		query_locks_describe(&holders[i], text, sizeof(text));
		log_detail("lock held by %s", text);
	}
}
