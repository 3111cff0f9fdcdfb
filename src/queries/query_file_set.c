/* query_file_set.c: the query files of a directory (see query_file.h). */
#include "queries/query_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/paths.h"

static int
only_sql_files(const struct dirent *entry)
{
	size_t		len = strlen(entry->d_name);

	return entry->d_name[0] != '.' && len > 4 && strcmp(entry->d_name + len - 4, ".sql") == 0;
}

/* Names must be unique over all files: they key the reports and the JSON output. */
static bool
check_unique_names(const QueryFileSet *set)
{
	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const QueryItem *item = &set->files[f]->items[i];

			for (size_t g = 0; g < f; g++)
				for (size_t j = 0; j < set->files[g]->count; j++)
					if (strcmp(set->files[g]->items[j].name, item->name) == 0)
					{
						log_error("%s:%d: the name \"%s\" is taken by %s:%d",
								  set->files[f]->path, item->line, item->name,
								  set->files[g]->path, set->files[g]->items[j].line);
						return false;
					}
		}
	return true;
}

bool
query_file_load_dir(const char *dir, QueryFileSet *set)
{
	struct dirent **entries = NULL;
	int			count = scandir(dir, &entries, only_sql_files, alphasort);
	bool		ok = true;

	memset(set, 0, sizeof(*set));
	if (count < 0)
	{
		log_error("could not read the query directory \"%s\": %s", dir, strerror(errno));
		return false;
	}
	if (count == 0)
	{
		log_error("no query files (*.sql) in \"%s\"", dir);
		free(entries);
		return false;
	}
	if (!(set->files = calloc((size_t) count, sizeof(QueryFile *))))
	{
		log_error("out of memory");
		ok = false;
	}
	for (int i = 0; i < count; i++)
	{
		char	   *path = ok ? paths_join(dir, entries[i]->d_name) : NULL;

		/* the first broken file is reported (by query_file_load) and ends the loading */
		if (ok && path && (set->files[set->count] = query_file_load(path)) != NULL)
			set->count++;
		else
			ok = false;
		free(path);
		free(entries[i]);
	}
	free(entries);
	return ok && check_unique_names(set);
}

/* Whether an item before files[f]->items[i] names the same table. */
static bool
table_seen_before(const QueryFileSet *set, size_t f, size_t i)
{
	const char *name = set->files[f]->items[i].table;

	for (size_t g = 0; g <= f; g++)
		for (size_t j = 0; j < (g == f ? i : set->files[g]->count); j++)
			if (strcmp(set->files[g]->items[j].table, name) == 0)
				return true;
	return false;
}

bool
query_file_check_table(const QueryFileSet *set, const char *table)
{
	char		known[512] = "";

	for (size_t f = 0; f < set->count; f++)
		for (size_t i = 0; i < set->files[f]->count; i++)
		{
			const char *name = set->files[f]->items[i].table;
			size_t		used = strlen(known);

			if (strcmp(name, table) == 0)
				return true;
			if (!table_seen_before(set, f, i) && used < sizeof(known))
				snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", name);
		}
	log_error("unknown table \"%s\": no query is annotated with it", table);
	log_detail("the query files know: %s", known);
	return false;
}

void
query_file_set_free(QueryFileSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		query_file_free(set->files[i]);
	free(set->files);
	set->files = NULL;
	set->count = 0;
}
