/*
 * program_connect.h: what every program that talks to the server does
 * around its own work: read the configuration, connect with it, tell which
 * exit status a failure is (2 for the configuration, 1 for the connection,
 * as common/program.h counts them), and close both at the end.
 */
#ifndef PROGRAM_CONNECT_H
#define PROGRAM_CONNECT_H

#include <libpq-fe.h>

#include "common/config.h"

typedef struct ProgramConnection
{
	Config	   *config;
	PGconn	   *conn;
} ProgramConnection;

/*
 * Loads the configuration and connects with it (see db_connect).  Returns
 * PROGRAM_EXIT_OK, or after the failure was reported PROGRAM_EXIT_USAGE (the
 * configuration: config NULL) or PROGRAM_EXIT_FAILURE (the connection: conn
 * NULL).  program_disconnect() frees what it got in every case.
 */
int			program_connect(const char *application_name, ProgramConnection *connection);

/* Closes the connection and frees the configuration (either may be NULL). */
void		program_disconnect(ProgramConnection *connection);

#endif
