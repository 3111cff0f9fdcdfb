/*
 * sql_splitter.h: split the text of a .sql file into statements.
 *
 * Each statement is sent on its own, so that a failure can be reported with
 * the file's line number, and so that the runner decides about transactions
 * (one PQexec of a whole file would be one implicit transaction, and would
 * make runtime errors impossible to place).  The lexer knows what can hide a
 * semicolon: '...' and E'...' strings, "quoted identifiers", -- and nested
 * block comments, and $$ / $tag$ dollar quotes ($1 parameters are not quotes).
 * Not supported: SQL-standard function bodies (BEGIN ATOMIC ... END), whose
 * inner semicolons end the statement; the project's scripts use $$ bodies.
 */
#ifndef SQL_SPLITTER_H
#define SQL_SPLITTER_H

#include <stddef.h>

#include "common/error.h"

/*
 * A "--" comment found between statements: marks live there (see
 * sql_marks.h).  Block comments and comments inside a statement are not kept.
 */
typedef struct SqlComment
{
	char	   *text;			/* after the "--", up to the end of the line */
	int			line;			/* 1-based */
} SqlComment;

typedef struct SqlStatement
{
	char	   *text;			/* without the terminating semicolon */
	int			line;			/* 1-based line of the statement's first token */
	SqlComment *comments;		/* the "--" lines since the previous statement */
	size_t		comment_count;
} SqlStatement;

typedef struct SqlScript
{
	SqlStatement *statements;
	size_t		count;
	SqlComment *trailing;		/* "--" lines after the last statement */
	size_t		trailing_count;
} SqlScript;

/*
 * Splits text into statements; comments and blanks between statements are
 * not part of any statement's text (the "--" lines are kept beside it, in
 * comments).  On an unterminated quote or comment returns NULL with the
 * reason in error (not NULL) and its line in error->line (a pure parser:
 * rule 2 of common/error.h).
 */
SqlScript  *sql_split(const char *text, Error *error);

/*
 * The line within the file of a 1-based character position inside a
 * statement, as the server reports it in PG_DIAG_STATEMENT_POSITION
 * (characters, not bytes: multibyte UTF-8 is counted once).
 */
int			sql_statement_line_of_position(const SqlStatement *statement, long position);

void		sql_script_free(SqlScript *script);

#endif
