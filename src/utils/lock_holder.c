/* lock_holder.c: who holds a lock on a table (see lock_holder.h). */
#include "lock_holder.h"

#include <stdlib.h>

#include "log.h"

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
