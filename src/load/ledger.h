/*
 * ledger.h: the record of committed rows that proves nothing was lost, or
 * changed.
 *
 * load-data --ledger FILE appends, for every committed row, one line
 *
 *     <table>\t<id>\t<checksum>
 *
 * after the COMMIT succeeded (so the ledger never claims a row the database
 * may not have).  The checksum is partition_demo.row_checksum() of the row,
 * computed in the batch's transaction just before COMMIT: its content as
 * committed.  Each run first writes a header line naming the database:
 *
 *     # load-data ledger v2\tdatabase_id=<uuid>\tsystem_identifier=<n>\t
 *       database_oid=<n>\tdatabase=<name>\tstarted=<time>
 *
 * (one line; the id is partition_demo.database_identity's, given to the
 * database by setup-database).  A run refuses to append to a ledger of
 * another database.  --verify FILE reads it back and checks every row:
 * present, and with the same content.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stdbool.h>
#include <stdio.h>
#include <libpq-fe.h>

#include "load/data_generator.h"
#include "load/row_writer.h"

#define LEDGER_FORMAT_VERSION 2
#define LEDGER_HEADER_PREFIX "# load-data ledger v"

/*
 * Verification fails when more than this share of a ledger's lines are
 * malformed (lines cut short at the end of a run by a crash not counted).
 */
#define LEDGER_MAX_MALFORMED_SHARE 0.01

/* Which database a ledger belongs to (from partition_demo.ledger_identity()). */
typedef struct LedgerIdentity
{
	char		database_id[40];	/* uuid */
	char		system_identifier[24];	/* "" when not known */
	char		database_oid[16];
	char		database_name[160]; /* COPY-escaped: no tab or newline */
} LedgerIdentity;

typedef enum LedgerMatch
{
	LEDGER_SAME_DATABASE,
	LEDGER_COPY,				/* same id, another OID or cluster: a copy or a restore */
	LEDGER_OTHER_DATABASE
} LedgerMatch;

/*
 * Reads this database's identity; reports and returns false when it has none
 * (set up by an older version: the hint says how to add it).
 */
bool		ledger_identity_fetch(PGconn *conn, LedgerIdentity *identity);

/* How a ledger's identity relates to a database's. */
LedgerMatch ledger_identity_match(const LedgerIdentity *ledger, const LedgerIdentity *database);

/* The header line of a run (with its newline) into out; false if it does not fit. */
bool		ledger_format_header(const LedgerIdentity *identity, const char *started,
								 char *out, size_t cap);

/*
 * Parses a header line: 0 when line is no header, -1 when it is a damaged
 * one, else its format version (and, for LEDGER_FORMAT_VERSION, identity is
 * filled).
 */
int			ledger_parse_header(const char *line, LedgerIdentity *identity);

/* Parses one row line; false when malformed.  checksum receives 32 hex digits. */
bool		ledger_parse_line(const char *line, DemoTable *table, long long *id, char checksum[33]);

typedef struct Ledger Ledger;

/*
 * Opens FILE for appending a run on the database of identity: refuses
 * (reported, NULL) a file that is not a ledger, or a ledger of another
 * database.  Writes the run's header.
 */
Ledger	   *ledger_open(const char *path, const LedgerIdentity *identity);

/*
 * Appends the batch's rows (ids and checksums, which must be ready) in one
 * write, so that concurrent runs on one file never interleave inside a line.
 */
bool		ledger_append(Ledger *ledger, const RowBatch *batch);

/* The database the ledger's run is written for. */
const LedgerIdentity *ledger_identity(const Ledger *ledger);

void		ledger_close(Ledger *ledger);

/* missing and changed ids kept per table, to be shown */
#define LEDGER_SHOW_IDS 10

typedef struct LedgerVerifyResult
{
	long long	checked[DEMO_TABLE_COUNT];
	long long	missing[DEMO_TABLE_COUNT];
	long long	changed[DEMO_TABLE_COUNT];
	long long	shown_missing[DEMO_TABLE_COUNT][LEDGER_SHOW_IDS];	/* the first ones, by id */
	long long	shown_changed[DEMO_TABLE_COUNT][LEDGER_SHOW_IDS];
	long long	lines;			/* all lines, headers included */
	long long	runs;			/* header lines */
	long long	malformed_lines;	/* not counting cut_lines */
	long long	first_malformed_line;	/* its line number, 0 if none */
	long long	cut_lines;		/* malformed last lines of a run: a crash while writing */
	bool		no_header;		/* the first line is not a header of this format */
	int			header_version; /* of the first line, 0 when it is no header */
	long long	foreign_line;	/* line of a header of another database, 0 if none */
	LedgerIdentity ledger;		/* of the first header */
	LedgerMatch match;			/* of the ledger's database to the connected one */
} LedgerVerifyResult;

/*
 * Checks every row of the ledger at path against the database of identity:
 * present, and with the content it had.  Rows are only looked up when the
 * ledger has a header of this database (or of a copy of it).  Returns false
 * on an I/O or database error (reported); result tells what was found.
 */
bool		ledger_verify(PGconn *conn, const char *path, const LedgerIdentity *identity,
						  LedgerVerifyResult *result);

/* Why a verification fails: any of these bits, 0 when it passes. */
typedef enum LedgerFailure
{
	LEDGER_FAIL_EMPTY = 1 << 0,	/* no line at all */
	LEDGER_FAIL_NO_HEADER = 1 << 1, /* not a ledger of this format */
	LEDGER_FAIL_FOREIGN = 1 << 2,	/* a ledger of another database */
	LEDGER_FAIL_NOTHING_CHECKED = 1 << 3,
	LEDGER_FAIL_MALFORMED = 1 << 4, /* more than LEDGER_MAX_MALFORMED_SHARE */
	LEDGER_FAIL_MISSING = 1 << 5,
	LEDGER_FAIL_CHANGED = 1 << 6	/* unless changes are allowed */
} LedgerFailure;

/* The failures of a verification (0: it passed). */
unsigned	ledger_failures(const LedgerVerifyResult *result, bool allow_changed);

#endif
