/*
 * paths.h: where the project's files are, wherever the programs are run from.
 *
 * The project root is found by walking up from the running executable to the
 * first directory that holds scripts/00_setup_base_tables.sql, so bin/ and the
 * sanitizer build under build/ both find the same scripts and .env.
 */
#ifndef PATHS_H
#define PATHS_H

/* The project root (static storage), or NULL when it cannot be found. */
const char *paths_project_root(void);

/*
 * A directory of the project, <root>/relative, for a program whose option
 * (such as "--scripts") was not given.  When the root cannot be found,
 * reports it, with a hint naming the option, and returns NULL.  Caller frees.
 */
char	   *paths_project_dir(const char *relative, const char *option);

/* path without the leading "root/" when it is under root: the path as a reader knows it. */
const char *paths_relative_to(const char *root, const char *path);

/* Joins a directory and a relative path into a new string (caller frees). */
char	   *paths_join(const char *dir, const char *relative);

#endif
