/* query.c: the one query layer: run, check, report or hand back (see query.h). */
#include "pg/query.h"

#include <stdlib.h>
#include <string.h>

bool
db_result_ok(const PGresult *result)
{
	ExecStatusType status = PQresultStatus(result);

	return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/*
 * The message of a failure without a primary message (a client-side one: a
 * lost connection, out of memory): the first line of libpq's, into buf.
 */
static const char *
client_side_message(const PGresult *result, const PGconn *conn, char *buf, size_t len)
{
	snprintf(buf, len, "%s", result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? buf : "unknown error";
}

static void
copy_field(char *dest, size_t size, const PGresult *result, int field)
{
	const char *value = result ? PQresultErrorField(result, field) : NULL;

	snprintf(dest, size, "%s", value ? value : "");
}

/*
 * Fills error (cleared first) from a failed result: SQLSTATE, message,
 * detail, hint, context, position; for a client-side failure, or no result
 * at all, the first line of libpq's message.
 */
static void
db_error_from_result(Error *error, const PGresult *result, const PGconn *conn)
{
	error_clear(error);
	copy_field(error->sqlstate, sizeof(error->sqlstate), result, PG_DIAG_SQLSTATE);
	copy_field(error->message, sizeof(error->message), result, PG_DIAG_MESSAGE_PRIMARY);
	copy_field(error->detail, sizeof(error->detail), result, PG_DIAG_MESSAGE_DETAIL);
	copy_field(error->hint, sizeof(error->hint), result, PG_DIAG_MESSAGE_HINT);
	copy_field(error->context, sizeof(error->context), result, PG_DIAG_CONTEXT);
	if (result && PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION))
		error->position = atoi(PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION));
	if (!error->message[0])
	{
		char		fallback[sizeof(error->message)];

		snprintf(error->message, sizeof(error->message), "%s",
				 client_side_message(result, conn, fallback, sizeof(fallback)));
	}
}

void
db_report_error(const PGresult *result, const PGconn *conn, const char *where)
{
	const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
	char		fallback[512];

	if (!message)
		message = client_side_message(result, conn, fallback, sizeof(fallback));
	error_report_parts(where, 0, message, sqlstate,
					   result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : NULL,
					   result ? PQresultErrorField(result, PG_DIAG_MESSAGE_HINT) : NULL,
					   result ? PQresultErrorField(result, PG_DIAG_CONTEXT) : NULL);
}

/* Hands a failed result back in error, or reports it when error is NULL (rule 3). */
static void
db_fail(const PGresult *result, const PGconn *conn, Error *error)
{
	if (error)
		db_error_from_result(error, result, conn);
	else
		db_report_error(result, conn, NULL);
}

/* Keeps a result that succeeded; hands back or reports one that did not. */
static PGresult *
checked(PGresult *result, const PGconn *conn, Error *error)
{
	if (db_result_ok(result))
		return result;
	db_fail(result, conn, error);
	PQclear(result);
	return NULL;
}

/* What every call of the layer does first: no failure yet. */
static void
begin_call(Error *error)
{
	if (error)
		error_clear(error);
}

bool
db_try_command(PGconn *conn, const char *sql, Error *error)
{
	PGresult   *result;

	begin_call(error);
	result = checked(PQexec(conn, sql), conn, error);
	PQclear(result);
	return result != NULL;
}

bool
db_command(PGconn *conn, const char *sql)
{
	return db_try_command(conn, sql, NULL);
}

PGresult *
db_try_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
			 Error *error)
{
	begin_call(error);
	return checked(PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0), conn, error);
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	return db_try_query(conn, sql, nparams, params, NULL);
}

PGresult *
db_query_handled(PGconn *conn, const char *sql, int nparams, const char *const *params,
				 Error *error, DbFailureHandler handler, void *arg)
{
	PGresult   *result;

	begin_call(error);
	result = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (db_result_ok(result))
		return result;
	db_error_from_result(error, result, conn);
	if (!handler || !handler(error, arg))
		db_report_error(result, conn, error->where[0] ? error->where : NULL);
	PQclear(result);
	return NULL;
}

bool
db_set_config(PGconn *conn, const char *name, const char *value, bool local, Error *error)
{
	const char *params[3] = {name, value, local ? "true" : "false"};
	PGresult   *result = db_try_query(conn, "SELECT pg_catalog.set_config($1, $2, $3::boolean)",
									  3, params, error);

	PQclear(result);
	return result != NULL;
}

bool
db_prepare(PGconn *conn, const char *name, const char *sql, int nparams, Error *error)
{
	PGresult   *result;

	begin_call(error);
	result = checked(PQprepare(conn, name, sql, nparams, NULL), conn, error);
	PQclear(result);
	return result != NULL;
}

PGresult *
db_try_query_prepared(PGconn *conn, const char *name, int nparams, const char *const *params,
					  Error *error)
{
	begin_call(error);
	return checked(PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0), conn, error);
}

PGresult *
db_describe_prepared(PGconn *conn, const char *name, Error *error)
{
	begin_call(error);
	return checked(PQdescribePrepared(conn, name), conn, error);
}

/*
 * Reads every result of what was sent (libpq needs them all read), keeping
 * the first keep of them in results; true when count came and every one
 * succeeded.
 */
static bool
collect_results(PGconn *conn, PGresult **results, int keep, int count, Error *error)
{
	PGresult   *result;
	bool		ok = true;
	int			got = 0;

	while ((result = PQgetResult(conn)) != NULL)
	{
		if (ok && !db_result_ok(result))
		{
			db_fail(result, conn, error);
			ok = false;
		}
		if (ok && got < keep)
			results[got] = result;
		else
			PQclear(result);
		got++;
	}
	if (ok && got != count)
	{
		db_fail(NULL, conn, error);
		ok = false;
	}
	return ok;
}

bool
db_copy_in(PGconn *conn, const char *copy_sql, const char *data, size_t len, Error *error)
{
	PGresult   *result;

	begin_call(error);
	result = PQexec(conn, copy_sql);
	if (PQresultStatus(result) != PGRES_COPY_IN)
	{
		db_fail(result, conn, error);
		PQclear(result);
		return false;
	}
	PQclear(result);
	/* one PQputCopyData for all the rows: libpq streams it in its own chunks */
	if (PQputCopyData(conn, data, (int) len) != 1)
		PQputCopyEnd(conn, "could not send COPY data");
	else
		PQputCopyEnd(conn, NULL);
	/* the COPY's own result: COMMAND_OK when the rows are in */
	return collect_results(conn, NULL, 0, 1, error);
}

void
db_clear_results(PGresult **results, int count)
{
	for (int i = 0; i < count; i++)
	{
		PQclear(results[i]);
		results[i] = NULL;
	}
}

bool
db_run_statements(PGconn *conn, const char *sql, PGresult **results, int count, Error *error)
{
	bool		ok;

	begin_call(error);
	for (int i = 0; i < count; i++)
		results[i] = NULL;
	if (!PQsendQuery(conn, sql))
	{
		db_fail(NULL, conn, error);
		return false;
	}
	ok = collect_results(conn, results, count, count, error);
	if (!ok)
		db_clear_results(results, count);
	return ok;
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

char *
db_array_literal(size_t count, DbArrayElementWriter write, const void *arg)
{
	char	   *text = NULL;
	size_t		len = 0;
	FILE	   *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fputc('{', out);
	for (size_t i = 0; i < count; i++)
	{
		if (i > 0)
			fputc(',', out);
		write(out, i, arg);
	}
	fputc('}', out);
	if (fclose(out) != 0)
	{
		free(text);
		return NULL;
	}
	return text;
}
