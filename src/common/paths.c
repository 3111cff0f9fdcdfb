/* paths.c: locate the project root from the executable (see paths.h). */
#include "common/paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

#define MARKER "scripts/00_setup_base_tables.sql"

char *
paths_join(const char *dir, const char *relative)
{
	size_t		len = strlen(dir) + 1 + strlen(relative) + 1;
	char	   *joined = malloc(len);

	if (joined)
		snprintf(joined, len, "%s/%s", dir, relative);
	return joined;
}

static int
has_marker(const char *dir)
{
	char	   *candidate = paths_join(dir, MARKER);
	int			found = candidate && access(candidate, R_OK) == 0;

	free(candidate);
	return found;
}

const char *
paths_project_root(void)
{
	static char root[PATH_MAX];
	char		dir[PATH_MAX];
	ssize_t		len;

	if (root[0])
		return root;
	len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (len > 0)
	{
		dir[len] = '\0';
		for (int depth = 0; depth < 5; depth++)
		{
			char	   *slash = strrchr(dir, '/');

			if (!slash || slash == dir)
				break;
			*slash = '\0';
			if (has_marker(dir))
			{
				snprintf(root, sizeof(root), "%s", dir);
				return root;
			}
		}
	}
	/* an executable copied elsewhere: fall back to the current directory */
	if (getcwd(dir, sizeof(dir)) && has_marker(dir))
	{
		snprintf(root, sizeof(root), "%s", dir);
		return root;
	}
	return NULL;
}

char *
paths_project_dir(const char *relative, const char *option)
{
	const char *root = paths_project_root();

	if (!root)
	{
		log_error("could not find the project's scripts directory");
		log_hint("run the program from the project directory, or pass %s DIR", option);
		return NULL;
	}
	return paths_join(root, relative);
}

const char *
paths_relative_to(const char *root, const char *path)
{
	size_t		len = root ? strlen(root) : 0;

	if (len && strncmp(path, root, len) == 0 && path[len] == '/')
		return path + len + 1;
	return path;
}
