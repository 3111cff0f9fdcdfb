/*
 * partition_bounds.h: the span of time that a RANGE-partitioned table's
 * partitions cover, read from the catalog by partition_demo.range_bounds(),
 * so that generated dates follow the partitions that exist (after
 * `repartition add` or `detach`, too).
 */
#ifndef PARTITION_BOUNDS_H
#define PARTITION_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

/*
 * *from and *to, in seconds since the epoch (UTC): the lowest lower bound and
 * the highest upper bound of the table's direct partitions with FROM ('...')
 * TO ('...') bounds (DEFAULT and MINVALUE/MAXVALUE bounds are ignored), the
 * bounds as the SQL reads them (partition_demo.range_bounds(), which
 * setup-database installs).  Returns false, without reporting, when there is
 * no such partition (a plain or missing table); reports and returns false on
 * a database error.
 */
bool		partition_bounds_covered(PGconn *conn, const char *table, int64_t *from, int64_t *to);

#endif
