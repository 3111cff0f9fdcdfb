/* demo_tables.c: the registry of the demo's four tables (see demo_tables.h). */
#include "tables/demo_tables.h"

#include <stddef.h>
#include <string.h>

static const DemoTableInfo registry[DEMO_TABLE_COUNT] = {
	{DEMO_EVENT_LOGS, "event_logs", "event_logs_old", "01_range_partitions.sql", "RANGE"},
	{DEMO_USERS_DISTRIBUTED, "users_distributed", "users_distributed_old",
	"02_hash_partitions.sql", "HASH"},
	{DEMO_ORDERS_BY_REGION, "orders_by_region", "orders_by_region_old",
	"03_list_partitions.sql", "LIST"},
	{DEMO_SALES_DATA, "sales_data", "sales_data_old", "04_composite_partitions.sql", "RANGE+LIST"},
};

const DemoTableInfo *
demo_table(DemoTable table)
{
	return &registry[table];
}

const DemoTableInfo *
demo_table_find(const char *name)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		if (strcmp(registry[t].name, name) == 0)
			return &registry[t];
	return NULL;
}

const char *
demo_table_name(DemoTable table)
{
	return (unsigned) table < DEMO_TABLE_COUNT ? registry[table].name : "?";
}

/* (the lists are filled from the registry at each call: the same values every time) */
const char *const *
demo_table_names(void)
{
	static const char *names[DEMO_TABLE_COUNT + 1];

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		names[t] = registry[t].name;
	return names;
}

const char *const *
demo_table_names_with_plain(void)
{
	static const char *names[2 * DEMO_TABLE_COUNT + 1];

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		names[t] = registry[t].name;
		names[DEMO_TABLE_COUNT + t] = registry[t].plain_name;
	}
	return names;
}

long long
demo_tables_total(const long long counts[DEMO_TABLE_COUNT])
{
	long long	total = 0;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		total += counts[t];
	return total;
}
