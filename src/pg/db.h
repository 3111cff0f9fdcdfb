/*
 * db.h: libpq plumbing shared by the programs: connecting from a Config,
 * running a command and reporting a server error in full.
 */
#ifndef DB_H
#define DB_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "common/config.h"

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
 * Connects (search_path included) without reporting anything: returns NULL
 * and copies the first line of the reason into errbuf (for quiet reconnect
 * loops).
 */
PGconn	   *db_connect_quiet(const Config *config, const char *application_name,
							 char *errbuf, size_t errlen);

/*
 * Reports a failed result: message, SQLSTATE, detail, hint, context.  When
 * where is not NULL it prefixes the message (for example "file.sql:12").
 */
void		db_report_error(const PGresult *result, const PGconn *conn, const char *where);

/*
 * The SQLSTATE of the failure that db_report_error reported last, "" when
 * none was since the last db_command or db_query began (for example
 * "55P03" after a lock timeout: see lock_holder.h).
 */
const char *db_last_error_sqlstate(void);

/* Runs a command without parameters; on failure reports it and returns false. */
bool		db_command(PGconn *conn, const char *sql);

/*
 * Runs a query with text parameters; returns the result when its status is
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK, else reports it and returns NULL.
 */
PGresult   *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params);

/* Shows server NOTICE/WARNING messages on stderr, indented under the current step. */
void		db_show_notices(PGconn *conn, bool show);

/* Writes value to out as one double-quoted element of an array literal ('{...}'). */
void		db_put_array_element(FILE *out, const char *value);

#endif
