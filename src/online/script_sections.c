/* script_sections.c: "-- @online: <section>" marks (see script_sections.h). */
#include "online/script_sections.h"

#include <stdio.h>
#include <string.h>

#include "pg/sql_marks.h"

#define KEY "online"

static const char *const section_names[SECTION_COUNT] = {
	[SECTION_GUARD] = "guard",
	[SECTION_LOCK] = "lock",
	[SECTION_CREATE] = "create",
	[SECTION_COPY] = "copy",
	[SECTION_KEYS] = "keys",
	[SECTION_DERIVED] = "derived",
	[SECTION_VERIFY] = "verify",
	[SECTION_SWAP] = "swap",
	[SECTION_FINISH] = "finish",
};

const char *
script_section_name(ScriptSection section)
{
	return section > SECTION_NONE && section < SECTION_COUNT ? section_names[section] : NULL;
}

/* The section an "@online" mark names, or SECTION_NONE for none. */
static ScriptSection
section_named(const SqlMark *mark)
{
	if (mark->argument || !mark->value)
		return SECTION_NONE;
	for (int s = SECTION_NONE + 1; s < SECTION_COUNT; s++)
		if (strcmp(mark->value, section_names[s]) == 0)
			return (ScriptSection) s;
	return SECTION_NONE;
}

/* Moves *current to the section of the last "@online" mark above statement. */
static bool
follow_marks(const SqlStatement *statement, ScriptSection *current, Error *error)
{
	SqlMarks	marks;
	bool		ok = true;

	if (!sql_marks_read(statement->comments, statement->comment_count, &marks))
	{
		error_set(error, "out of memory");
		error->line = statement->line;
		return false;
	}
	for (size_t m = 0; ok && m < marks.count; m++)
	{
		const SqlMark *mark = &marks.items[m];

		if (strcmp(mark->key, KEY) != 0)
			continue;			/* another reader's mark (@bench) */
		if ((*current = section_named(mark)) == SECTION_NONE)
		{
			error_set(error, "unknown mark \"--%s\" (sections: guard, lock, create, copy, "
					  "keys, derived, verify, swap, finish)", mark->text);
			error->line = mark->line;
			ok = false;
		}
	}
	sql_marks_free(&marks);
	return ok;
}

bool
script_sections_assign(const SqlScript *script, bool require_marks,
					   ScriptSection *sections, Error *error)
{
	ScriptSection current = SECTION_NONE;

	error_clear(error);
	for (size_t i = 0; i < script->count; i++)
	{
		const SqlStatement *statement = &script->statements[i];

		if (!follow_marks(statement, &current, error))
			return false;
		if (current == SECTION_NONE && require_marks)
		{
			error_set(error, "statement outside any \"-- @" KEY ": <section>\" mark");
			error->line = statement->line;
			return false;
		}
		sections[i] = current;
	}
	return true;
}

size_t
script_sections_count(const ScriptSection *sections, size_t count, ScriptSection section)
{
	size_t		n = 0;

	for (size_t i = 0; i < count; i++)
		n += sections[i] == section;
	return n;
}
