/*
 * program.h: what every program does first, and the project's version.
 *
 * program_start() sets the name diagnostics and getopt's own messages use
 * (the file name of argv[0], without its directory), and answers
 * "--version" / "-V" given as the first argument, as psql and pgbench do.
 * --help and the other options are common/options.h's.
 */
#ifndef PROGRAM_H
#define PROGRAM_H

#define DB_PARTITIONING_VERSION "1.1.0"

/* The exit statuses of every program: done, failed at run time, bad usage or configuration. */
#define PROGRAM_EXIT_OK 0
#define PROGRAM_EXIT_FAILURE 1
#define PROGRAM_EXIT_USAGE 2

/* Exits 0 after printing the version when argv[1] asks for it. */
void program_start(int argc, char **argv);

#endif
