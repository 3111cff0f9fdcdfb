/* row_writer.c: one transaction per batch, COPY per table (see row_writer.h). */
#include "load/row_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/db.h"
#include "common/log.h"
#include "common/retry.h"

/* Column lists of the COPY statements: ids first, then the generated values. */
static const char *const copy_statements[DEMO_TABLE_COUNT] = {
	"COPY event_logs (id, event_type, user_id, event_data, ip_address, created_at) FROM STDIN",
	"COPY users_distributed (id, username, email, country_code, registration_date, status) "
	"FROM STDIN",
	"COPY orders_by_region (id, order_number, user_id, product_id, region, order_total, "
	"order_status, created_at) FROM STDIN",
	"COPY sales_data (id, sale_date, product_category, product_id, quantity, unit_price, "
	"total_amount, store_id) FROM STDIN",
};

/*
 * Draws the batch's ids from each table's own sequence in one round trip,
 * tagged with the table's position.  The sequence is resolved by name each
 * time: a re-partitioning scenario may have swapped the table and its sequence.
 */
static const char *const id_query =
	"SELECT 0, pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('event_logs', 'id'))"
	"  FROM pg_catalog.generate_series(1, $1::int)"
	" UNION ALL "
	"SELECT 1, pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('users_distributed', 'id'))"
	"  FROM pg_catalog.generate_series(1, $2::int)"
	" UNION ALL "
	"SELECT 2, pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('orders_by_region', 'id'))"
	"  FROM pg_catalog.generate_series(1, $3::int)"
	" UNION ALL "
	"SELECT 3, pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('sales_data', 'id'))"
	"  FROM pg_catalog.generate_series(1, $4::int)";

/* A row of each table needs at most this much COPY text (escaped worst case). */
#define MAX_ROW_TEXT 1024

RowBatch *
row_batch_new(size_t capacity)
{
	RowBatch   *batch = calloc(1, sizeof(RowBatch));
	bool		ok;

	if (!batch)
		return NULL;
	batch->capacity = capacity;
	batch->events = calloc(capacity, sizeof(EventLogRow));
	batch->users = calloc(capacity, sizeof(UserRow));
	batch->orders = calloc(capacity, sizeof(OrderRow));
	batch->sales = calloc(capacity, sizeof(SaleRow));
	ok = batch->events && batch->users && batch->orders && batch->sales;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		ok = ok && (batch->ids[t] = calloc(capacity, sizeof(long long))) != NULL &&
			(batch->checksums[t] = calloc(capacity, ROW_CHECKSUM_SIZE)) != NULL;
	if (!ok)
	{
		row_batch_free(batch);
		return NULL;
	}
	return batch;
}

void
row_batch_free(RowBatch *batch)
{
	if (!batch)
		return;
	free(batch->events);
	free(batch->users);
	free(batch->orders);
	free(batch->sales);
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		free(batch->ids[t]);
		free(batch->checksums[t]);
	}
	free(batch);
}

void
row_batch_fill(RowBatch *batch, DataGenerator *gen, size_t rows)
{
	memset(batch->count, 0, sizeof(batch->count));
	batch->ids_assigned = false;
	batch->checksums_ready = false;
	if (rows > batch->capacity)
		rows = batch->capacity;
	for (size_t i = 0; i < rows; i++)
	{
		DemoTable	table = data_generator_pick_table(gen);
		size_t		n = batch->count[table]++;

		switch (table)
		{
			case DEMO_EVENT_LOGS:
				data_generator_event_log(gen, &batch->events[n]);
				break;
			case DEMO_USERS_DISTRIBUTED:
				data_generator_user(gen, &batch->users[n]);
				break;
			case DEMO_ORDERS_BY_REGION:
				data_generator_order(gen, &batch->orders[n]);
				break;
			default:
				data_generator_sale(gen, &batch->sales[n]);
				break;
		}
	}
}

size_t
row_batch_total(const RowBatch *batch)
{
	size_t		total = 0;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		total += batch->count[t];
	return total;
}

size_t
row_writer_escape_copy(const char *value, char *out, size_t cap)
{
	size_t		len = 0;

	for (const char *p = value; *p; p++)
	{
		const char *escaped = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" :
			*p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
		size_t		need = escaped ? 2 : 1;

		if (len + need + 1 > cap)
		{
			out[0] = '\0';
			return 0;
		}
		if (escaped)
			memcpy(out + len, escaped, 2);
		else
			out[len] = *p;
		len += need;
	}
	out[len] = '\0';
	return len;
}

/* Appends the values as one COPY text line: escaped, tab-separated; "" is NULL. */
static size_t
format_line(char *out, long long id, const char *const *values, int nvalues)
{
	size_t		len = (size_t) sprintf(out, "%lld", id);

	for (int i = 0; i < nvalues; i++)
	{
		out[len++] = '\t';
		if (values[i][0] == '\0')
		{
			memcpy(out + len, "\\N", 2);
			len += 2;
		}
		else
			len += row_writer_escape_copy(values[i], out + len, MAX_ROW_TEXT / 2);
	}
	out[len++] = '\n';
	return len;
}

static size_t
format_row(const RowBatch *batch, DemoTable table, size_t i, char *out)
{
	long long	id = batch->ids[table][i];

	switch (table)
	{
		case DEMO_EVENT_LOGS:
			{
				const EventLogRow *r = &batch->events[i];
				const char *v[] = {r->event_type, r->user_id, r->event_data, r->ip_address,
				r->created_at};

				return format_line(out, id, v, 5);
			}
		case DEMO_USERS_DISTRIBUTED:
			{
				const UserRow *r = &batch->users[i];
				const char *v[] = {r->username, r->email, r->country_code,
				r->registration_date, r->status};

				return format_line(out, id, v, 5);
			}
		case DEMO_ORDERS_BY_REGION:
			{
				const OrderRow *r = &batch->orders[i];
				const char *v[] = {r->order_number, r->user_id, r->product_id, r->region,
				r->order_total, r->order_status, r->created_at};

				return format_line(out, id, v, 7);
			}
		default:
			{
				const SaleRow *r = &batch->sales[i];
				const char *v[] = {r->sale_date, r->product_category, r->product_id,
				r->quantity, r->unit_price, r->total_amount, r->store_id};

				return format_line(out, id, v, 7);
			}
	}
}

/* What the failure in error means for the batch. */
static WriteOutcome
classify(PGconn *conn, const Error *error)
{
	const char *sqlstate = error->sqlstate;

	if (PQstatus(conn) != CONNECTION_OK)
		return WRITE_CONNECTION_LOST;
	if (retry_sqlstate_retryable(error->sqlstate))
		return WRITE_RETRY;
	/* a server shutting down (57P01..57P03) drops the connection right after */
	if (strncmp(sqlstate, "57P0", 4) == 0)
		return WRITE_CONNECTION_LOST;
	return WRITE_FAILED;
}

/* Runs a command; on failure classifies it. */
static WriteOutcome
command(PGconn *conn, const char *sql, Error *error)
{
	return db_try_command(conn, sql, error) ? WRITE_OK : classify(conn, error);
}

static WriteOutcome
assign_ids(PGconn *conn, RowBatch *batch, Error *error)
{
	char		counts[DEMO_TABLE_COUNT][24];
	const char *params[DEMO_TABLE_COUNT];
	size_t		filled[DEMO_TABLE_COUNT] = {0};
	PGresult   *res;
	WriteOutcome outcome = WRITE_OK;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		snprintf(counts[t], sizeof(counts[t]), "%zu", batch->count[t]);
		params[t] = counts[t];
	}
	if (!(res = db_try_query(conn, id_query, DEMO_TABLE_COUNT, params, error)))
		return classify(conn, error);
	if ((size_t) PQntuples(res) != row_batch_total(batch))
	{
		error_set(error, "the sequences gave %d ids for %zu rows", PQntuples(res),
				  row_batch_total(batch));
		outcome = WRITE_FAILED;
	}
	else
		for (int row = 0; row < PQntuples(res); row++)
		{
			int			t = atoi(PQgetvalue(res, row, 0));

			if (t >= 0 && t < DEMO_TABLE_COUNT && filled[t] < batch->count[t])
				batch->ids[t][filled[t]++] = strtoll(PQgetvalue(res, row, 1), NULL, 10);
		}
	PQclear(res);
	if (outcome == WRITE_OK)
		batch->ids_assigned = true;
	return outcome;
}

/* The table's rows as COPY text, in one buffer. */
static WriteOutcome
copy_table(PGconn *conn, const RowBatch *batch, DemoTable table, Error *error)
{
	char	   *buffer = malloc(batch->count[table] * MAX_ROW_TEXT);
	size_t		len = 0;
	bool		ok;

	if (!buffer)
	{
		error_set(error, "out of memory");
		return WRITE_FAILED;
	}
	for (size_t i = 0; i < batch->count[table]; i++)
		len += format_row(batch, table, i, buffer + len);
	ok = db_copy_in(conn, copy_statements[table], buffer, len, error);
	free(buffer);
	return ok ? WRITE_OK : classify(conn, error);
}

/*
 * The arguments of partition_demo.ledger_checksums(): each table's ids, and
 * the partition keys as written (they let each look-up search one partition).
 */
enum
{
	ARG_EVENT_IDS, ARG_EVENT_TIMES, ARG_USER_IDS, ARG_ORDER_IDS, ARG_ORDER_REGIONS,
	ARG_SALE_IDS, ARG_SALE_DATES, ARG_SALE_CATEGORIES, CHECKSUM_ARGS
};

static const DemoTable arg_table[CHECKSUM_ARGS] = {
	DEMO_EVENT_LOGS, DEMO_EVENT_LOGS, DEMO_USERS_DISTRIBUTED, DEMO_ORDERS_BY_REGION,
	DEMO_ORDERS_BY_REGION, DEMO_SALES_DATA, DEMO_SALES_DATA, DEMO_SALES_DATA
};

static const char *
key_value(const RowBatch *batch, int arg, size_t i)
{
	switch (arg)
	{
		case ARG_EVENT_TIMES:
			return batch->events[i].created_at;
		case ARG_ORDER_REGIONS:
			return batch->orders[i].region;
		case ARG_SALE_DATES:
			return batch->sales[i].sale_date;
		default:
			return batch->sales[i].product_category;
	}
}

/* An argument of ledger_checksums() and the batch it is taken from. */
typedef struct ArgumentOf
{
	const RowBatch *batch;
	int			arg;
} ArgumentOf;

/* Element i of an argument: an id as a number, a key quoted. */
static void
put_argument_element(FILE *out, size_t i, const void *arg)
{
	const ArgumentOf *of = arg;
	DemoTable	table = arg_table[of->arg];

	if (of->arg == ARG_EVENT_IDS || of->arg == ARG_USER_IDS || of->arg == ARG_ORDER_IDS ||
		of->arg == ARG_SALE_IDS)
		fprintf(out, "%lld", of->batch->ids[table][i]);
	else
		db_put_array_element(out, key_value(of->batch, of->arg, i));
}

/* One argument as an array literal, every text element quoted; caller frees. */
static char *
argument_array(const RowBatch *batch, int arg)
{
	ArgumentOf	of = {batch, arg};

	return db_array_literal(batch->count[arg_table[arg]], put_argument_element, &of);
}

static void
free_arguments(char *args[CHECKSUM_ARGS])
{
	for (int a = 0; a < CHECKSUM_ARGS; a++)
		free(args[a]);
}

static bool
checksum_arguments(const RowBatch *batch, char *args[CHECKSUM_ARGS])
{
	bool		ok = true;

	for (int a = 0; a < CHECKSUM_ARGS; a++)
		ok = (args[a] = ok ? argument_array(batch, a) : NULL) != NULL && ok;
	if (!ok)
		free_arguments(args);
	return ok;
}

/* Copies ledger_checksums()'s rows into the batch; false unless each row got one. */
static bool
store_checksums(RowBatch *batch, const PGresult *res)
{
	size_t		stored = 0;

	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		for (size_t i = 0; i < batch->count[t]; i++)
			batch->checksums[t][i * ROW_CHECKSUM_SIZE] = '\0';
	if (PQnfields(res) != 3)
		return false;
	for (int row = 0; row < PQntuples(res); row++)
	{
		int			t = atoi(PQgetvalue(res, row, 0));
		long long	position = strtoll(PQgetvalue(res, row, 1), NULL, 10);
		const char *checksum = PQgetvalue(res, row, 2);
		char	   *slot;

		if (t < 0 || t >= DEMO_TABLE_COUNT || position < 1 ||
			(size_t) position > batch->count[t] || strlen(checksum) != ROW_CHECKSUM_SIZE - 1)
			return false;
		slot = batch->checksums[t] + (size_t) (position - 1) * ROW_CHECKSUM_SIZE;
		stored += slot[0] == '\0';
		memcpy(slot, checksum, ROW_CHECKSUM_SIZE);
	}
	return stored == row_batch_total(batch);
}

#define CHECKSUM_QUERY "SELECT table_index, row_position, checksum FROM partition_demo.ledger_checksums("

/* The SELECT of the checksums with its arguments as escaped literals, then COMMIT. */
static char *
checksum_and_commit_sql(PGconn *conn, const RowBatch *batch)
{
	char	   *args[CHECKSUM_ARGS];
	char	   *sql = NULL;
	size_t		len = 0;
	FILE	   *out;
	bool		ok = true;

	if (!checksum_arguments(batch, args))
		return NULL;
	if (!(out = open_memstream(&sql, &len)))
	{
		free_arguments(args);
		return NULL;
	}
	fputs(CHECKSUM_QUERY, out);
	for (int a = 0; ok && a < CHECKSUM_ARGS; a++)
	{
		char	   *literal = PQescapeLiteral(conn, args[a], strlen(args[a]));

		if (!(ok = literal != NULL))
			break;
		fprintf(out, "%s%s", a ? ", " : "", literal);
		PQfreemem(literal);
	}
	fputs("); COMMIT", out);
	free_arguments(args);
	if (fclose(out) != 0 || !ok)
	{
		free(sql);
		return NULL;
	}
	return sql;
}

/*
 * The batch's checksums and its COMMIT in one round trip: two statements in
 * one simple query, the SELECT inside the transaction.  If the SELECT fails,
 * the server skips the COMMIT and the transaction stays open, aborted.  The
 * outcome is the COMMIT's; checksums_ready says whether the checksums came.
 */
static WriteOutcome
commit_with_checksums(PGconn *conn, RowBatch *batch, Error *error)
{
	char	   *sql = checksum_and_commit_sql(conn, batch);
	PGresult   *results[2];		/* the checksums, the COMMIT */
	bool		ok;

	if (!sql)
	{
		error_set(error, "out of memory");
		return WRITE_FAILED;
	}
	ok = db_run_statements(conn, sql, results, 2, error);
	free(sql);
	if (!ok)
		return classify(conn, error);
	/* committed without them (a wrong answer): the ledger reads them again */
	batch->checksums_ready = store_checksums(batch, results[0]);
	db_clear_results(results, 2);
	return WRITE_OK;
}

bool
row_writer_fetch_checksums(PGconn *conn, RowBatch *batch)
{
	char	   *args[CHECKSUM_ARGS];
	PGresult   *res;
	bool		ok;

	batch->checksums_ready = false;
	if (!checksum_arguments(batch, args))
	{
		log_error("out of memory");
		return false;
	}
	res = db_query(conn, CHECKSUM_QUERY "$1, $2, $3, $4, $5, $6, $7, $8)", CHECKSUM_ARGS,
				   (const char *const *) args);
	free_arguments(args);
	if (!res)
		return false;
	if (!(ok = store_checksums(batch, res)))
		log_error("partition_demo.ledger_checksums() did not return one checksum per row");
	PQclear(res);
	batch->checksums_ready = ok;
	return ok;
}

WriteOutcome
row_writer_write(PGconn *conn, RowBatch *batch, Error *error)
{
	WriteOutcome outcome;

	error_clear(error);
	batch->checksums_ready = false;
	if (row_batch_total(batch) == 0)
	{
		batch->checksums_ready = true;	/* none needed */
		return WRITE_OK;
	}
	/* ids are drawn once per batch and reused on retry: never the same id twice */
	if (!batch->ids_assigned && (outcome = assign_ids(conn, batch, error)) != WRITE_OK)
		return outcome;
	if ((outcome = command(conn, "BEGIN", error)) != WRITE_OK)
		return outcome;
	for (int t = 0; t < DEMO_TABLE_COUNT && outcome == WRITE_OK; t++)
		if (batch->count[t] > 0)
			outcome = copy_table(conn, batch, t, error);
	if (outcome == WRITE_OK)
		outcome = batch->want_checksums ? commit_with_checksums(conn, batch, error) :
			command(conn, "COMMIT", error);
	/* a failed COMMIT ended the transaction; anything else before it did not */
	if (outcome != WRITE_OK && PQstatus(conn) == CONNECTION_OK &&
		PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		Error		ignored;

		command(conn, "ROLLBACK", &ignored);
	}
	return outcome;
}

int
row_writer_batch_committed(PGconn *conn, const RowBatch *batch)
{
	static const char *const exists_query[DEMO_TABLE_COUNT] = {
		"SELECT EXISTS (SELECT FROM event_logs WHERE id = $1)",
		"SELECT EXISTS (SELECT FROM users_distributed WHERE id = $1)",
		"SELECT EXISTS (SELECT FROM orders_by_region WHERE id = $1)",
		"SELECT EXISTS (SELECT FROM sales_data WHERE id = $1)",
	};

	if (!batch->ids_assigned)
		return 0;
	/* all or nothing: one row of the batch tells about all of them */
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		char		id[24];
		const char *params[1] = {id};
		PGresult   *res;
		int			committed;

		if (batch->count[t] == 0)
			continue;
		snprintf(id, sizeof(id), "%lld", batch->ids[t][0]);
		if (!(res = db_query(conn, exists_query[t], 1, params)))
			return -1;
		committed = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		return committed;
	}
	return 0;
}
