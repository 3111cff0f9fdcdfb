/*
 * program_connect.h: what every program that talks to the server does
 * before its own work: read the configuration, connect with it, and tell
 * which exit status a failure is (2 for the configuration, 1 for the
 * connection, as common/program.h counts them).
 */
#ifndef PROGRAM_CONNECT_H
#define PROGRAM_CONNECT_H

#include <libpq-fe.h>

#include "common/config.h"

/*
 * Loads the configuration into *config and connects into *conn (see
 * db_connect).  Returns PROGRAM_EXIT_OK, or after the failure was reported
 * PROGRAM_EXIT_USAGE (the configuration: *config NULL) or
 * PROGRAM_EXIT_FAILURE (the connection: *conn NULL).  The caller frees both.
 */
int			program_connect(const char *application_name, Config **config, PGconn **conn);

#endif
