/*
 * db.h: connecting from a Config and preparing the session.  Running
 * statements, checking them and reporting their failures is the query layer,
 * pg/query.h, included here: a module that has a connection has the layer.
 */
#ifndef DB_H
#define DB_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"
#include "pg/query.h"

/*
 * Connects with keyword/value arrays, so libpq's own PG* environment fills
 * nothing we set explicitly, then sets search_path to POSTGRES_SCHEMA (the
 * schema of the project's tables, which must exist).  On failure reports one
 * clear error naming host:port and how to start a server (or the schema),
 * and returns NULL.
 *
 * Every connection (this one and db_connect_quiet's) sets
 * client_connection_check_interval to 1 s on PostgreSQL 14 and later: the
 * backend of a program killed while it waits for a lock (or holds one) goes
 * away within about a second instead of staying in the lock queue.  And it
 * sets lock_timeout to the configuration's LOCK_TIMEOUT_MS (default 10 s),
 * unless PGOPTIONS gave the session a lock_timeout other than 0: every lock
 * wait is bounded, also of the statements that no retry loop sets a shorter
 * one for (reads, counts, the online copy).  Use SET LOCAL for another
 * value; a RESET lock_timeout would go back to no bound.
 */
PGconn	   *db_connect(const Config *config, const char *application_name);

/*
 * Connects (session prepared as db_connect does) without reporting anything
 * (for quiet reconnect loops): returns NULL with the reason in error, its
 * message one line.
 */
PGconn	   *db_connect_quiet(const Config *config, const char *application_name,
							 Error *error);

/* Shows server NOTICE/WARNING messages on stderr, indented under the current step. */
void		db_show_notices(PGconn *conn, bool show);

#endif
