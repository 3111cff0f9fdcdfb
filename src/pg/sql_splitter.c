/* sql_splitter.c: statement splitter for .sql files (see sql_splitter.h). */
#include "pg/sql_splitter.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

typedef struct Lexer
{
	const char *p;
	int			line;
	Error	   *error;
} Lexer;

/* "--" comments seen since the last statement, handed to the next one */
typedef struct CommentList
{
	SqlComment *items;
	size_t		count;
} CommentList;

static bool
is_ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || (unsigned char) c >= 0x80;
}

static void
advance(Lexer *lx)
{
	if (*lx->p == '\n')
		lx->line++;
	lx->p++;
}

static bool
unterminated(Lexer *lx, int line, const char *what)
{
	error_set(lx->error, "unterminated %s", what);
	lx->error->line = line;
	return false;
}

/* Skips a -- comment up to (not including) the newline. */
static void
skip_line_comment(Lexer *lx)
{
	while (*lx->p && *lx->p != '\n')
		lx->p++;
}

/* Skips a block comment; PostgreSQL nests them. */
static bool
skip_block_comment(Lexer *lx)
{
	int			line = lx->line;
	int			depth = 0;

	do
	{
		if (lx->p[0] == '/' && lx->p[1] == '*')
		{
			depth++;
			lx->p += 2;
		}
		else if (lx->p[0] == '*' && lx->p[1] == '/')
		{
			depth--;
			lx->p += 2;
		}
		else if (*lx->p)
			advance(lx);
		else
			return unterminated(lx, line, "block comment");
	} while (depth > 0);
	return true;
}

/* Skips a quoted string or identifier starting at the opening quote. */
static bool
skip_quoted(Lexer *lx, char quote, bool backslash_escapes)
{
	int			line = lx->line;

	lx->p++;
	for (;;)
	{
		if (!*lx->p)
			return unterminated(lx, line, quote == '"' ? "quoted identifier" : "quoted string");
		if (backslash_escapes && *lx->p == '\\' && lx->p[1])
		{
			advance(lx);
			advance(lx);
			continue;
		}
		if (*lx->p == quote)
		{
			if (lx->p[1] == quote)	/* doubled quote stands for itself */
			{
				lx->p += 2;
				continue;
			}
			lx->p++;
			return true;
		}
		advance(lx);
	}
}

/*
 * At a '$': if it opens a dollar quote ($$ or $tag$), skips to the end of the
 * closing delimiter and returns true; otherwise consumes just the '$'.
 */
static bool
skip_dollar(Lexer *lx, const char *text_start, bool *ok)
{
	const char *tag_end = lx->p + 1;
	size_t		tag_len;
	int			line = lx->line;

	*ok = true;
	/* "a$b" is an identifier and "$1" a parameter, neither opens a quote */
	if ((lx->p > text_start && is_ident_char(lx->p[-1])) || isdigit((unsigned char) lx->p[1]))
	{
		lx->p++;
		return false;
	}
	while (is_ident_char(*tag_end) && !(tag_end == lx->p + 1 && isdigit((unsigned char) *tag_end)))
		tag_end++;
	if (*tag_end != '$')
	{
		lx->p++;
		return false;
	}
	tag_len = (size_t) (tag_end - lx->p) + 1;	/* "$tag$" */
	{
		const char *delimiter = lx->p;

		lx->p = tag_end + 1;
		while (*lx->p && strncmp(lx->p, delimiter, tag_len) != 0)
			advance(lx);
		if (!*lx->p)
		{
			*ok = unterminated(lx, line, "dollar-quoted string");
			return true;
		}
		lx->p += tag_len;
	}
	return true;
}

static void
free_comments(SqlComment *comments, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(comments[i].text);
	free(comments);
}

/* Keeps a "--" comment (lx at its first dash) and skips it. */
static bool
collect_line_comment(Lexer *lx, CommentList *pending)
{
	const char *start = lx->p + 2;
	SqlComment *grown;
	char	   *text;

	skip_line_comment(lx);
	text = strndup(start, (size_t) (lx->p - start));
	grown = realloc(pending->items, (pending->count + 1) * sizeof(SqlComment));
	if (grown)
		pending->items = grown;
	if (!text || !grown)
	{
		free(text);
		return false;
	}
	/* a CRLF file leaves the CR on the comment's text */
	text[strcspn(text, "\r")] = '\0';
	pending->items[pending->count].text = text;
	pending->items[pending->count].line = lx->line;
	pending->count++;
	return true;
}

/* Adds a statement; it takes over the pending comments when it is not empty. */
static bool
push_statement(SqlScript *script, const char *start, const char *end, int line,
			   CommentList *pending)
{
	SqlStatement *grown;
	char	   *text;

	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	if (end == start)
		return true;
	text = strndup(start, (size_t) (end - start));
	grown = realloc(script->statements, (script->count + 1) * sizeof(SqlStatement));
	if (grown)
		script->statements = grown;
	if (!text || !grown)
	{
		free(text);
		return false;
	}
	script->statements[script->count].text = text;
	script->statements[script->count].line = line;
	script->statements[script->count].comments = pending->items;
	script->statements[script->count].comment_count = pending->count;
	script->count++;
	pending->items = NULL;
	pending->count = 0;
	return true;
}

/*
 * Skips a token of a statement: a quoted string or identifier, a dollar
 * quote, or one character.
 */
static bool
skip_token(Lexer *lx, const char *text)
{
	char		c = *lx->p;
	bool		ok = true;

	if (c == '\'')
	{
		/* E'...' allows backslash escapes; the E must start a token */
		bool		escapes = lx->p > text && (lx->p[-1] == 'E' || lx->p[-1] == 'e') &&
			(lx->p - 1 == text || !is_ident_char(lx->p[-2]));

		return skip_quoted(lx, '\'', escapes);
	}
	if (c == '"')
		return skip_quoted(lx, '"', false);
	if (c == '$')
		skip_dollar(lx, text, &ok);
	else
		lx->p++;
	return ok;
}

SqlScript *
sql_split(const char *text, Error *error)
{
	SqlScript  *script = calloc(1, sizeof(SqlScript));
	Lexer		lx = {.p = text, .line = 1, .error = error};
	const char *start = NULL;	/* first token of the current statement */
	int			start_line = 0;
	CommentList pending = {0};
	bool		ok = true;

	error_clear(error);
	if (!script)
	{
		error_set(error, "out of memory");
		return NULL;
	}
	while (ok && *lx.p)
	{
		char		c = *lx.p;

		if (isspace((unsigned char) c))
		{
			advance(&lx);
			continue;
		}
		if (c == '-' && lx.p[1] == '-')
		{
			/* only the comments between statements can be annotations */
			if (start)
				skip_line_comment(&lx);
			else
				ok = collect_line_comment(&lx, &pending);
			continue;
		}
		if (c == '/' && lx.p[1] == '*')
		{
			ok = skip_block_comment(&lx);
			continue;
		}
		if (c == ';')
		{
			if (start)
				ok = push_statement(script, start, lx.p, start_line, &pending);
			start = NULL;
			lx.p++;
			continue;
		}
		if (!start)
		{
			start = lx.p;
			start_line = lx.line;
		}
		ok = skip_token(&lx, text);
	}
	if (ok && start)
		ok = push_statement(script, start, lx.p, start_line, &pending);
	if (!ok)
	{
		if (!error_is_set(error))
			error_set(error, "out of memory");
		free_comments(pending.items, pending.count);
		sql_script_free(script);
		return NULL;
	}
	script->trailing = pending.items;
	script->trailing_count = pending.count;
	return script;
}

int
sql_statement_line_of_position(const SqlStatement *statement, long position)
{
	int			line = statement->line;
	long		chars = 0;

	for (const char *p = statement->text; *p && chars < position - 1; p++)
	{
		/* count a character at its first byte; UTF-8 continuation bytes are 10xxxxxx */
		if (((unsigned char) *p & 0xC0) != 0x80)
			chars++;
		if (*p == '\n')
			line++;
	}
	return line;
}

void
sql_script_free(SqlScript *script)
{
	if (!script)
		return;
	for (size_t i = 0; i < script->count; i++)
	{
		free(script->statements[i].text);
		free_comments(script->statements[i].comments, script->statements[i].comment_count);
	}
	free(script->statements);
	free_comments(script->trailing, script->trailing_count);
	free(script);
}
