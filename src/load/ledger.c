/* ledger.c: append committed rows with their checksums, verify them later (see ledger.h). */
#include "load/ledger.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pg/db.h"
#include "pg/lock_holder.h"
#include "common/log.h"

/* rows per verification query: large enough to be fast, small enough for one array */
#define VERIFY_CHUNK 10000
/* the longest row line: table name, tab, id, tab, checksum, newline */
#define MAX_ROW_LINE 80
/* how much of a file's start is read to find its header */
#define HEADER_READ 4096

struct Ledger
{
	int			fd;
	char	   *path;
	LedgerIdentity identity;
};

/* ---- identity ---------------------------------------------------------- */

static bool
copy_field(char *dest, size_t cap, const char *value)
{
	size_t		len = strlen(value);

	if (len >= cap)
		return false;
	memcpy(dest, value, len + 1);
	return true;
}

bool
ledger_identity_fetch(PGconn *conn, LedgerIdentity *identity)
{
	Error		error;
	PGresult   *res = db_try_query(conn, "SELECT database_id, system_identifier, database_oid,"
								   " database_name FROM partition_demo.ledger_identity()",
								   0, NULL, &error);
	bool		ok;

	memset(identity, 0, sizeof(*identity));
	if (!res)
	{
		/*
		 * 3F000 no schema, 42883 no function: set up before ledgers had
		 * headers; 42P01: the identity table itself was dropped
		 */
		if (error_has_sqlstate(&error, "3F000") || error_has_sqlstate(&error, "42883") ||
			error_has_sqlstate(&error, "42P01"))
		{
			log_error("database \"%s\" has no identity for a ledger (no "
					  "partition_demo.ledger_identity() or partition_demo.database_identity)",
					  PQdb(conn));
			log_detail("a ledger names the database it was written on; bin/setup-database "
					   "gives the database its identity");
			log_hint("run bin/setup-database: on a database that is already set up it only "
					 "refreshes the helper functions (and says that everything is applied)");
		}
		else
			error_report(&error);
		return false;
	}
	ok = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
		copy_field(identity->database_id, sizeof(identity->database_id), PQgetvalue(res, 0, 0)) &&
		copy_field(identity->system_identifier, sizeof(identity->system_identifier),
				   PQgetvalue(res, 0, 1)) &&
		copy_field(identity->database_oid, sizeof(identity->database_oid), PQgetvalue(res, 0, 2));
	/* escaped: a name may hold a tab or a newline, a header line may not */
	if (ok)
		row_writer_escape_copy(PQgetvalue(res, 0, 3), identity->database_name,
							   sizeof(identity->database_name));
	PQclear(res);
	if (!ok)
	{
		log_error("database \"%s\" has no identity row in partition_demo.database_identity",
				  PQdb(conn));
		log_hint("run bin/setup-database: it gives the database a new identity");
	}
	return ok;
}

LedgerMatch
ledger_identity_match(const LedgerIdentity *ledger, const LedgerIdentity *database)
{
	if (strcmp(ledger->database_id, database->database_id) != 0)
		return LEDGER_OTHER_DATABASE;
	if (strcmp(ledger->database_oid, database->database_oid) != 0 ||
		(ledger->system_identifier[0] && database->system_identifier[0] &&
		 strcmp(ledger->system_identifier, database->system_identifier) != 0))
		return LEDGER_COPY;
	return LEDGER_SAME_DATABASE;
}

/* ---- the file format --------------------------------------------------- */

bool
ledger_format_header(const LedgerIdentity *identity, const char *started, char *out, size_t cap)
{
	int			len = snprintf(out, cap,
							   LEDGER_HEADER_PREFIX "%d\tdatabase_id=%s\tsystem_identifier=%s"
							   "\tdatabase_oid=%s\tdatabase=%s\tstarted=%s\n",
							   LEDGER_FORMAT_VERSION, identity->database_id,
							   identity->system_identifier[0] ? identity->system_identifier : "unknown",
							   identity->database_oid, identity->database_name, started);

	return len > 0 && (size_t) len < cap;
}

static bool
all_of(const char *text, const char *allowed, size_t min, size_t max)
{
	size_t		len = strlen(text);

	return len >= min && len <= max && strspn(text, allowed) == len;
}

/* Fills identity from the header's "key=value" fields; false when one is missing or bad. */
static bool
parse_header_fields(char *fields, LedgerIdentity *identity)
{
	bool		id = false,
				system = false,
				oid = false,
				name = false;
	char	   *save = NULL;

	memset(identity, 0, sizeof(*identity));
	for (char *field = strtok_r(fields, "\t", &save); field; field = strtok_r(NULL, "\t", &save))
	{
		char	   *value = strchr(field, '=');

		if (!value)
			return false;
		*value++ = '\0';
		if (strcmp(field, "database_id") == 0)
			id = all_of(value, "0123456789abcdef-", 36, 36) &&
				copy_field(identity->database_id, sizeof(identity->database_id), value);
		else if (strcmp(field, "system_identifier") == 0)
			system = strcmp(value, "unknown") == 0 ||
				(all_of(value, "0123456789", 1, 20) &&
				 copy_field(identity->system_identifier, sizeof(identity->system_identifier), value));
		else if (strcmp(field, "database_oid") == 0)
			oid = all_of(value, "0123456789", 1, 10) &&
				copy_field(identity->database_oid, sizeof(identity->database_oid), value);
		else if (strcmp(field, "database") == 0)
			name = copy_field(identity->database_name, sizeof(identity->database_name), value);
		/* other fields (started=) are for the reader */
	}
	return id && system && oid && name;
}

int
ledger_parse_header(const char *line, LedgerIdentity *identity)
{
	size_t		prefix = strlen(LEDGER_HEADER_PREFIX);
	char	   *copy,
			   *end;
	long		version;
	bool		ok;

	if (strncmp(line, LEDGER_HEADER_PREFIX, prefix) != 0)
		return 0;
	errno = 0;
	version = strtol(line + prefix, &end, 10);
	if (errno != 0 || end == line + prefix || version <= 0 || version > 1000 ||
		(*end != '\t' && *end != '\n' && *end != '\0'))
		return -1;
	if (version != LEDGER_FORMAT_VERSION)
		return (int) version;
	if (*end != '\t' || !(copy = strdup(end + 1)))
		return -1;
	copy[strcspn(copy, "\n")] = '\0';
	ok = parse_header_fields(copy, identity);
	free(copy);
	return ok ? LEDGER_FORMAT_VERSION : -1;
}

bool
ledger_parse_line(const char *line, DemoTable *table, long long *id, char checksum[33])
{
	const char *tab = strchr(line, '\t');
	const char *sum;
	char	   *end;

	if (!tab)
		return false;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		const char *name = demo_table_name(t);

		if ((size_t) (tab - line) != strlen(name) || strncmp(line, name, strlen(name)) != 0)
			continue;
		if (!isdigit((unsigned char) tab[1]))
			return false;
		errno = 0;
		*id = strtoll(tab + 1, &end, 10);
		if (errno != 0 || *id <= 0 || *end != '\t')
			return false;
		sum = end + 1;
		if (strspn(sum, "0123456789abcdef") != 32 || (sum[32] != '\0' && strcmp(sum + 32, "\n") != 0))
			return false;
		memcpy(checksum, sum, 32);
		checksum[32] = '\0';
		*table = t;
		return true;
	}
	return false;
}

/* ---- appending --------------------------------------------------------- */

static bool
write_all(int fd, const char *data, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t) n;
	}
	return true;
}

static void
report_identity(const char *whose, const LedgerIdentity *identity)
{
	log_detail("%s: database \"%s\", id %s, OID %s, cluster %s", whose, identity->database_name,
			   identity->database_id, identity->database_oid,
			   identity->system_identifier[0] ? identity->system_identifier : "unknown");
}

/*
 * An existing ledger may be appended to when its first line is a header of
 * this database; reports why not otherwise.
 */
static bool
may_append(int fd, const char *path, const LedgerIdentity *identity)
{
	char		start[HEADER_READ + 1];
	ssize_t		n = pread(fd, start, HEADER_READ, 0);
	LedgerIdentity ledger;
	const char *newline;
	int			version;

	if (n < 0)
	{
		log_error("could not read ledger \"%s\": %s", path, strerror(errno));
		return false;
	}
	start[n] = '\0';
	if (n == 0)
		return true;
	newline = memchr(start, '\n', (size_t) n);
	version = newline && !memchr(start, '\0', (size_t) (newline - start)) ?
		ledger_parse_header(start, &ledger) : 0;
	if (version == LEDGER_FORMAT_VERSION &&
		ledger_identity_match(&ledger, identity) == LEDGER_SAME_DATABASE)
		return true;
	if (version == LEDGER_FORMAT_VERSION)
	{
		/* a copy has rows of its own from the moment it was made: no mixing either */
		log_error("ledger \"%s\" belongs to another database%s: its rows would be mixed with "
				  "this one's", path, ledger_identity_match(&ledger, identity) == LEDGER_COPY ?
				  " (a copy of this one, or its original)" : "");
		report_identity("the ledger's", &ledger);
		report_identity("this one", identity);
	}
	else if (version > 0)
		log_error("ledger \"%s\" is of format v%d; this load-data writes v%d", path, version,
				  LEDGER_FORMAT_VERSION);
	else
		log_error("\"%s\" is not empty and does not start with a ledger header%s", path,
				  version < 0 ? " (its header line is damaged)" : "");
	log_hint("give --ledger a new file");
	return false;
}

/* A line cut short by a crash stays a line of its own: the new run starts on a new line. */
static bool
end_with_newline(int fd)
{
	struct stat st;
	char		last;

	if (fstat(fd, &st) != 0)
		return false;
	if (st.st_size == 0)
		return true;
	if (pread(fd, &last, 1, st.st_size - 1) != 1)
		return false;
	return last == '\n' || write_all(fd, "\n", 1);
}

static bool
write_header(int fd, const LedgerIdentity *identity)
{
	char		started[32],
				header[512];
	time_t		now = time(NULL);
	struct tm	utc;

	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
	return ledger_format_header(identity, started, header, sizeof(header)) &&
		write_all(fd, header, strlen(header));
}

Ledger *
ledger_open(const char *path, const LedgerIdentity *identity)
{
	Ledger	   *ledger = calloc(1, sizeof(Ledger));
	bool		ok;

	if (!ledger || !(ledger->path = strdup(path)))
	{
		free(ledger);
		log_error("out of memory");
		return NULL;
	}
	/* O_APPEND: each batch is one write at the end, whoever else appends */
	ledger->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (ledger->fd < 0)
	{
		log_error("could not open ledger \"%s\": %s", path, strerror(errno));
		free(ledger->path);
		free(ledger);
		return NULL;
	}
	/* two runs starting on one new file: one header check and write at a time */
	if (flock(ledger->fd, LOCK_EX) != 0)
	{
		log_error("could not lock ledger \"%s\": %s", path, strerror(errno));
		ledger_close(ledger);
		return NULL;
	}
	ok = may_append(ledger->fd, path, identity);
	if (ok && !(end_with_newline(ledger->fd) && write_header(ledger->fd, identity)))
	{
		log_error("could not write ledger \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	flock(ledger->fd, LOCK_UN);
	if (!ok)
	{
		ledger_close(ledger);
		return NULL;
	}
	ledger->identity = *identity;
	return ledger;
}

const LedgerIdentity *
ledger_identity(const Ledger *ledger)
{
	return &ledger->identity;
}

bool
ledger_append(Ledger *ledger, const RowBatch *batch)
{
	size_t		total = row_batch_total(batch),
				len = 0;
	char	   *lines = malloc(total * MAX_ROW_LINE + 1);
	bool		ok;

	if (!lines)
	{
		log_error("out of memory");
		return false;
	}
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		for (size_t i = 0; i < batch->count[t]; i++)
			len += (size_t) snprintf(lines + len, MAX_ROW_LINE + 1, "%s\t%lld\t%s\n",
									 demo_table_name(t), batch->ids[t][i],
									 batch->checksums[t] + i * ROW_CHECKSUM_SIZE);
	/* one write per batch, right after its COMMIT: a crash loses at most this batch's claims */
	ok = write_all(ledger->fd, lines, len);
	if (!ok)
		log_error("could not write ledger \"%s\": %s", ledger->path, strerror(errno));
	free(lines);
	return ok;
}

void
ledger_close(Ledger *ledger)
{
	if (!ledger)
		return;
	if (close(ledger->fd) != 0)
		log_warning("could not close ledger \"%s\": %s", ledger->path, strerror(errno));
	free(ledger->path);
	free(ledger);
}

/* ---- verifying --------------------------------------------------------- */

typedef struct RowList
{
	long long  *ids;
	char	   *checksums;		/* ROW_CHECKSUM_SIZE bytes each */
	size_t		count;
	size_t		capacity;
} RowList;

static bool
row_list_push(RowList *list, long long id, const char *checksum)
{
	if (list->count == list->capacity)
	{
		size_t		capacity = list->capacity ? list->capacity * 2 : 1024;
		long long  *ids = realloc(list->ids, capacity * sizeof(long long));
		char	   *sums;

		if (!ids)
			return false;
		list->ids = ids;
		if (!(sums = realloc(list->checksums, capacity * ROW_CHECKSUM_SIZE)))
			return false;
		list->checksums = sums;
		list->capacity = capacity;
	}
	list->ids[list->count] = id;
	memcpy(list->checksums + list->count * ROW_CHECKSUM_SIZE, checksum, ROW_CHECKSUM_SIZE);
	list->count++;
	return true;
}

/* "{a,b}" of count elements, each from format (a number or a hex checksum); caller frees. */
static char *
array_literal(const RowList *list, size_t start, size_t count, bool checksums)
{
	char	   *text = malloc(count * 34 + 3);
	size_t		len = 0;

	if (!text)
		return NULL;
	text[len++] = '{';
	for (size_t i = start; i < start + count; i++)
	{
		if (i > start)
			text[len++] = ',';
		if (checksums)
		{
			memcpy(text + len, list->checksums + i * ROW_CHECKSUM_SIZE, ROW_CHECKSUM_SIZE - 1);
			len += ROW_CHECKSUM_SIZE - 1;
		}
		else
			len += (size_t) sprintf(text + len, "%lld", list->ids[i]);
	}
	text[len++] = '}';
	text[len] = '\0';
	return text;
}

/* Checks one table's rows in chunks; counts the missing and changed ones. */
static bool
verify_table(PGconn *conn, DemoTable table, const RowList *list, LedgerVerifyResult *result)
{
	const char *name = demo_table_name(table);

	for (size_t start = 0; start < list->count; start += VERIFY_CHUNK)
	{
		size_t		n = list->count - start < VERIFY_CHUNK ? list->count - start : VERIFY_CHUNK;
		char	   *ids = array_literal(list, start, n, false);
		char	   *sums = array_literal(list, start, n, true);
		const char *params[3] = {name, ids, sums};
		PGresult   *res = NULL;
		Error		error;

		if (ids && sums)
			res = db_try_query(conn, "SELECT id, problem"
							   "  FROM partition_demo.ledger_check($1, $2, $3)", 3, params, &error);
		else
			error_set(&error, "out of memory");
		free(ids);
		free(sums);
		if (!res)
		{
			const char *tables[2] = {name, NULL};

			error_report(&error);
			/* waited --lock-timeout (the session's lock_timeout) for a lock in vain */
			if (lock_holder_after_timeout(conn, &error, tables))
				log_hint("the ledger is not verified: end the transaction named above (or "
						 "wait for it) and run the verification again, or raise --lock-timeout");
			return false;
		}
		for (int row = 0; row < PQntuples(res); row++)
		{
			bool		missing = strcmp(PQgetvalue(res, row, 1), "missing") == 0;
			long long  *count = missing ? &result->missing[table] : &result->changed[table];
			long long  *shown = missing ? result->shown_missing[table] : result->shown_changed[table];

			if (*count < LEDGER_SHOW_IDS)
				shown[*count] = strtoll(PQgetvalue(res, row, 0), NULL, 10);
			(*count)++;
		}
		PQclear(res);
	}
	result->checked[table] = (long long) list->count;
	return true;
}

/* What reading the file found, before the database is asked. */
typedef struct LedgerReader
{
	LedgerVerifyResult *result;
	const LedgerIdentity *database;
	RowList		lists[DEMO_TABLE_COUNT];
	long long	pending_malformed;	/* line number of the malformed line just read */
	bool		pending_terminated; /* whether it ended with a newline */
	bool		stop;			/* no point reading on: not ours */
	bool		out_of_memory;
} LedgerReader;

/* The malformed line before: cut short at the end of a run, or malformed. */
static void
settle_pending(LedgerReader *reader, bool run_ended)
{
	LedgerVerifyResult *result = reader->result;

	if (!reader->pending_malformed)
		return;
	if (run_ended)
		result->cut_lines++;
	else
	{
		result->malformed_lines++;
		if (!result->first_malformed_line)
			result->first_malformed_line = reader->pending_malformed;
	}
	reader->pending_malformed = 0;
}

static void
read_header(LedgerReader *reader, const LedgerIdentity *header, long long line_no)
{
	LedgerVerifyResult *result = reader->result;

	result->runs++;
	if (line_no == 1)
	{
		result->ledger = *header;
		result->match = ledger_identity_match(header, reader->database);
		if (result->match == LEDGER_OTHER_DATABASE)
		{
			result->foreign_line = line_no;
			reader->stop = true;
		}
	}
	/* every run must be of the first run's database: no mixed ledgers */
	else if (ledger_identity_match(header, &result->ledger) != LEDGER_SAME_DATABASE)
	{
		result->foreign_line = line_no;
		reader->stop = true;
	}
}

static void
read_line(LedgerReader *reader, const char *line, size_t len, long long line_no)
{
	LedgerVerifyResult *result = reader->result;
	bool		terminated = len > 0 && line[len - 1] == '\n';
	bool		text = strlen(line) == len; /* no NUL byte inside */
	LedgerIdentity header;
	int			version = text ? ledger_parse_header(line, &header) : 0;
	DemoTable	table;
	long long	id;
	char		checksum[ROW_CHECKSUM_SIZE];

	result->lines++;
	if (line_no == 1)
	{
		result->header_version = version;
		if (version != LEDGER_FORMAT_VERSION)
		{
			result->no_header = true;
			reader->stop = true;
			return;
		}
	}
	if (version == LEDGER_FORMAT_VERSION)
	{
		settle_pending(reader, true);
		read_header(reader, &header, line_no);
		return;
	}
	settle_pending(reader, false);
	if (text && ledger_parse_line(line, &table, &id, checksum))
	{
		if (!row_list_push(&reader->lists[table], id, checksum))
			reader->out_of_memory = true;
		return;
	}
	reader->pending_malformed = line_no;
	reader->pending_terminated = terminated;
}

bool
ledger_verify(PGconn *conn, const char *path, const LedgerIdentity *identity,
			  LedgerVerifyResult *result)
{
	FILE	   *fp = fopen(path, "r");
	LedgerReader reader = {.result = result, .database = identity};
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	long long	line_no = 0;
	bool		ok = true;

	memset(result, 0, sizeof(*result));
	if (!fp)
	{
		log_error("could not open ledger \"%s\": %s", path, strerror(errno));
		return false;
	}
	while (!reader.stop && !reader.out_of_memory && (len = getline(&line, &cap, fp)) != -1)
		read_line(&reader, line, (size_t) len, ++line_no);
	/* a malformed last line without its newline: cut short by a crash */
	if (!reader.stop)
		settle_pending(&reader, !reader.pending_terminated);
	if (ferror(fp))
	{
		log_error("could not read ledger \"%s\": %s", path, strerror(errno));
		ok = false;
	}
	if (reader.out_of_memory)
	{
		log_error("out of memory");
		ok = false;
	}
	free(line);
	fclose(fp);
	/* rows are only looked up in the database they were written on (or a copy of it) */
	for (int t = 0; ok && !reader.stop && t < DEMO_TABLE_COUNT; t++)
		ok = verify_table(conn, t, &reader.lists[t], result);
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		free(reader.lists[t].ids);
		free(reader.lists[t].checksums);
	}
	return ok;
}

unsigned
ledger_failures(const LedgerVerifyResult *result, bool allow_changed)
{
	long long	checked = 0,
				missing = 0,
				changed = 0;
	unsigned	failures = 0;

	if (result->lines == 0)
		return LEDGER_FAIL_EMPTY;
	if (result->no_header)
		return LEDGER_FAIL_NO_HEADER;
	if (result->foreign_line)
		return LEDGER_FAIL_FOREIGN;
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		checked += result->checked[t];
		missing += result->missing[t];
		changed += result->changed[t];
	}
	if (checked == 0)
		failures |= LEDGER_FAIL_NOTHING_CHECKED;
	if ((double) result->malformed_lines >
		LEDGER_MAX_MALFORMED_SHARE * (double) (checked + result->malformed_lines))
		failures |= LEDGER_FAIL_MALFORMED;
	if (missing > 0)
		failures |= LEDGER_FAIL_MISSING;
	if (changed > 0 && !allow_changed)
		failures |= LEDGER_FAIL_CHANGED;
	return failures;
}
