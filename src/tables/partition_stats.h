/*
 * partition_stats.h: the partition tree of a table with exact row counts and
 * sizes, read from the catalogs (pg_partition_tree, pg_class), and printed as
 * a tree with each partition's share of the rows.
 */
#ifndef PARTITION_STATS_H
#define PARTITION_STATS_H

#include <stdbool.h>
#include <stdio.h>
#include <libpq-fe.h>

#include "common/error.h"

typedef struct PartitionNode
{
	char	   *name;			/* as regclass prints it (quoted if needed) */
	char	   *parent;			/* NULL for the root */
	int			level;			/* 0 for the root */
	bool		is_leaf;
	char	   *key;			/* "RANGE (created_at)" for partitioned tables, else "" */
	char	   *bound;			/* "FOR VALUES FROM (...) TO (...)", "DEFAULT", or "" */
	long long	rows;			/* exact; for a parent, the sum of its leaves */
	long long	bytes;			/* heap + indexes + toast; summed for parents */
} PartitionNode;

typedef struct PartitionStats
{
	PartitionNode *nodes;		/* root first, then by level and name */
	size_t		count;
} PartitionStats;

/*
 * Reads the tree of table (any table name the server accepts as regclass; a
 * plain table is a tree of one).  Counts rows exactly with one scan of the
 * table.  Returns NULL on error, with the failure in error (NULL: reported,
 * see common/error.h).
 */
PartitionStats *partition_stats_collect(PGconn *conn, const char *table, Error *error);

/* Number of leaf partitions (1 for a plain table). */
size_t		partition_stats_leaf_count(const PartitionStats *stats);

/* Prints the tree: bounds, rows, size and share of rows as a bar. */
void		partition_stats_print_tree(FILE *out, const PartitionStats *stats, bool color);

void		partition_stats_free(PartitionStats *stats);

#endif
