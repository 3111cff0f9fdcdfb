/*
 * ledger_report.h: load-data --verify: checks a ledger against the database
 * (ledger.h) and reports it: one line per table and a summary on stdout, the
 * missing and changed rows (the first few of each table) and why a ledger
 * could not be checked on stderr.
 */
#ifndef LEDGER_REPORT_H
#define LEDGER_REPORT_H

#include <stdbool.h>
#include <libpq-fe.h>

/*
 * Verifies the ledger at path on conn and reports it.  True when every row
 * was found unchanged (changed rows are reported but allowed with
 * allow_changed); false otherwise, or when nothing could be checked.
 */
bool		ledger_report_verify(PGconn *conn, const char *path, bool allow_changed);

#endif
