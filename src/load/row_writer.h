/*
 * row_writer.h: write a batch of generated rows, all four tables in one
 * transaction, through the partitioned parents (so PostgreSQL routes every
 * row to its partition).
 *
 * Rows go in with COPY FROM STDIN, the fastest path libpq offers (measured
 * against multi-row INSERT: see docs/performance.md).  COPY returns no ids, so
 * each table's ids are drawn from its own sequence first, in one round trip;
 * the batch keeps them, which gives the ledger its keys and makes a retry
 * after a lost connection decidable: the batch committed exactly when its
 * first row exists.
 *
 * For the ledger, a batch can also bring back the content checksum of each of
 * its rows as committed (partition_demo.ledger_checksums()), read in its own
 * transaction and sent in the same round trip as the COMMIT: no round trip
 * more per batch, none per row.
 */
#ifndef ROW_WRITER_H
#define ROW_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "common/error.h"
#include "load/data_generator.h"

typedef struct RowBatch
{
	size_t		capacity;		/* rows per table at most */
	size_t		count[DEMO_TABLE_COUNT];
	EventLogRow *events;
	UserRow    *users;
	OrderRow   *orders;
	SaleRow    *sales;
	long long  *ids[DEMO_TABLE_COUNT];
	bool		ids_assigned;	/* kept across retries of the same batch */
	bool		want_checksums; /* read them back at COMMIT (set once, for a ledger) */
	bool		checksums_ready;	/* of the rows as committed, by the last write */
	char	   *checksums[DEMO_TABLE_COUNT];	/* ROW_CHECKSUM_SIZE bytes per row */
} RowBatch;

/* 32 hex digits and a terminating zero */
#define ROW_CHECKSUM_SIZE 33

typedef enum WriteOutcome
{
	WRITE_OK,					/* committed */
	WRITE_RETRY,				/* lock timeout, deadlock, serialization: try again */
	WRITE_CONNECTION_LOST,		/* reconnect, then ask row_writer_batch_committed */
	WRITE_FAILED				/* the rows were rejected; the reason in the Error */
} WriteOutcome;

RowBatch   *row_batch_new(size_t capacity);
void		row_batch_free(RowBatch *batch);

/* Generates rows rows (at most capacity) in the spec's mix; forgets old ids. */
void		row_batch_fill(RowBatch *batch, DataGenerator *gen, size_t rows);

size_t		row_batch_total(const RowBatch *batch);

/*
 * One transaction: ids (first time), COPY per table, COMMIT (with the
 * checksums, when the batch wants them).  Reports nothing: every outcome but
 * WRITE_OK leaves its failure in error (not NULL) for the caller, which
 * decides (retry, reconnect, count it as failed).
 */
WriteOutcome row_writer_write(PGconn *conn, RowBatch *batch, Error *error);

/*
 * After a lost connection: 1 when the batch committed (its first row exists),
 * 0 when it did not, -1 on error (reported).
 */
int			row_writer_batch_committed(PGconn *conn, const RowBatch *batch);

/*
 * After a batch whose COMMIT answer was lost turned out committed: reads its
 * rows' checksums now (reported on failure).
 */
bool		row_writer_fetch_checksums(PGconn *conn, RowBatch *batch);

/*
 * Escapes value for COPY's text format (backslash, tab, newline, carriage
 * return) into out; returns the length written, or 0 with out empty if it
 * does not fit (cap must allow the worst case of 2 bytes per byte + 1).
 */
size_t		row_writer_escape_copy(const char *value, char *out, size_t cap);

#endif
