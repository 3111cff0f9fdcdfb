/* repartition_scenarios.c: the scenario whitelist (see repartition_scenarios.h). */
#include "repartition/repartition_scenarios.h"

#include <string.h>

static const RepartitionScenario scenarios[] = {
	{"add", "repartition/10_add_new_partition.sql",
		"add the next monthly partition of event_logs, moving its rows out of DEFAULT",
	{"event_logs", NULL}, "event_logs"},
	{"split", "repartition/11_split_partition.sql",
		"split the newest month of event_logs into weekly partitions",
	{"event_logs", NULL}, "event_logs"},
	{"detach", "repartition/12_detach_archive.sql",
		"archive the oldest month of event_logs into event_logs_archive, then drop it",
	{"event_logs", "event_logs_archive", NULL}, "event_logs"},
	{"migrate", "repartition/13_migrate_strategy.sql",
		"change users_distributed from HASH to RANGE on id (hash table kept until cleanup)",
	{"users_distributed", "users_distributed_hash", NULL}, "users_distributed"},
	{"cleanup", "repartition/14_cleanup_repartition.sql",
		"undo all scenarios: the post-setup layout, with every row",
	{"event_logs", "event_logs_archive", "users_distributed", "users_distributed_hash", NULL}, "event_logs"},
};

const char *const *
repartition_online_tables(void)
{
	static const char *const tables[] = {"event_logs", "users_distributed", NULL};

	return tables;
}

const RepartitionScenario *
repartition_scenario_find(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

const RepartitionScenario *
repartition_scenarios(size_t *count)
{
	*count = sizeof(scenarios) / sizeof(scenarios[0]);
	return scenarios;
}
