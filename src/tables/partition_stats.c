/* partition_stats.c: partition tree, rows and sizes (see partition_stats.h). */
#include "tables/partition_stats.h"

#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/format.h"

#define BAR_WIDTH 20

/* pg_partition_tree() has no rows for a plain table: then the table is its own tree */
static const char *const tree_query =
	"WITH tree AS ("
	"  SELECT relid, parentrelid, level, isleaf"
	"    FROM pg_catalog.pg_partition_tree($1::pg_catalog.regclass)"
	"  UNION ALL"
	"  SELECT $1::pg_catalog.regclass, NULL, 0, true"
	"   WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_partition_tree($1::pg_catalog.regclass)))"
	"SELECT c.oid::pg_catalog.regclass::text, t.parentrelid::pg_catalog.regclass::text,"
	"       t.level, t.isleaf,"
	"       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END,"
	"       coalesce(pg_catalog.pg_get_expr(c.relpartbound, c.oid), ''),"
	"       pg_catalog.pg_total_relation_size(c.oid)"
	"  FROM tree AS t"
	"  JOIN pg_catalog.pg_class AS c ON c.oid = t.relid"
	" ORDER BY t.level, c.relname";

static const char *const name_query =
	"SELECT n.nspname, c.relname"
	"  FROM pg_catalog.pg_class AS c"
	"  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
	" WHERE c.oid = $1::pg_catalog.regclass";

static PartitionNode *
find_node(PartitionStats *stats, const char *name)
{
	for (size_t i = 0; i < stats->count; i++)
		if (strcmp(stats->nodes[i].name, name) == 0)
			return &stats->nodes[i];
	return NULL;
}

/* Builds "schema"."table" with PQescapeIdentifier; caller frees. */
static char *
quoted_table_name(PGconn *conn, const char *table, Error *error)
{
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, name_query, 1, params, error);
	char	   *schema = NULL,
			   *relname = NULL,
			   *quoted = NULL;

	if (!res)
		return NULL;
	schema = PQescapeIdentifier(conn, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
	relname = PQescapeIdentifier(conn, PQgetvalue(res, 0, 1), strlen(PQgetvalue(res, 0, 1)));
	if (schema && relname && (quoted = malloc(strlen(schema) + strlen(relname) + 2)))
		sprintf(quoted, "%s.%s", schema, relname);
	else
		error_set(error, "out of memory");
	PQfreemem(schema);
	PQfreemem(relname);
	PQclear(res);
	return quoted;
}

/* Exact row counts per leaf in one scan, grouped by tableoid. */
static bool
count_rows(PGconn *conn, PartitionStats *stats, const char *table, Error *error)
{
	char	   *quoted = quoted_table_name(conn, table, error);
	char	   *sql;
	PGresult   *res = NULL;
	bool		ok = false;

	if (!quoted)
		return false;
	sql = malloc(strlen(quoted) + 128);
	if (!sql)
	{
		error_set(error, "out of memory");
		goto cleanup;
	}
	sprintf(sql, "SELECT tableoid::pg_catalog.regclass::text, count(*) FROM %s GROUP BY 1", quoted);
	res = db_try_query(conn, sql, 0, NULL, error);
	if (!res)
		goto cleanup;
	for (int row = 0; row < PQntuples(res); row++)
	{
		PartitionNode *node = find_node(stats, PQgetvalue(res, row, 0));

		if (node)
			node->rows = strtoll(PQgetvalue(res, row, 1), NULL, 10);
	}
	ok = true;
cleanup:
	PQclear(res);
	free(sql);
	free(quoted);
	return ok;
}

/* Adds leaves' rows and sizes into their ancestors, deepest level first. */
static void
sum_into_parents(PartitionStats *stats)
{
	for (size_t i = stats->count; i-- > 0;)
	{
		PartitionNode *node = &stats->nodes[i];
		PartitionNode *parent = node->parent ? find_node(stats, node->parent) : NULL;

		if (parent)
		{
			parent->rows += node->rows;
			parent->bytes += node->bytes;
		}
	}
}

PartitionStats *
partition_stats_collect(PGconn *conn, const char *table, Error *error)
{
	const char *params[1] = {table};
	PGresult   *res = db_try_query(conn, tree_query, 1, params, error);
	PartitionStats *stats;

	if (!res)
		return NULL;
	stats = calloc(1, sizeof(PartitionStats));
	if (stats)
		stats->nodes = calloc((size_t) PQntuples(res) + 1, sizeof(PartitionNode));
	if (!stats || !stats->nodes)
	{
		error_set(error, "out of memory");
		free(stats);
		PQclear(res);
		return NULL;
	}
	for (int row = 0; row < PQntuples(res); row++)
	{
		PartitionNode *node = &stats->nodes[stats->count++];

		node->name = strdup(PQgetvalue(res, row, 0));
		node->parent = PQgetisnull(res, row, 1) ? NULL : strdup(PQgetvalue(res, row, 1));
		node->level = atoi(PQgetvalue(res, row, 2));
		node->is_leaf = PQgetvalue(res, row, 3)[0] == 't';
		node->key = strdup(PQgetvalue(res, row, 4));
		node->bound = strdup(PQgetvalue(res, row, 5));
		/* a partitioned table has no storage of its own: sum its leaves instead */
		node->bytes = node->is_leaf ? strtoll(PQgetvalue(res, row, 6), NULL, 10) : 0;
	}
	PQclear(res);
	if (stats->count == 0)
	{
		error_set(error, "\"%s\" has no partition tree (is it a table?)", table);
		partition_stats_free(stats);
		return NULL;
	}
	if (!count_rows(conn, stats, table, error))
	{
		partition_stats_free(stats);
		return NULL;
	}
	sum_into_parents(stats);
	return stats;
}

size_t
partition_stats_leaf_count(const PartitionStats *stats)
{
	size_t		leaves = 0;

	for (size_t i = 0; i < stats->count; i++)
		leaves += stats->nodes[i].is_leaf;
	return leaves;
}

static void
print_bar(FILE *out, double share)
{
	/* eighths of a block give a smooth bar in BAR_WIDTH characters */
	static const char *const partial[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
	int			eighths = (int) (share * BAR_WIDTH * 8 + 0.5);

	for (int i = 0; i < eighths / 8; i++)
		fputs("█", out);
	fputs(partial[eighths % 8], out);
}

static void
print_node(FILE *out, const PartitionStats *stats, const PartitionNode *node,
		   const char *prefix, bool last, long long total, bool color)
{
	char		rows[32],
				size[32],
				child_prefix[256];
	const char *bold = color ? "\033[1m" : "";
	const char *dim = color ? "\033[2m" : "";
	const char *reset = color ? "\033[0m" : "";
	size_t		children = 0,
				seen = 0;
	int			indent;

	format_count(node->rows, rows, sizeof(rows));
	format_bytes(node->bytes, size, sizeof(size));
	if (node->level == 0)
	{
		fprintf(out, "%s%s%s", bold, node->name, reset);
		indent = (int) strlen(node->name);
	}
	else
	{
		fprintf(out, "%s%s%s%s", prefix, last ? "└─ " : "├─ ", node->is_leaf ? "" : bold, node->name);
		fputs(node->is_leaf ? "" : reset, out);
		indent = (int) (strlen(prefix) / 3 * 3 + 3 + strlen(node->name));
	}
	fprintf(out, "%*s %12s rows %10s", indent < 44 ? 44 - indent : 1, "", rows, size);
	if (node->level > 0 && total > 0)
	{
		double		share = (double) node->rows / (double) total;

		fprintf(out, " %5.1f%% ", share * 100);
		print_bar(out, share);
	}
	fputc('\n', out);
	/* a second line: the partition bound, and the key of a partitioned table */
	if (node->key[0] || node->bound[0])
		fprintf(out, "%s%s%s%s%s%s%s%s\n", prefix, node->level == 0 ? "" : (last ? "   " : "│  "),
				dim, node->bound, node->key[0] && node->bound[0] ? ", " : "",
				node->key[0] ? "partitioned by " : "", node->key, reset);

	snprintf(child_prefix, sizeof(child_prefix), "%s%s", prefix,
			 node->level == 0 ? "" : (last ? "   " : "│  "));
	for (size_t i = 0; i < stats->count; i++)
		children += stats->nodes[i].parent && strcmp(stats->nodes[i].parent, node->name) == 0;
	for (size_t i = 0; i < stats->count; i++)
	{
		const PartitionNode *child = &stats->nodes[i];

		if (child->parent && strcmp(child->parent, node->name) == 0)
			print_node(out, stats, child, child_prefix, ++seen == children, total, color);
	}
}

void
partition_stats_print_tree(FILE *out, const PartitionStats *stats, bool color)
{
	if (stats->count > 0)
		print_node(out, stats, &stats->nodes[0], "", true, stats->nodes[0].rows, color);
}

void
partition_stats_free(PartitionStats *stats)
{
	if (!stats)
		return;
	for (size_t i = 0; i < stats->count; i++)
	{
		free(stats->nodes[i].name);
		free(stats->nodes[i].parent);
		free(stats->nodes[i].key);
		free(stats->nodes[i].bound);
	}
	free(stats->nodes);
	free(stats);
}
