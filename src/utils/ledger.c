/* ledger.c: append committed row keys, verify them later (see ledger.h). */
#include "ledger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* ids per verification query: large enough to be fast, small enough for one array */
#define VERIFY_CHUNK 10000
/* missing ids printed per table */
#define SHOW_MISSING 10

struct Ledger
{
	FILE	   *fp;
	char	   *path;
};

Ledger *
ledger_open(const char *path)
{
	Ledger	   *ledger = calloc(1, sizeof(Ledger));

	if (!ledger || !(ledger->path = strdup(path)))
	{
		free(ledger);
		log_error("out of memory");
		return NULL;
	}
	ledger->fp = fopen(path, "a");
	if (!ledger->fp)
	{
		log_error("could not open ledger \"%s\": %s", path, strerror(errno));
		free(ledger->path);
		free(ledger);
		return NULL;
	}
	return ledger;
}

bool
ledger_append(Ledger *ledger, DemoTable table, const long long *ids, size_t count)
{
	const char *name = data_generator_table_name(table);

	for (size_t i = 0; i < count; i++)
		fprintf(ledger->fp, "%s\t%lld\n", name, ids[i]);
	/* flushed per transaction: a crash of load-data loses at most unflushed claims */
	if (fflush(ledger->fp) != 0 || ferror(ledger->fp))
	{
		log_error("could not write ledger \"%s\": %s", ledger->path, strerror(errno));
		return false;
	}
	return true;
}

void
ledger_close(Ledger *ledger)
{
	if (!ledger)
		return;
	if (fclose(ledger->fp) != 0)
		log_warning("could not close ledger \"%s\": %s", ledger->path, strerror(errno));
	free(ledger->path);
	free(ledger);
}

bool
ledger_parse_line(const char *line, DemoTable *table, long long *id)
{
	const char *tab = strchr(line, '\t');
	char	   *end;

	if (!tab)
		return false;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		const char *name = data_generator_table_name(t);

		if ((size_t) (tab - line) == strlen(name) && strncmp(line, name, strlen(name)) == 0)
		{
			errno = 0;
			*id = strtoll(tab + 1, &end, 10);
			if (errno != 0 || end == tab + 1 || (*end != '\0' && *end != '\n') || *id <= 0)
				return false;
			*table = t;
			return true;
		}
	}
	return false;
}

typedef struct IdList
{
	long long  *ids;
	size_t		count;
	size_t		capacity;
} IdList;

static bool
id_list_push(IdList *list, long long id)
{
	if (list->count == list->capacity)
	{
		size_t		capacity = list->capacity ? list->capacity * 2 : 1024;
		long long  *grown = realloc(list->ids, capacity * sizeof(long long));

		if (!grown)
			return false;
		list->ids = grown;
		list->capacity = capacity;
	}
	list->ids[list->count++] = id;
	return true;
}

/* "{1,2,3}" for a bigint[] parameter; caller frees. */
static char *
array_literal(const long long *ids, size_t count)
{
	char	   *text = malloc(count * 21 + 3);
	size_t		len = 0;

	if (!text)
		return NULL;
	text[len++] = '{';
	for (size_t i = 0; i < count; i++)
		len += (size_t) sprintf(text + len, i ? ",%lld" : "%lld", ids[i]);
	text[len++] = '}';
	text[len] = '\0';
	return text;
}

/* Checks one table's ids in chunks; counts and shows the missing ones. */
static bool
verify_table(PGconn *conn, DemoTable table, const IdList *list, long long *missing)
{
	/* the table name is one of four constants, never input */
	char		sql[256];
	int			shown = 0;

	snprintf(sql, sizeof(sql),
			 "SELECT m.id FROM unnest($1::bigint[]) AS m(id) "
			 "WHERE NOT EXISTS (SELECT FROM %s AS t WHERE t.id = m.id) ORDER BY m.id",
			 data_generator_table_name(table));
	for (size_t start = 0; start < list->count; start += VERIFY_CHUNK)
	{
		size_t		n = list->count - start < VERIFY_CHUNK ? list->count - start : VERIFY_CHUNK;
		char	   *array = array_literal(list->ids + start, n);
		const char *params[1] = {array};
		PGresult   *res;

		if (!array)
		{
			log_error("out of memory");
			return false;
		}
		res = db_query(conn, sql, 1, params);
		free(array);
		if (!res)
			return false;
		for (int row = 0; row < PQntuples(res); row++, (*missing)++)
			if (shown++ < SHOW_MISSING)
				log_error("missing: %s id %s", data_generator_table_name(table),
						  PQgetvalue(res, row, 0));
		PQclear(res);
	}
	return true;
}

bool
ledger_verify(PGconn *conn, const char *path, LedgerVerifyResult *result)
{
	FILE	   *fp = fopen(path, "r");
	IdList		lists[DEMO_TABLE_COUNT] = {{0}};
	char		line[256];
	bool		ok = true;

	memset(result, 0, sizeof(*result));
	if (!fp)
	{
		log_error("could not open ledger \"%s\": %s", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), fp))
	{
		DemoTable	table;
		long long	id;

		if (!ledger_parse_line(line, &table, &id))
			result->malformed_lines++;	/* e.g. a last line cut by kill -9 */
		else if (!id_list_push(&lists[table], id))
		{
			log_error("out of memory");
			ok = false;
		}
	}
	if (ferror(fp))
	{
		log_error("could not read ledger \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	fclose(fp);
	for (int t = 0; ok && t < DEMO_TABLE_COUNT; t++)
	{
		result->checked[t] = (long long) lists[t].count;
		ok = verify_table(conn, t, &lists[t], &result->missing[t]);
	}
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		free(lists[t].ids);
	return ok;
}
