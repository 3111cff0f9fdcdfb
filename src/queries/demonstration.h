/*
 * demonstration.h: demonstrate-queries' run: partition pruning, shown and
 * checked, side by side with the plain tables.
 *
 * For each annotated query of the query files (query_file.h) of the selected
 * table: its plan with the partition scans highlighted, the leaf partitions
 * it scanned checked against the annotation for the table's layout in force
 * (query_layout.h), and its time next to the same query on the plain
 * <table>_old (query_demo.h).  Then the removals of a month, a region and a
 * quarter both ways (removal_demo.h), and the partition statistics; as text,
 * or one JSON document with --json.  Every lock wait of the session is
 * bounded by --lock-timeout.
 */
#ifndef DEMONSTRATION_H
#define DEMONSTRATION_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "queries/query_file.h"

typedef struct DemoOptions
{
	const char *table;			/* --table, or NULL for all */
	bool		json;
	bool		analyze;		/* false with --no-analyze */
	int			runs;
	int			lock_timeout_ms;	/* the session's lock_timeout */
	char	   *queries_dir;
} DemoOptions;

/*
 * Runs the demonstration of set on conn.  False when a query scanned other
 * partitions than expected (a pruning regression), or anything failed
 * (reported).
 */
bool		demonstration_run(PGconn *conn, const Config *config, const DemoOptions *options,
							  const QueryFileSet *set);

#endif
