/* lock_holder.c: who holds the lock (see lock_holder.h). */
#include "pg/lock_holder.h"

#include <stdio.h>
#include <stdlib.h>

#include "pg/db.h"
#include "common/log.h"

/*
 * The holders of locks on a table and its partitions, a catalog look-up: one
 * row per session, the table's own lock first.  Its columns are
 * LockHolder's, in read_holder's order.
 */
static const char *const holders_query =
	"SELECT h.pid, h.application_name, h.state, h.xact_seconds, h.mode, h.query, h.relation"
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

/*
 * Reads row of res, whose columns are pid, application_name, state,
 * xact_seconds, mode, query and, when there is a seventh, relation.
 */
static void
read_holder(const PGresult *res, int row, LockHolder *h)
{
	h->pid = atoi(PQgetvalue(res, row, 0));
	snprintf(h->application, sizeof(h->application), "%s", PQgetvalue(res, row, 1));
	snprintf(h->state, sizeof(h->state), "%s", PQgetvalue(res, row, 2));
	snprintf(h->xact_seconds, sizeof(h->xact_seconds), "%s", PQgetvalue(res, row, 3));
	snprintf(h->mode, sizeof(h->mode), "%s", PQgetvalue(res, row, 4));
	snprintf(h->query, sizeof(h->query), "%s", PQgetvalue(res, row, 5));
	snprintf(h->relation, sizeof(h->relation), "%s",
			 PQnfields(res) > 6 ? PQgetvalue(res, row, 6) : "");
}

/*
 * The oldest row of a look-up into *holder: 1, 0 when there is none, -1
 * when the look-up failed (the reason in error).
 */
static int
oldest(PGconn *conn, const char *sql, const char *table, LockHolder *holder, Error *error)
{
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, sql, table ? 1 : 0, table ? params : NULL, error);
	int			found;

	if (!res)
		return -1;
	if ((found = PQntuples(res) == 1))
		read_holder(res, 0, holder);
	PQclear(res);
	return found;
}

/* A server's reason for a failed look-up, "no answer" when it is libpq's. */
static const char *
look_up_failure(const Error *error)
{
	return error->sqlstate[0] ? error->message : "no answer";
}

int
lock_holders_list(PGconn *conn, const char *table, bool exclusive_only, LockHolder *holders,
				  int max)
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
		read_holder(res, i, &holders[i]);
	PQclear(res);
	return count;
}

void
lock_holder_describe(const LockHolder *h, char *buf, size_t len)
{
	snprintf(buf, len, "pid %d (%s), %s for %s s, %s on %s: %s", h->pid,
			 h->application[0] ? h->application : "no application_name", h->state,
			 h->xact_seconds, h->mode, h->relation, h->query);
}

void
lock_holders_report_readers_blocked(PGconn *conn, const char *table)
{
	LockHolder	holders[LOCK_HOLDERS_MAX];
	int			count = lock_holders_list(conn, table, true, holders, LOCK_HOLDERS_MAX);
	char		text[512];

	if (count == 0)
		log_detail("no session holds an ACCESS EXCLUSIVE lock on %s now: the holder has gone",
				   table ? table : "a table of this database");
	for (int i = 0; i < count; i++)
	{
		lock_holder_describe(&holders[i], text, sizeof(text));
		log_detail("lock held by %s", text);
	}
}

int
lock_holder_report(PGconn *conn, const char *table)
{
	LockHolder	h;
	Error		error;
	int			found = oldest(conn, "SELECT pid, application_name, state, xact_seconds, mode, "
							   "query FROM partition_demo.online_lock_holder($1)",
							   table, &h, &error);

	/* a database set up by an older version, say: the timeout is reported anyway */
	if (found < 0)
		log_detail("could not look up who holds a lock on %s: %s", table,
				   look_up_failure(&error));
	else if (found)
		log_detail("oldest holder of a lock on %s: pid %d, %s for %s s, %s, application \"%s\": %s",
				   table, h.pid, h.state, h.xact_seconds, h.mode, h.application, h.query);
	return found > 0 ? h.pid : 0;
}

/*
 * The oldest open transaction of another session, as one detail line after
 * prefix (what was looked at in vain, "" when nothing); its pid or 0.
 */
static int
report_oldest_transaction(PGconn *conn, const char *prefix)
{
	const char *sep = prefix[0] ? "; " : "";
	LockHolder	h;
	Error		error;
	int			found = oldest(conn, "SELECT pid, application_name, state, xact_seconds, '', "
							   "query FROM partition_demo.oldest_transaction()",
							   NULL, &h, &error);

	if (found < 0)
		log_detail("%s%scould not look up the oldest open transaction: %s", prefix, sep,
				   look_up_failure(&error));
	else if (found)
		log_detail("%s%soldest open transaction of another session: pid %d, %s for %s s, "
				   "application \"%s\": %s", prefix, sep, h.pid, h.state, h.xact_seconds,
				   h.application, h.query);
	else
		log_detail("%s%sno other transaction is open now (the holder may just have ended)",
				   prefix, sep);
	return found > 0 ? h.pid : 0;
}

int
lock_holders_report(PGconn *conn, const char *const *tables)
{
	char		prefix[160] = "";
	int			named = 0;

	for (int i = 0; tables && tables[i]; i++)
		named += lock_holder_report(conn, tables[i]) != 0;
	if (named > 0)
		return named;
	if (tables && tables[0])
		snprintf(prefix, sizeof(prefix), "no other session holds a lock on %s%s now", tables[0],
				 tables[1] ? " or the other tables" : "");
	return report_oldest_transaction(conn, prefix) != 0;
}

bool
lock_holder_after_timeout(PGconn *conn, const Error *error, const char *const *tables)
{
	if (!error_has_sqlstate(error, "55P03"))
		return false;
	lock_holders_report(conn, tables);
	return true;
}
