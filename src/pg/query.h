/*
 * query.h: the one query layer.  Every statement the programs send to the
 * server goes through here: run it, check its status (written once, in
 * db_result_ok), and report or hand back its failure the same way
 * everywhere, by the convention of common/error.h:
 *
 *   db_command, db_query            report a failure themselves (rule 1);
 *   db_try_*, db_prepare, db_copy_in, db_run_statements, db_set_config
 *                                   fill an Error for the caller to decide,
 *                                   or report it when error is NULL (rules 2, 3);
 *   db_query_handled                fills an Error, lets a handler decide,
 *                                   and reports in full what it leaves.
 *
 * A server error is reported as "[where: ]message (SQLSTATE xxxxx)", then
 * its detail, hint and context; a client-side one (a lost connection) by the
 * first line of libpq's message, without SQLSTATE.  Parameters always travel
 * as parameters ($1, $2, ...), never pasted into the text.
 */
#ifndef QUERY_H
#define QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "common/error.h"

/* True for a result that succeeded: PGRES_COMMAND_OK or PGRES_TUPLES_OK. */
bool		db_result_ok(const PGresult *result);

/*
 * Reports a failed result (rule 1), nothing cut.  When where is not NULL it
 * prefixes the message (for example "file.sql:12").
 */
void		db_report_error(const PGresult *result, const PGconn *conn, const char *where);

/* Runs a command without parameters; on failure reports it and returns false. */
bool		db_command(PGconn *conn, const char *sql);

/*
 * Runs a query with text parameters; returns the result when it succeeded
 * (the caller PQclears it), else reports it and returns NULL.
 */
PGresult   *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params);

/* db_command, with the failure in error (NULL: reported). */
bool		db_try_command(PGconn *conn, const char *sql, Error *error);

/*
 * db_query, with the failure in error (NULL: reported).  With no
 * parameters, still one statement only (the extended protocol).
 */
PGresult   *db_try_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
						 Error *error);

/*
 * Called with the failure of a statement (error filled: SQLSTATE, message,
 * ..., position) before it is reported; may set error->where.  Returns true
 * when it has dealt with the failure (nothing is reported), false to have
 * it reported in full.
 */
typedef bool (*DbFailureHandler) (Error *error, void *arg);

/*
 * db_query for a caller that inspects every failure and reports most: on
 * failure, fills error (not NULL), asks handler (NULL: none), and unless it
 * dealt with it reports the failure in full, nothing cut, at error->where
 * (rule 3's "reported, and left for inspection").  NULL on failure.
 */
PGresult   *db_query_handled(PGconn *conn, const char *sql, int nparams,
							 const char *const *params, Error *error,
							 DbFailureHandler handler, void *arg);

/* set_config(name, value, is_local): for the session, or the transaction when local. */
bool		db_set_config(PGconn *conn, const char *name, const char *value, bool local,
						  Error *error);

/* Prepares sql as the named statement (its parameter types inferred). */
bool		db_prepare(PGconn *conn, const char *name, const char *sql, int nparams,
					   Error *error);

/* Runs the named prepared statement; the result, or NULL with the failure in error. */
PGresult   *db_try_query_prepared(PGconn *conn, const char *name, int nparams,
								  const char *const *params, Error *error);

/* The description of the named prepared statement (PQnparams, PQparamtype). */
PGresult   *db_describe_prepared(PGconn *conn, const char *name, Error *error);

/*
 * COPY ... FROM STDIN: starts copy_sql, sends data (text format, len bytes)
 * in one piece, ends the copy and reads its result.  True when the rows are
 * in; else the failure is in error (NULL: reported).
 */
bool		db_copy_in(PGconn *conn, const char *copy_sql, const char *data, size_t len,
					   Error *error);

/*
 * Sends sql, several statements in one simple query (one round trip), and
 * keeps the results of the first count statements in results (the caller
 * frees them with db_clear_results).  True when count results came and
 * every one succeeded; else the first failure is in error (NULL: reported).
 * The server skips the statements after a failed one.
 */
bool		db_run_statements(PGconn *conn, const char *sql, PGresult **results, int count,
							  Error *error);

/* PQclears results[0 .. count - 1] and sets them NULL. */
void		db_clear_results(PGresult **results, int count);

/* Writes value to out as one double-quoted element of an array literal ('{...}'). */
void		db_put_array_element(FILE *out, const char *value);

/* Writes element i of an array literal (db_put_array_element for text). */
typedef void (*DbArrayElementWriter) (FILE *out, size_t i, const void *arg);

/* '{e0,e1,...}' from write(out, i, arg) for each i < count; caller frees; NULL: no memory. */
char	   *db_array_literal(size_t count, DbArrayElementWriter write, const void *arg);

#endif
