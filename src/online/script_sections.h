/*
 * script_sections.h: the "-- @online: <section>" marks of a migration script.
 *
 * A migration script (01..04) runs whole, in one transaction, for the offline
 * migration.  The online migration runs the same statements in other
 * transactions and skips some (its own batched copy replaces the [copy]
 * section, its own two-part comparison the [verify] section, and it never
 * takes the [lock]); the marks say which statement belongs where.  A mark
 * holds for the statements after it, up to the next mark; every statement of
 * a script run online must be under one.  The marks follow the grammar of
 * pg/sql_marks.h; marks with other keys (@bench) are left to their readers.
 */
#ifndef SCRIPT_SECTIONS_H
#define SCRIPT_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "pg/sql_splitter.h"

typedef enum ScriptSection
{
	SECTION_NONE = 0,			/* before the first mark */
	SECTION_GUARD,				/* refuses what cannot be migrated */
	SECTION_LOCK,				/* offline only: writers wait for the whole file */
	SECTION_CREATE,				/* the partitioned table, its partitions, side tables */
	SECTION_COPY,				/* offline only: the bulk copy */
	SECTION_KEYS,				/* primary key and indexes, after the copy */
	SECTION_DERIVED,			/* what is built from the copied rows (side tables, triggers) */
	SECTION_VERIFY,				/* offline only: the one-step comparison */
	SECTION_SWAP,				/* renames and sequence: the table changes hands */
	SECTION_FINISH,				/* after the swap: statistics, a message */
	SECTION_COUNT
} ScriptSection;

/* "guard", "create", ...; NULL for SECTION_NONE or out of range. */
const char *script_section_name(ScriptSection section);

/*
 * Fills sections[i] (script->count entries) with the section of each
 * statement.  Returns false with the reason in error (not NULL) and its line
 * in error->line for an "@online" mark that names no section (or lacks its
 * ":"), or for a statement before any mark when require_marks is set.
 */
bool		script_sections_assign(const SqlScript *script, bool require_marks,
								   ScriptSection *sections, Error *error);

/* How many statements are in section. */
size_t		script_sections_count(const ScriptSection *sections, size_t count,
								  ScriptSection section);

#endif
