/* repartition_state.c: partition trees before and after a scenario (see repartition_state.h). */
#include "repartition/repartition_state.h"

#include <string.h>

#include "pg/db.h"
#include "common/log.h"

static int
table_exists(PGconn *conn, const char *table, Error *error)
{
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1,
								   params, error);
	int			exists;

	if (!res)
		return -1;
	exists = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return exists;
}

bool
repartition_state_collect(PGconn *conn, const RepartitionScenario *scenario,
						  RepartitionState *state, Error *error)
{
	memset(state, 0, sizeof(*state));
	for (size_t i = 0; i < REPARTITION_MAX_TABLES && scenario->tables[i]; i++)
	{
		const char *table = scenario->tables[i];
		int			exists = table_exists(conn, table, error);

		state->tables[state->count++] = table;
		if (exists < 0)
			return false;
		if (!exists && i == 0)
		{
			error_set(error, "table \"%s\" does not exist", table);
			error_add_hint(error, "run bin/setup-database first");
			return false;
		}
		if (exists && !(state->stats[i] = partition_stats_collect(conn, table, error)))
			return false;
	}
	return true;
}

void
repartition_state_print(FILE *out, const char *title, const RepartitionState *state, bool color)
{
	fprintf(out, "%s%s%s\n\n", color ? "\033[1m" : "", title, color ? "\033[0m" : "");
	for (size_t i = 0; i < state->count; i++)
	{
		if (!state->stats[i])
			continue;
		partition_stats_print_tree(out, state->stats[i], color);
		fputc('\n', out);
	}
}

static json_object *
tree_json(const PartitionStats *stats)
{
	json_object *nodes = json_object_new_array();

	for (size_t i = 1; i < stats->count; i++)
	{
		const PartitionNode *node = &stats->nodes[i];
		json_object *item = json_object_new_object();

		json_object_object_add(item, "name", json_object_new_string(node->name));
		json_object_object_add(item, "parent", node->parent ? json_object_new_string(node->parent) : NULL);
		json_object_object_add(item, "leaf", json_object_new_boolean(node->is_leaf));
		json_object_object_add(item, "bound", json_object_new_string(node->bound));
		json_object_object_add(item, "rows", json_object_new_int64(node->rows));
		json_object_object_add(item, "bytes", json_object_new_int64(node->bytes));
		json_object_array_add(nodes, item);
	}
	return nodes;
}

json_object *
repartition_state_json(const RepartitionState *state)
{
	json_object *tables = json_object_new_array();

	for (size_t i = 0; i < state->count; i++)
	{
		const PartitionStats *stats = state->stats[i];
		json_object *item = json_object_new_object();

		json_object_object_add(item, "table", json_object_new_string(state->tables[i]));
		json_object_object_add(item, "exists", json_object_new_boolean(stats != NULL));
		if (stats)
		{
			json_object_object_add(item, "key", json_object_new_string(stats->nodes[0].key));
			json_object_object_add(item, "rows", json_object_new_int64(stats->nodes[0].rows));
			json_object_object_add(item, "partitions", tree_json(stats));
		}
		json_object_array_add(tables, item);
	}
	return tables;
}

void
repartition_state_free(RepartitionState *state)
{
	for (size_t i = 0; i < state->count; i++)
		partition_stats_free(state->stats[i]);
	memset(state, 0, sizeof(*state));
}
