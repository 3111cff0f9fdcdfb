/* lock_holder.c: who holds a lock on a table (see lock_holder.h). */
#include "pg/lock_holder.h"

#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"

int
lock_holder_report(PGconn *conn, const char *table)
{
	const char *params[1] = {table};
	PGresult   *res = PQexecParams(conn,
								   "SELECT pid, application_name, state, xact_seconds, mode, query "
								   "FROM partition_demo.online_lock_holder($1)",
								   1, NULL, params, NULL, NULL, 0);
	int			pid = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		/* a database set up by an older version, say: the timeout is reported anyway */
		const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		log_detail("could not look up who holds a lock on %s: %s", table,
				   message ? message : "no answer");
	}
	else if (PQntuples(res) == 1)
	{
		pid = atoi(PQgetvalue(res, 0, 0));
		log_detail("oldest holder of a lock on %s: pid %s, %s for %s s, %s, application \"%s\": %s",
				   table, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
				   PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 5));
	}
	PQclear(res);
	return pid;
}

/*
 * The oldest open transaction of another session, as one detail line after
 * prefix (what was looked at in vain, "" when nothing); its pid or 0.
 */
static int
report_oldest_transaction(PGconn *conn, const char *prefix)
{
	PGresult   *res = PQexec(conn, "SELECT pid, application_name, state, xact_seconds, query "
							 "FROM partition_demo.oldest_transaction()");
	const char *sep = prefix[0] ? "; " : "";
	int			pid = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		log_detail("%s%scould not look up the oldest open transaction: %s", prefix, sep,
				   message ? message : "no answer");
	}
	else if (PQntuples(res) == 1)
	{
		pid = atoi(PQgetvalue(res, 0, 0));
		log_detail("%s%soldest open transaction of another session: pid %s, %s for %s s, "
				   "application \"%s\": %s", prefix, sep, PQgetvalue(res, 0, 0),
				   PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 1),
				   PQgetvalue(res, 0, 4));
	}
	else
		log_detail("%s%sno other transaction is open now (the holder may just have ended)",
				   prefix, sep);
	PQclear(res);
	return pid;
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
lock_holder_after_timeout(PGconn *conn, const char *const *tables)
{
	if (strcmp(db_last_error_sqlstate(), "55P03") != 0)
		return false;
	lock_holders_report(conn, tables);
	return true;
}
