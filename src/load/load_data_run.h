/*
 * load_data_run.h: load-data's run around its main loop (load_runner.h):
 * the session and the tables it needs first, then the ledger, the start
 * line, SIGINT/SIGTERM, the loop and the final report.
 */
#ifndef LOAD_DATA_RUN_H
#define LOAD_DATA_RUN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "common/config.h"
#include "load/load_runner.h"

/*
 * The session settings (load_runner_prepare_session) and the four tables,
 * plain or partitioned: writers keep writing during an online migration.
 * False when either failed (reported).
 */
bool		load_data_prepare(PGconn *conn, const LoadOptions *options);

/*
 * Writes until stopped, the duration is over or --rows are committed: opens
 * the ledger of --ledger (refused when it is another database's), says what
 * it does, stops cleanly on the first SIGINT/SIGTERM (a second one exits
 * 130 at once), prints the summary.  *connp may be replaced by a reconnect.
 * False when the run failed or rows were lost (reported).
 */
bool		load_data_write(PGconn **connp, const Config *config, const LoadOptions *options);

#endif
