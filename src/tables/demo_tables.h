/*
 * demo_tables.h: the registry of the demo's four tables, the one place that
 * knows them: each table's name, the plain copy its migration keeps, the
 * migration script in scripts/ that partitions it, and its strategy.  Every
 * program and library that lists, checks or migrates the four tables goes
 * through here, in this order (the order of the scripts 01 to 04).
 */
#ifndef DEMO_TABLES_H
#define DEMO_TABLES_H

#include <stdbool.h>

typedef enum DemoTable
{
	DEMO_EVENT_LOGS,
	DEMO_USERS_DISTRIBUTED,
	DEMO_ORDERS_BY_REGION,
	DEMO_SALES_DATA,
	DEMO_TABLE_COUNT
} DemoTable;

typedef struct DemoTableInfo
{
	DemoTable	table;
	const char *name;			/* the table the programs write and query */
	const char *plain_name;		/* the plain table its migration keeps beside it */
	const char *migration_file; /* the script of scripts/ that partitions it */
	const char *strategy;		/* as in PARTITION BY: "RANGE", ..., "RANGE+LIST" */
} DemoTableInfo;

/* The entry of table (a valid DemoTable). */
const DemoTableInfo *demo_table(DemoTable table);

/* The entry named name, NULL when it is none of the four. */
const DemoTableInfo *demo_table_find(const char *name);

/* The name of table, "?" for a value out of range. */
const char *demo_table_name(DemoTable table);

/* The four names, NULL-terminated (lock holders, option choices, table checks). */
const char *const *demo_table_names(void);

/* The four names and their plain copies' names, NULL-terminated. */
const char *const *demo_table_names_with_plain(void);

/* The sum of per-table counts. */
long long	demo_tables_total(const long long counts[DEMO_TABLE_COUNT]);

#endif
