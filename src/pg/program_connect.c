/* program_connect.c: configuration and connection of a program (see program_connect.h). */
#include "pg/program_connect.h"

#include "common/program.h"
#include "pg/db.h"

int
program_connect(const char *application_name, Config **config, PGconn **conn)
{
	*conn = NULL;
	if (!(*config = config_load()))
		return PROGRAM_EXIT_USAGE;
	if (!(*conn = db_connect(*config, application_name)))
		return PROGRAM_EXIT_FAILURE;
	return PROGRAM_EXIT_OK;
}
