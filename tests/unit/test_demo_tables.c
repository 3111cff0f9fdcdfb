/*
 * Unit tests of the registry of the four tables, checked against the
 * migration scripts themselves: each entry's script must partition that
 * table by that strategy and keep the plain copy under that name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text_file.h"
#include "tables/demo_tables.h"

static void
test_each_script_partitions_its_table(void **state)
{
	(void) state;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		const DemoTableInfo *info = demo_table(t);
		char		path[256],
					rename[256],
					strategy[64],
					by[96];
		char	   *sql;
		const char *plus;

		assert_int_equal(info->table, t);
		snprintf(path, sizeof(path), "scripts/%s", info->migration_file);
		sql = text_file_read(path);
		assert_non_null(sql);
		/* the scripts are numbered in the registry's order: 01 .. 04 */
		assert_int_equal(info->migration_file[0], '0');
		assert_int_equal(info->migration_file[1], '1' + t);
		snprintf(rename, sizeof(rename), "\nALTER TABLE %s RENAME TO %s;\n", info->name,
				 info->plain_name);
		assert_non_null(strstr(sql, rename));
		/* "RANGE+LIST": partitioned by RANGE, sub-partitioned by LIST */
		snprintf(strategy, sizeof(strategy), "%s", info->strategy);
		plus = strchr(info->strategy, '+');
		if (plus)
			strategy[plus - info->strategy] = '\0';
		snprintf(by, sizeof(by), ") PARTITION BY %s (", strategy);
		assert_non_null(strstr(sql, by));
		if (plus)
		{
			snprintf(by, sizeof(by), "PARTITION BY %s (", plus + 1);
			assert_non_null(strstr(sql, by));
		}
		free(sql);
	}
}

static void
test_names_and_look_ups(void **state)
{
	const char *const *names = demo_table_names();
	const char *const *all = demo_table_names_with_plain();

	(void) state;
	assert_string_equal(demo_table_name(DEMO_EVENT_LOGS), "event_logs");
	assert_string_equal(demo_table_name(DEMO_SALES_DATA), "sales_data");
	assert_string_equal(demo_table_name(DEMO_TABLE_COUNT), "?");
	assert_string_equal(demo_table_name((DemoTable) -1), "?");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		assert_string_equal(names[t], demo_table(t)->name);
		assert_string_equal(all[t], demo_table(t)->name);
		assert_string_equal(all[DEMO_TABLE_COUNT + t], demo_table(t)->plain_name);
		assert_ptr_equal(demo_table_find(demo_table(t)->name), demo_table(t));
	}
	assert_null(names[DEMO_TABLE_COUNT]);
	assert_null(all[2 * DEMO_TABLE_COUNT]);
	assert_string_equal(demo_table(DEMO_USERS_DISTRIBUTED)->plain_name, "users_distributed_old");
	assert_null(demo_table_find("event_logs_old"));
	assert_null(demo_table_find("Event_logs"));
	assert_null(demo_table_find(""));
}

static void
test_total(void **state)
{
	const long long counts[DEMO_TABLE_COUNT] = {1, 20, 300, 4000};
	const long long none[DEMO_TABLE_COUNT] = {0};

	(void) state;
	assert_int_equal(demo_tables_total(counts), 4321);
	assert_int_equal(demo_tables_total(none), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_script_partitions_its_table),
		cmocka_unit_test(test_names_and_look_ups),
		cmocka_unit_test(test_total),
	};

	return cmocka_run_group_tests_name("demo_tables", tests, NULL, NULL);
}
