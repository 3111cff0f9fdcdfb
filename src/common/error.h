/*
 * error.h: the one error convention of the library code (every folder of
 * src/ but programs/), and the one carrier of a failure, Error.
 *
 * CONVENTIONS
 *
 * 1. Say it once, where it is known.  A function that can fail returns false,
 *    NULL or a negative count, and by default reports the failure itself,
 *    through log.h, when it happens: one "error:" line, then "detail:" and
 *    "hint:" lines, lower case, no final period.  A server error reads
 *    "[where: ]message (SQLSTATE xxxxx)", then its detail, hint and context
 *    (db_query, db_command, db_report_error in pg/query.h).  Its caller does
 *    not report it again: it may add a hint of its own (what was done, what
 *    was not), and a program picks the exit status.
 *
 * 2. Hand it back where the caller decides.  Where the meaning of a failure
 *    is the caller's to decide (retry after a lock timeout, reconnect
 *    quietly, take a missing table as an expected case, name who holds a
 *    lock, place a parser's message at file:line), the function takes an
 *    Error *error as its last argument and fills it instead of reporting.
 *    The caller then reports it with error_report() (the same lines as in
 *    1), or inspects it (error_has_sqlstate(), the fields) and says something
 *    else, or nothing.  Pure parsers (common/, and every parser that needs
 *    no server) always work this way, and their error must not be NULL.
 *
 * 3. NULL means "report it".  A function of rule 2 that some callers want
 *    reported accepts error == NULL, and then reports as in rule 1.  Either
 *    way a failure is reported exactly once: by the function, or by the
 *    caller it was handed to; never twice, never not at all.  A function
 *    that did report may still leave the Error behind for its caller to
 *    inspect (the SQLSTATE that decides a retry: SqlRunResult), which the
 *    caller then does not report again.  error_set() and error_add_hint()
 *    implement this rule for a failure found by the program itself (out of
 *    memory, a wrong answer).
 *
 * 4. One carrier.  An Error is plain text and needs no libpq: a parser fills
 *    message and line; the PostgreSQL layer fills sqlstate, message, detail,
 *    hint, context and position from a failed result; a caller may set where
 *    (a file:line, the name of a step) before reporting.  What does not
 *    apply is "" (line and position 0).  A function of rule 2 clears *error when it starts, so
 *    after a success the Error is empty.  No other struct or global keeps a
 *    SQLSTATE.  An Error never holds a password.
 */
#ifndef ERROR_H
#define ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* the room for a message, for a copy of one */
#define ERROR_MESSAGE_SIZE 2048

typedef struct Error
{
	char		sqlstate[6];	/* the server's SQLSTATE, "" when it is not a server's */
	char		message[ERROR_MESSAGE_SIZE];	/* the primary message; "" while no
												 * failure */
	char		detail[4096];
	char		hint[4096];
	char		context[4096];	/* where in the server's code (PL/pgSQL) it happened */
	char		where[1024];	/* set by a caller: "file.sql:12", a step; "" for none */
	int			line;			/* a parser's line of its input, 0 for none */
	int			position;		/* the server's 1-based character position of the
								 * error in the statement, 0 for none */
} Error;

/* Empties error: no failure. */
void		error_clear(Error *error);

/* True when error holds a failure. */
bool		error_is_set(const Error *error);

/*
 * A failure found by the program itself: clears error and sets its message
 * (printf format).  With error NULL, reports it at once (rule 3).  Returns
 * false, for "return error_set(error, ...);".
 */
bool		error_set(Error *error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the hint of the failure in error; with error NULL, reports it at once. */
void		error_add_hint(Error *error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets where the failure happened, in the caller's terms (printf format). */
void		error_set_where(Error *error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when error holds a server error of that SQLSTATE ("55P03": lock timeout). */
bool		error_has_sqlstate(const Error *error, const char *sqlstate);

/*
 * The error line of the report, without "program: error: ":
 * "[where: ][line N: ]message[ (SQLSTATE xxxxx)]", cut to fit len.
 */
void		error_format(const Error *error, char *buf, size_t len);

/*
 * Reports error as rule 1 says: the error line of error_format, then the
 * detail, the hint and "context: ..." as detail, each when there is one.
 */
void		error_report(const Error *error);

/*
 * The report's lines from their parts (any may be NULL or ""; line 0: none):
 * what error_report prints, for the PostgreSQL layer to report a failed
 * result without copying it into an Error first (nothing is cut).
 */
void		error_report_parts(const char *where, int line, const char *message,
							   const char *sqlstate, const char *detail, const char *hint,
							   const char *context);

#endif
