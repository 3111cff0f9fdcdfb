/* script_sections.c: "-- @online: <section>" marks (see script_sections.h). */
#include "online/script_sections.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MARK "@online:"

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

/* The section a comment names (its text is what follows "--"), or SECTION_NONE. */
static bool
parse_mark(const char *comment, ScriptSection *section, bool *is_mark)
{
	const char *p = comment;
	size_t		len;

	*is_mark = false;
	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, MARK, strlen(MARK)) != 0)
		return true;
	*is_mark = true;
	p += strlen(MARK);
	while (isspace((unsigned char) *p))
		p++;
	len = strcspn(p, " \t\r\n");
	for (int s = SECTION_NONE + 1; s < SECTION_COUNT; s++)
		if (strlen(section_names[s]) == len && strncmp(p, section_names[s], len) == 0)
		{
			/* nothing may follow the name but blanks */
			for (const char *rest = p + len; *rest; rest++)
				if (!isspace((unsigned char) *rest))
					return false;
			*section = (ScriptSection) s;
			return true;
		}
	return false;
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

		for (size_t c = 0; c < statement->comment_count; c++)
		{
			bool		is_mark;

			if (!parse_mark(statement->comments[c].text, &current, &is_mark))
			{
				error_set(error, "unknown mark \"--%s\" (sections: guard, lock, create, copy, "
						  "keys, derived, verify, swap, finish)", statement->comments[c].text);
				error->line = statement->comments[c].line;
				return false;
			}
		}
		if (current == SECTION_NONE && require_marks)
		{
			error_set(error, "statement outside any \"-- " MARK " <section>\" mark");
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
