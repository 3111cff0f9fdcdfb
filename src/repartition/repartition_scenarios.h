/*
 * repartition_scenarios.h: the whitelist of re-partitioning scenarios.
 *
 * A scenario name given on the command line is only ever compared with this
 * table; what runs is the table's file, never anything built from the name.
 */
#ifndef REPARTITION_SCENARIOS_H
#define REPARTITION_SCENARIOS_H

#include <stddef.h>

#define REPARTITION_MAX_TABLES 4

typedef struct RepartitionScenario
{
	const char *name;			/* "add" */
	const char *file;			/* relative to the scripts directory */
	const char *summary;		/* one line, for --list and the heading */
	/* tables whose partition trees are shown before and after; the first
	 * must exist, the others are shown when they do (archive, backups) */
	const char *tables[REPARTITION_MAX_TABLES + 1];
	/* the table the scenario re-partitions online (its [create] section
	 * plans the move, scripts/online/); NULL: offline only */
	const char *online_table;
} RepartitionScenario;

/* Every table some scenario re-partitions online, NULL-terminated (--abort). */
const char *const *repartition_online_tables(void);

/* The scenario called name, or NULL. */
const RepartitionScenario *repartition_scenario_find(const char *name);

/* All scenarios, in the spec's order; *count receives their number. */
const RepartitionScenario *repartition_scenarios(size_t *count);

#endif
