/* program.c: the start of every program (see program.h). */
#include "common/program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/log.h"

void
program_start(int argc, char **argv)
{
	log_set_progname(argv[0]);
	argv[0] = (char *) log_progname();

	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		int			libpq = PQlibVersion();

		printf("%s (db-partitioning) %s, libpq %d.%d\n", log_progname(),
			   DB_PARTITIONING_VERSION, libpq / 10000, libpq % 100);
		exit(0);
	}
}
