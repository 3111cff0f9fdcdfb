/* db.c: connection and error-reporting helpers (see db.h). */
#include "pg/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* SQLSTATE of the last failure reported here, "" when the last call succeeded */
static char last_error_sqlstate[6];

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
 * PostgreSQL 14+: while a statement runs (a lock wait included), the server
 * checks every second that the client is still there and ends the session if
 * not.  Without it, the backend of a killed program stays in the lock queue
 * until the lock is granted, and every writer queues behind it.  On failure,
 * copies the server's message into errbuf.
 */
static bool
watch_client_connection(PGconn *conn, char *errbuf, size_t errlen)
{
	PGresult   *res;
	bool		ok;

	if (PQserverVersion(conn) < 140000)
		return true;
	res = PQexec(conn, "SET client_connection_check_interval = '1s'");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
	{
		snprintf(errbuf, errlen, "could not set client_connection_check_interval: %s",
				 PQresultErrorMessage(res));
		errbuf[strcspn(errbuf, "\n")] = '\0';
	}
	PQclear(res);
	return ok;
}

/*
 * Every lock wait of the session is bounded: lock_timeout is set to
 * LOCK_TIMEOUT_MS, unless the session has a bound of its own from the
 * client's startup options (PGOPTIONS='-c lock_timeout=...', source
 * "client"), which is kept.  A 0 is no bound and is replaced, whatever set
 * it.  SET, not the startup packet, so that PGOPTIONS' other settings stay.
 */
static bool
bound_lock_waits(PGconn *conn, const Config *config, char *errbuf, size_t errlen)
{
	char		timeout[32];
	const char *params[1] = {timeout};
	PGresult   *res;
	bool		ok;

	snprintf(timeout, sizeof(timeout), "%dms", config->lock_timeout_ms);
	res = PQexecParams(conn,
					   "SELECT pg_catalog.set_config('lock_timeout', $1, false)"
					   "  FROM pg_catalog.pg_settings"
					   " WHERE name = 'lock_timeout' AND (source <> 'client' OR setting = '0')",
					   1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
	{
		snprintf(errbuf, errlen, "could not set lock_timeout: %s", PQresultErrorMessage(res));
		errbuf[strcspn(errbuf, "\n")] = '\0';
	}
	PQclear(res);
	return ok;
}

/*
 * Every program works in the one schema of the project's tables: search_path
 * becomes exactly POSTGRES_SCHEMA (quoted), so that the scripts' unqualified
 * names and the programs' regclass lookups resolve there and nowhere else.
 * False, with the reason in errbuf, when the schema does not exist or may not
 * be used (current_schema() skips such a schema).
 */
static bool
use_project_schema(PGconn *conn, const Config *config, char *errbuf, size_t errlen)
{
	char	   *quoted = PQescapeIdentifier(conn, config->schema, strlen(config->schema));
	const char *params[1] = {quoted};
	PGresult   *res;
	bool		ok;

	if (!quoted)
	{
		snprintf(errbuf, errlen, "invalid POSTGRES_SCHEMA: %s", PQerrorMessage(conn));
		errbuf[strcspn(errbuf, "\n")] = '\0';
		return false;
	}
	res = PQexecParams(conn, "SELECT pg_catalog.set_config('search_path', $1, false)",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		PQclear(res);
		res = PQexec(conn, "SELECT pg_catalog.current_schema() IS NOT NULL");
	}
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(errbuf, errlen, "could not set search_path to POSTGRES_SCHEMA: %s",
				 PQresultErrorMessage(res));
	else if (!(ok = PQgetvalue(res, 0, 0)[0] == 't'))
		snprintf(errbuf, errlen, "schema %s (POSTGRES_SCHEMA) does not exist in database "
				 "\"%s\", or user \"%s\" has no USAGE privilege on it",
				 params[0], config->dbname, config->user);
	errbuf[strcspn(errbuf, "\n")] = '\0';
	PQclear(res);
	PQfreemem(quoted);
	return ok;
}

/*
 * What every session needs before a program uses it. On failure, the reason is
 * in errbuf and *hint says what to do about it (or is NULL).
 */
static bool
prepare_session(PGconn *conn, const Config *config, char *errbuf, size_t errlen,
				const char **hint)
{
	*hint = NULL;
	if (!watch_client_connection(conn, errbuf, errlen) ||
		!bound_lock_waits(conn, config, errbuf, errlen))
		return false;
	if (use_project_schema(conn, config, errbuf, errlen))
		return true;
	*hint = "create the schema (CREATE SCHEMA ...), or set POSTGRES_SCHEMA (default public); "
		"bin/show-config prints the setting";
	return false;
}

PGconn *
db_connect_quiet(const Config *config, const char *application_name, char *errbuf, size_t errlen)
{
	PGconn	   *conn = open_connection(config, application_name);
	const char *hint;

	if (conn && PQstatus(conn) == CONNECTION_OK)
	{
		if (prepare_session(conn, config, errbuf, errlen, &hint))
			return conn;
		PQfinish(conn);
		return NULL;
	}
	snprintf(errbuf, errlen, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	errbuf[strcspn(errbuf, "\n")] = '\0';
	PQfinish(conn);
	return NULL;
}

PGconn *
db_connect(const Config *config, const char *application_name)
{
	PGconn	   *conn = open_connection(config, application_name);
	char		errbuf[512];
	const char *hint;

	if (conn && PQstatus(conn) == CONNECTION_OK)
	{
		if (prepare_session(conn, config, errbuf, sizeof(errbuf), &hint))
			return conn;
		log_error("%s", errbuf);
		if (hint)
			log_hint("%s", hint);
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

void
db_report_error(const PGresult *result, const PGconn *conn, const char *where)
{
	const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *context = result ? PQresultErrorField(result, PG_DIAG_CONTEXT) : NULL;
	char		fallback[512];

	snprintf(last_error_sqlstate, sizeof(last_error_sqlstate), "%s", sqlstate ? sqlstate : "");
	if (!message)
	{
		/* a client-side failure (lost connection, out of memory) */
		snprintf(fallback, sizeof(fallback), "%s",
				 result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
		fallback[strcspn(fallback, "\n")] = '\0';
		message = fallback[0] ? fallback : "unknown error";
	}
	if (where)
		log_error("%s: %s%s%s%s", where, message, sqlstate ? " (SQLSTATE " : "",
				  sqlstate ? sqlstate : "", sqlstate ? ")" : "");
	else
		log_error("%s%s%s%s", message, sqlstate ? " (SQLSTATE " : "",
				  sqlstate ? sqlstate : "", sqlstate ? ")" : "");
	if (detail)
		log_detail("%s", detail);
	if (hint)
		log_hint("%s", hint);
	if (context)
		log_detail("context: %s", context);
}

const char *
db_last_error_sqlstate(void)
{
	return last_error_sqlstate;
}

bool
db_command(PGconn *conn, const char *sql)
{
	PGresult   *result;

	last_error_sqlstate[0] = '\0';
	result = PQexec(conn, sql);
	bool		ok = PQresultStatus(result) == PGRES_COMMAND_OK ||
		PQresultStatus(result) == PGRES_TUPLES_OK;

	if (!ok)
		db_report_error(result, conn, NULL);
	PQclear(result);
	return ok;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *result;
	ExecStatusType status;

	last_error_sqlstate[0] = '\0';
	result = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	status = PQresultStatus(result);

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return result;
	db_report_error(result, conn, NULL);
	PQclear(result);
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

void
db_put_array_element(FILE *out, const char *value)
{
	fputc('"', out);
	for (const char *p = value; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}
