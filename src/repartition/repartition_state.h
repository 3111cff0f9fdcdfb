/*
 * repartition_state.h: the partition trees of a scenario's tables, shown
 * before and after it runs (rows counted exactly, outside the scenario's
 * transaction: under live load they include rows written meanwhile).
 */
#ifndef REPARTITION_STATE_H
#define REPARTITION_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "tables/partition_stats.h"
#include "repartition/repartition_scenarios.h"

typedef struct RepartitionState
{
	PartitionStats *stats[REPARTITION_MAX_TABLES];	/* NULL: the table does not exist */
	const char *tables[REPARTITION_MAX_TABLES];
	size_t		count;
} RepartitionState;

/*
 * Collects the trees of the scenario's tables that exist.  The scenario's
 * first table must exist: if not, the failure says that setup-database must
 * run first.  Returns false on error, with the failure in error (NULL:
 * reported, see common/error.h); free with repartition_state_free.
 */
bool		repartition_state_collect(PGconn *conn, const RepartitionScenario *scenario,
									  RepartitionState *state, Error *error);

/* Prints "title" and each existing table's tree. */
void		repartition_state_print(FILE *out, const char *title, const RepartitionState *state,
									bool color);

/* [{"table": ..., "rows": N, "partitions": [{"name", "parent", "bound", "rows", "bytes"}]}] */
json_object *repartition_state_json(const RepartitionState *state);

void		repartition_state_free(RepartitionState *state);

#endif
