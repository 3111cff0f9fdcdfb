/*
 * Unit tests of the "-- @online: <section>" marks, and of the marks of the
 * real migration scripts: every statement of 01..04 must be in a section the
 * online migration knows what to do with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "online/script_sections.h"
#include "pg/sql_runner.h"

#include "split_helper.h"

/* script_sections_assign, its error (if any) formatted into errbuf */
static bool
assign(const SqlScript *script, bool require_marks, ScriptSection *sections)
{
	bool		ok = script_sections_assign(script, require_marks, sections, &error);

	error_format(&error, errbuf, sizeof(errbuf));
	return ok;
}

static void
test_a_mark_holds_until_the_next(void **state)
{
	SqlScript  *script = split_ok("-- @online: guard\n-- @bench: copy begin\nDO $$ BEGIN END $$;\n"
								  "-- text\n--   @online:create   \nCREATE TABLE a (i int);\n"
								  "CREATE TABLE b (i int);\n"
								  "-- @online: swap\n-- explains the swap\nALTER TABLE a RENAME TO c;\n");
	ScriptSection sections[4];

	(void) state;
	assert_true(assign(script, true, sections));
	assert_int_equal(sections[0], SECTION_GUARD);
	assert_int_equal(sections[1], SECTION_CREATE);
	assert_int_equal(sections[2], SECTION_CREATE);
	assert_int_equal(sections[3], SECTION_SWAP);
	assert_int_equal(script_sections_count(sections, 4, SECTION_CREATE), 2);
	assert_int_equal(script_sections_count(sections, 4, SECTION_KEYS), 0);
	assert_string_equal(script_section_name(SECTION_DERIVED), "derived");
	assert_null(script_section_name(SECTION_NONE));
	sql_script_free(script);
}

static void
test_unmarked_statement(void **state)
{
	SqlScript  *script = split_ok("SELECT 1;\n-- @online: finish\nSELECT 2;\n");
	ScriptSection sections[2];

	(void) state;
	assert_false(assign(script, true, sections));
	assert_non_null(strstr(errbuf, "line 1:"));
	/* without require_marks the statement is simply in no section */
	assert_true(assign(script, false, sections));
	assert_int_equal(sections[0], SECTION_NONE);
	assert_int_equal(sections[1], SECTION_FINISH);
	sql_script_free(script);
}

static void
test_unknown_or_garbled_mark(void **state)
{
	const char *const bad[] = {
		"-- @online: creat\nSELECT 1;\n",
		"-- @online: create now\nSELECT 1;\n",
		"-- @online:\nSELECT 1;\n",
		/* a mark of the one grammar (pg/sql_marks.h) without its ":" is refused, not skipped */
		"-- @online create\nSELECT 1;\n",
		"-- @online : creat\nSELECT 1;\n",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		SqlScript  *script = split_ok(bad[i]);
		ScriptSection sections[1];

		assert_false(assign(script, false, sections));
		assert_non_null(strstr(errbuf, "line 1: unknown mark"));
		sql_script_free(script);
	}
}

/*
 * The real scripts: all marked; the guard starts the tracking of created
 * objects, the swap ends with recording them; a create, a copy, keys.
 */
static void
test_migration_scripts_are_fully_marked(void **state)
{
	const char *const files[] = {
		"scripts/01_range_partitions.sql", "scripts/02_hash_partitions.sql",
		"scripts/03_list_partitions.sql", "scripts/04_composite_partitions.sql",
	};

	(void) state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++)
	{
		SqlScript  *script = sql_runner_read_script(files[f]);
		ScriptSection *sections;

		assert_non_null(script);
		sections = calloc(script->count, sizeof(*sections));
		if (!assign(script, true, sections))
			fail_msg("%s: %s", files[f], errbuf);
		assert_int_equal(script_sections_count(sections, script->count, SECTION_GUARD), 2);
		assert_int_equal(sections[0], SECTION_GUARD);
		assert_non_null(strstr(script->statements[0].text, "partition_demo.track_begin()"));
		/* the bounded wait (lock_timeout when none is set), then the LOCK itself */
		assert_int_equal(script_sections_count(sections, script->count, SECTION_LOCK), 2);
		assert_int_equal(script_sections_count(sections, script->count, SECTION_VERIFY), 1);
		assert_true(script_sections_count(sections, script->count, SECTION_CREATE) >= 2);
		assert_true(script_sections_count(sections, script->count, SECTION_COPY) >= 1);
		assert_true(script_sections_count(sections, script->count, SECTION_KEYS) >= 2);
		/* renames of both tables' objects, then the sequence */
		assert_true(script_sections_count(sections, script->count, SECTION_SWAP) >= 8);
		for (size_t i = 0; i + 1 < script->count; i++)
			if (sections[i + 1] == SECTION_FINISH && sections[i] == SECTION_SWAP)
				assert_non_null(strstr(script->statements[i].text, "partition_demo.register_created("));
		assert_non_null(strstr(script->statements[script->count - 1].text, "RAISE NOTICE"));
		assert_int_equal(sections[script->count - 1], SECTION_FINISH);
		free(sections);
		sql_script_free(script);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_mark_holds_until_the_next),
		cmocka_unit_test(test_unmarked_statement),
		cmocka_unit_test(test_unknown_or_garbled_mark),
		cmocka_unit_test(test_migration_scripts_are_fully_marked),
	};

	return cmocka_run_group_tests_name("script_sections", tests, NULL, NULL);
}
