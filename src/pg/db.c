/* db.c: connecting and preparing a session (see db.h); queries are in query.c. */
#include "pg/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Opens a connection with keyword/value arrays; the caller checks PQstatus. */
static PGconn *
open_connection(const Config *config, const char *application_name)
{
	char		port[16];
	const char *keywords[] = {"host", "port", "dbname", "user", "password",
	"fallback_application_name", "connect_timeout", NULL};
	const char *values[8];

	snprintf(port, sizeof(port), "%d", config->port);
	values[0] = config->host;
	values[1] = port;
	values[2] = config->dbname;
	values[3] = config->user;
	values[4] = config->password[0] ? config->password : NULL;
	values[5] = application_name;
	values[6] = "10";
	values[7] = NULL;
	return PQconnectdbParams(keywords, values, 0);
}

/*
 * Runs one statement of a session's preparation.  On failure, "could not
 * set WHAT: " and the first line of libpq's message go into error.
 */
static PGresult *
session_statement(PGconn *conn, const char *sql, int nparams, const char *const *params,
				  const char *what, Error *error)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	char		reason[512];

	if (db_result_ok(res))
		return res;
	snprintf(reason, sizeof(reason), "%s", PQresultErrorMessage(res));
	reason[strcspn(reason, "\n")] = '\0';
	error_set(error, "could not set %s: %s", what, reason);
	PQclear(res);
	return NULL;
}

/*
 * PostgreSQL 14+: while a statement runs (a lock wait included), the server
 * checks every second that the client is still there and ends the session if
 * not.  Without it, the backend of a killed program stays in the lock queue
 * until the lock is granted, and every writer queues behind it.
 */
static bool
watch_client_connection(PGconn *conn, Error *error)
{
	PGresult   *res;

	if (PQserverVersion(conn) < 140000)
		return true;
	res = session_statement(conn, "SET client_connection_check_interval = '1s'", 0, NULL,
							"client_connection_check_interval", error);
	PQclear(res);
	return res != NULL;
}

/*
 * Every lock wait of the session is bounded: lock_timeout is set to
 * LOCK_TIMEOUT_MS, unless the session has a bound of its own from the
 * client's startup options (PGOPTIONS='-c lock_timeout=...', source
 * "client"), which is kept.  A 0 is no bound and is replaced, whatever set
 * it.  SET, not the startup packet, so that PGOPTIONS' other settings stay.
 */
static bool
bound_lock_waits(PGconn *conn, const Config *config, Error *error)
{
	char		timeout[32];
	const char *params[1] = {timeout};
	PGresult   *res;

	snprintf(timeout, sizeof(timeout), "%dms", config->lock_timeout_ms);
	res = session_statement(conn,
							"SELECT pg_catalog.set_config('lock_timeout', $1, false)"
							"  FROM pg_catalog.pg_settings"
							" WHERE name = 'lock_timeout' AND (source <> 'client' OR setting = '0')",
							1, params, "lock_timeout", error);
	PQclear(res);
	return res != NULL;
}

/*
 * Every program works in the one schema of the project's tables: search_path
 * becomes exactly POSTGRES_SCHEMA (quoted), so that the scripts' unqualified
 * names and the programs' regclass lookups resolve there and nowhere else.
 * False, with the reason in error, when the schema does not exist or may not
 * be used (current_schema() skips such a schema).
 */
static bool
use_project_schema(PGconn *conn, const Config *config, Error *error)
{
	static const char what[] = "search_path to POSTGRES_SCHEMA";
	char	   *quoted = PQescapeIdentifier(conn, config->schema, strlen(config->schema));
	const char *params[1] = {quoted};
	PGresult   *res;
	bool		ok;

	if (!quoted)
	{
		char		reason[512];

		snprintf(reason, sizeof(reason), "%s", PQerrorMessage(conn));
		reason[strcspn(reason, "\n")] = '\0';
		return error_set(error, "invalid POSTGRES_SCHEMA: %s", reason);
	}
	res = session_statement(conn, "SELECT pg_catalog.set_config('search_path', $1, false)",
							1, params, what, error);
	PQclear(res);
	if (res)
		res = session_statement(conn, "SELECT pg_catalog.current_schema() IS NOT NULL", 0, NULL,
								what, error);
	if ((ok = res != NULL) && !(ok = PQgetvalue(res, 0, 0)[0] == 't'))
		error_set(error, "schema %s (POSTGRES_SCHEMA) does not exist in database \"%s\", "
				  "or user \"%s\" has no USAGE privilege on it",
				  quoted, config->dbname, config->user);
	PQclear(res);
	PQfreemem(quoted);
	return ok;
}

/*
 * What every session needs before a program uses it.  On failure, the reason
 * is in error, and its hint says what to do about it (when there is one).
 */
static bool
prepare_session(PGconn *conn, const Config *config, Error *error)
{
	if (!watch_client_connection(conn, error) || !bound_lock_waits(conn, config, error))
		return false;
	if (use_project_schema(conn, config, error))
		return true;
	error_add_hint(error, "create the schema (CREATE SCHEMA ...), or set POSTGRES_SCHEMA "
				   "(default public); bin/show-config prints the setting");
	return false;
}

PGconn *
db_connect_quiet(const Config *config, const char *application_name, Error *error)
{
	PGconn	   *conn = open_connection(config, application_name);

	error_clear(error);
	if (conn && PQstatus(conn) == CONNECTION_OK)
	{
		if (prepare_session(conn, config, error))
			return conn;
		PQfinish(conn);
		return NULL;
	}
	error_set(error, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	error->message[strcspn(error->message, "\n")] = '\0';
	PQfinish(conn);
	return NULL;
}

PGconn *
db_connect(const Config *config, const char *application_name)
{
	PGconn	   *conn = open_connection(config, application_name);
	Error		error;

	if (conn && PQstatus(conn) == CONNECTION_OK)
	{
		if (prepare_session(conn, config, &error))
			return conn;
		error_report(&error);
		PQfinish(conn);
		return NULL;
	}

	log_error("could not connect to the database \"%s\" as user \"%s\" at %s",
			  config->dbname, config->user, config_server_label(config));
	if (conn)
	{
		/* libpq's message has several lines; none of them contains the password */
		char	   *message = strdup(PQerrorMessage(conn));
		char	   *line,
				   *save = NULL;

		for (line = message ? strtok_r(message, "\n", &save) : NULL; line;
			 line = strtok_r(NULL, "\n", &save))
			log_detail("%s", line + strspn(line, " \t"));	/* libpq indents with a tab */
		free(message);
	}
	log_hint("start the embedded server with \"make db-up\" (or the container with "
			 "\"docker compose up -d\"), or set POSTGRES_HOST/POSTGRES_PORT in .env");
	PQfinish(conn);
	return NULL;
}

static void
print_notice(void *arg, const PGresult *result)
{
	const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);

	(void) arg;
	if (!message)
		return;
	fflush(stdout);
	if (severity && strcmp(severity, "NOTICE") != 0 && strcmp(severity, "INFO") != 0)
		fprintf(stderr, "    %s: %s\n", severity, message);
	else
		fprintf(stderr, "    %s\n", message);
}

static void
ignore_notice(void *arg, const PGresult *result)
{
	(void) arg;
	(void) result;
}

void
db_show_notices(PGconn *conn, bool show)
{
	PQsetNoticeReceiver(conn, show ? print_notice : ignore_notice, NULL);
}
