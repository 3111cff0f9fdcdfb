/* program_connect.c: configuration and connection of a program (see program_connect.h). */
#include "pg/program_connect.h"

#include "common/program.h"
#include "pg/db.h"

int
program_connect(const char *application_name, ProgramConnection *connection)
{
	connection->conn = NULL;
	if (!(connection->config = config_load()))
		return PROGRAM_EXIT_USAGE;
	if (!(connection->conn = db_connect(connection->config, application_name)))
		return PROGRAM_EXIT_FAILURE;
	return PROGRAM_EXIT_OK;
}

void
program_disconnect(ProgramConnection *connection)
{
	PQfinish(connection->conn);
	config_free(connection->config);
	connection->conn = NULL;
	connection->config = NULL;
}
