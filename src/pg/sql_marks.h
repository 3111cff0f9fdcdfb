/*
 * sql_marks.h: the comment marks of the project's SQL files: one grammar,
 * and its one reader.
 *
 * A mark is a "--" comment line between statements whose first visible
 * character is "@"; every other comment line is prose:
 *
 *   -- @key: value
 *   -- @key argument: value
 *   --     the value continued on the lines right below
 *
 *   key       letters and underscores ("online", "query", "step")
 *   argument  (optional) one word between the key and the ":": the "$1" of
 *             "@param $1:", the LAYOUT of "@expect LAYOUT:"
 *   value     what follows the ":", without surrounding blanks; each comment
 *             line right below the mark whose text starts with two or more
 *             blanks after the "--" continues it (joined with one blank); an
 *             empty line, a mark or a line of prose ends it
 *
 * A mark belongs to the statement after it (sql_splitter.h keeps the comments
 * before each statement; those after the last one are the script's trailing
 * comments).  What a key means, how long it holds and which keys a file may
 * carry is up to the module that reads that kind of file:
 *
 *   @online: SECTION     migrations 01..04: the section of the statements up
 *                        to the next @online (online/script_sections.h)
 *   @query: NAME, @table: TABLE, @expect: ..., ...
 *                        query files: the annotations of the one statement
 *                        after them (queries/query_file.h)
 *   @step: N. TEXT       scenarios: the step of the statements up to the next
 *                        @step; --dry-run shows its first sentence
 *                        (repartition/repartition_plan.h)
 *   @bench: copy|keys begin|end
 *                        migrations: the bulk copy and the keys built after
 *                        it, which bench/straightforward_order.py swaps to
 *                        time the other order (it reads the file's text)
 *
 * The reader checks the shape only; a mark without its ":" is still a mark
 * (value NULL), so that its module can say what is wrong with it.
 */
#ifndef SQL_MARKS_H
#define SQL_MARKS_H

#include <stdbool.h>
#include <stddef.h>

#include "pg/sql_splitter.h"

typedef struct SqlMark
{
	char	   *key;			/* "" when no letter follows the "@" */
	char	   *argument;		/* NULL when none */
	char	   *value;			/* NULL when the ":" is missing */
	char	   *text;			/* the mark's comment line after the "--", as written */
	int			line;			/* 1-based line of the "@" */
} SqlMark;

typedef struct SqlMarks
{
	SqlMark    *items;
	size_t		count;
} SqlMarks;

/*
 * Reads the marks among count comments (a statement's, or a script's
 * trailing ones), in their order.  Returns false when out of memory (marks is
 * then empty).  Free with sql_marks_free.
 */
bool		sql_marks_read(const SqlComment *comments, size_t count, SqlMarks *marks);

/* The last mark with key, or NULL. */
const SqlMark *sql_marks_last(const SqlMarks *marks, const char *key);

void		sql_marks_free(SqlMarks *marks);

#endif
