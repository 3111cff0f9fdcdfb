/*
 * ledger.h: the record of committed rows that proves nothing was lost.
 *
 * load-data --ledger FILE appends one line per committed row, "<table>\t<id>",
 * after the COMMIT succeeded (so the ledger never claims a row the database
 * may not have).  --verify FILE reads it back and checks that every row is
 * present in its table.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stdbool.h>
#include <stdio.h>
#include <libpq-fe.h>

#include "data_generator.h"

typedef struct Ledger Ledger;

/* Opens FILE for appending; reports and returns NULL on failure. */
Ledger	   *ledger_open(const char *path);

/* Appends count ids of table and flushes to the operating system. */
bool		ledger_append(Ledger *ledger, DemoTable table, const long long *ids, size_t count);

void		ledger_close(Ledger *ledger);

typedef struct LedgerVerifyResult
{
	long long	checked[DEMO_TABLE_COUNT];
	long long	missing[DEMO_TABLE_COUNT];
	long long	malformed_lines;
} LedgerVerifyResult;

/*
 * Checks every row of the ledger at path against the database, printing up to
 * a few missing ids per table on stderr.  Returns false on an I/O or database
 * error (reported); result tells how many rows were checked and missing.
 */
bool		ledger_verify(PGconn *conn, const char *path, LedgerVerifyResult *result);

/* Parses one ledger line; false when malformed. */
bool		ledger_parse_line(const char *line, DemoTable *table, long long *id);

#endif
