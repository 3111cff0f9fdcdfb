/*
 * Unit tests of load-data's parts without a server: latency percentiles, the
 * ledger's lines, header, verdict and appending, COPY escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/latency_histogram.h"
#include "load/ledger.h"
#include "load/row_writer.h"

static void
assert_close(double expected, double actual, double relative)
{
	if (fabs(actual - expected) > relative * expected)
		fail_msg("expected about %.3f, got %.3f", expected, actual);
}

static void
test_percentiles_within_five_percent(void **state)
{
	LatencyHistogram h;

	(void) state;
	latency_histogram_reset(&h);
	assert_true(latency_histogram_percentile(&h, 0.5) == 0);
	/* 1..10000 microseconds, once each */
	for (int us = 1; us <= 10000; us++)
		latency_histogram_add(&h, us);
	assert_int_equal(h.count, 10000);
	assert_close(5000, latency_histogram_percentile(&h, 0.50), 0.05);
	assert_close(9900, latency_histogram_percentile(&h, 0.99), 0.05);
	assert_true(latency_histogram_percentile(&h, 1.0) == 10000);	/* clamped to max */
	assert_close(5000.5, latency_histogram_mean(&h), 1e-9);
	assert_true(h.min_us == 1 && h.max_us == 10000);
}

static void
test_outliers_and_merge(void **state)
{
	LatencyHistogram a,
				b;

	(void) state;
	latency_histogram_reset(&a);
	latency_histogram_reset(&b);
	for (int i = 0; i < 990; i++)
		latency_histogram_add(&a, 1000);	/* 1 ms */
	for (int i = 0; i < 10; i++)
		latency_histogram_add(&b, 2e6);		/* 2 s stalls */
	latency_histogram_add(&b, 1e13);	/* beyond the last bucket: kept as max */
	latency_histogram_merge(&a, &b);
	assert_int_equal(a.count, 1001);
	assert_close(1000, latency_histogram_percentile(&a, 0.50), 0.05);
	assert_close(2e6, latency_histogram_percentile(&a, 0.995), 0.05);
	assert_true(a.max_us == 1e13);
}

#define SUM_A "0123456789abcdef0123456789abcdef"

static void
test_ledger_lines(void **state)
{
	DemoTable	table;
	long long	id;
	char		sum[33];

	(void) state;
	assert_true(ledger_parse_line("event_logs\t42\t" SUM_A "\n", &table, &id, sum));
	assert_int_equal(table, DEMO_EVENT_LOGS);
	assert_int_equal(id, 42);
	assert_string_equal(sum, SUM_A);
	assert_true(ledger_parse_line("sales_data\t9000000000\t" SUM_A, &table, &id, sum));
	assert_int_equal(table, DEMO_SALES_DATA);
	assert_true(id == 9000000000LL);
	/* a line of the old format, without a checksum, is not one of this format */
	assert_false(ledger_parse_line("event_logs\t42\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_log\t42\t" SUM_A "\n", &table, &id, sum));	/* unknown table */
	assert_false(ledger_parse_line("event_logs 42 " SUM_A "\n", &table, &id, sum));	/* no tab */
	assert_false(ledger_parse_line("event_logs\t\t" SUM_A "\n", &table, &id, sum));	/* no id */
	assert_false(ledger_parse_line("event_logs\t4x\t" SUM_A "\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_logs\t-1\t" SUM_A "\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_logs\t+1\t" SUM_A "\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_logs\t1\t0123456789abcdef\n", &table, &id, sum));	/* cut short */
	assert_false(ledger_parse_line("event_logs\t1\t0123456789ABCDEF0123456789abcdef\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_logs\t1\t" SUM_A "0\n", &table, &id, sum));
	assert_false(ledger_parse_line("event_logs\t1\t" SUM_A "\tx\n", &table, &id, sum));
	assert_false(ledger_parse_line("users_distributed_x\t1\t" SUM_A "\n", &table, &id, sum));
	assert_false(ledger_parse_line("# load-data ledger v2\tdatabase_id=x", &table, &id, sum));
}

static LedgerIdentity
identity_of(const char *id, const char *system, const char *oid, const char *name)
{
	LedgerIdentity identity;

	memset(&identity, 0, sizeof(identity));
	snprintf(identity.database_id, sizeof(identity.database_id), "%s", id);
	snprintf(identity.system_identifier, sizeof(identity.system_identifier), "%s", system);
	snprintf(identity.database_oid, sizeof(identity.database_oid), "%s", oid);
	snprintf(identity.database_name, sizeof(identity.database_name), "%s", name);
	return identity;
}

#define UUID_A "24deaa01-7566-4a65-bba2-0e30421b94b4"
#define UUID_B "9042c328-dce3-492e-8711-06ac3b0b8da6"

static void
test_ledger_header(void **state)
{
	LedgerIdentity written = identity_of(UUID_A, "7714427164271871970", "16386", "my\\tdb"),
				read;
	char		line[512];

	(void) state;
	assert_true(ledger_format_header(&written, "2024-05-01T00:00:00Z", line, sizeof(line)));
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(ledger_parse_header(line, &read), LEDGER_FORMAT_VERSION);
	assert_string_equal(read.database_id, UUID_A);
	assert_string_equal(read.system_identifier, "7714427164271871970");
	assert_string_equal(read.database_oid, "16386");
	assert_string_equal(read.database_name, "my\\tdb");
	assert_int_equal(ledger_identity_match(&read, &written), LEDGER_SAME_DATABASE);
	/* not readable where pg_control_system() is not granted: written "unknown" */
	written = identity_of(UUID_A, "", "16386", "db");
	assert_true(ledger_format_header(&written, "t", line, sizeof(line)));
	assert_non_null(strstr(line, "system_identifier=unknown"));
	assert_int_equal(ledger_parse_header(line, &read), LEDGER_FORMAT_VERSION);
	assert_string_equal(read.system_identifier, "");
	/* too small a buffer */
	assert_false(ledger_format_header(&written, "t", line, 40));

	assert_int_equal(ledger_parse_header("event_logs\t1\t" SUM_A "\n", &read), 0);
	assert_int_equal(ledger_parse_header("", &read), 0);
	assert_int_equal(ledger_parse_header("# load-data ledger v3\tanything\n", &read), 3);
	assert_int_equal(ledger_parse_header("# load-data ledger vx\n", &read), -1);
	assert_int_equal(ledger_parse_header("# load-data ledger v2\n", &read), -1);
	/* a field missing, or not what it must be */
	assert_int_equal(ledger_parse_header("# load-data ledger v2\tdatabase_id=" UUID_A
										 "\tsystem_identifier=1\tdatabase=d\n", &read), -1);
	assert_int_equal(ledger_parse_header("# load-data ledger v2\tdatabase_id=" UUID_A "x"
										 "\tsystem_identifier=1\tdatabase_oid=1\tdatabase=d\n", &read), -1);
	assert_int_equal(ledger_parse_header("# load-data ledger v2\tdatabase_id=" UUID_A
										 "\tsystem_identifier=1\tdatabase_oid=1x\tdatabase=d\n", &read), -1);
	assert_int_equal(ledger_parse_header("# load-data ledger v2\tdatabase_id=" UUID_A
										 "\tsystem_identifier=1\tdatabase_oid=1\tdatabase=d\n", &read),
					 LEDGER_FORMAT_VERSION);
}

static void
test_ledger_identity_match(void **state)
{
	LedgerIdentity a = identity_of(UUID_A, "77", "16386", "db");
	LedgerIdentity b;

	(void) state;
	b = identity_of(UUID_A, "77", "16386", "renamed");
	assert_int_equal(ledger_identity_match(&a, &b), LEDGER_SAME_DATABASE);	/* a rename is the same */
	b = identity_of(UUID_A, "", "16386", "db");
	assert_int_equal(ledger_identity_match(&a, &b), LEDGER_SAME_DATABASE);	/* cluster unknown */
	b = identity_of(UUID_A, "77", "17000", "copy");
	assert_int_equal(ledger_identity_match(&a, &b), LEDGER_COPY);	/* CREATE DATABASE ... TEMPLATE */
	b = identity_of(UUID_A, "88", "16386", "db");
	assert_int_equal(ledger_identity_match(&a, &b), LEDGER_COPY);	/* a restore on another cluster */
	b = identity_of(UUID_B, "77", "16386", "db");
	assert_int_equal(ledger_identity_match(&a, &b), LEDGER_OTHER_DATABASE);	/* set up again */
}

static LedgerVerifyResult
verified(long long checked, long long malformed, long long missing, long long changed)
{
	LedgerVerifyResult r;

	memset(&r, 0, sizeof(r));
	r.lines = 1 + checked + malformed;
	r.runs = 1;
	r.header_version = LEDGER_FORMAT_VERSION;
	r.checked[DEMO_USERS_DISTRIBUTED] = checked;
	r.malformed_lines = malformed;
	r.missing[DEMO_USERS_DISTRIBUTED] = missing;
	r.changed[DEMO_USERS_DISTRIBUTED] = changed;
	return r;
}

static void
test_ledger_failures(void **state)
{
	LedgerVerifyResult r;

	(void) state;
	r = verified(0, 0, 0, 0);
	r.lines = 0;
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_EMPTY);
	r = verified(0, 0, 0, 0);
	r.no_header = true;
	assert_int_equal(ledger_failures(&r, true), LEDGER_FAIL_NO_HEADER);
	r = verified(0, 0, 0, 0);
	r.foreign_line = 1;
	assert_int_equal(ledger_failures(&r, true), LEDGER_FAIL_FOREIGN);
	/* a header alone, or nothing but malformed lines: nothing checked */
	r = verified(0, 0, 0, 0);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_NOTHING_CHECKED);
	r = verified(0, 7400, 0, 0);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_NOTHING_CHECKED | LEDGER_FAIL_MALFORMED);
	/* up to 1% malformed passes, more fails; lines cut by a crash do not count */
	r = verified(99, 1, 0, 0);
	assert_int_equal(ledger_failures(&r, false), 0);
	r = verified(98, 2, 0, 0);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_MALFORMED);
	r = verified(10, 1, 0, 0);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_MALFORMED);
	r = verified(10, 0, 0, 0);
	r.cut_lines = 3;
	assert_int_equal(ledger_failures(&r, false), 0);
	r = verified(10, 0, 1, 0);
	assert_int_equal(ledger_failures(&r, true), LEDGER_FAIL_MISSING);
	r = verified(10, 0, 0, 1);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_CHANGED);
	assert_int_equal(ledger_failures(&r, true), 0);
	r = verified(10, 0, 2, 1);
	assert_int_equal(ledger_failures(&r, false), LEDGER_FAIL_MISSING | LEDGER_FAIL_CHANGED);
}

/* The file's whole text; caller frees. */
static char *
file_text(const char *path)
{
	FILE	   *fp = fopen(path, "r");
	char	   *text = calloc(1, 65536);
	size_t		n;

	assert_non_null(fp);
	assert_non_null(text);
	n = fread(text, 1, 65535, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static void
test_ledger_appends_runs(void **state)
{
	char		path[] = "/tmp/test_ledger_XXXXXX";
	int			fd = mkstemp(path);
	LedgerIdentity mine = identity_of(UUID_A, "77", "16386", "db"),
				copy = identity_of(UUID_A, "77", "17000", "copy"),
				other = identity_of(UUID_B, "77", "16386", "db");
	RowBatch   *batch = row_batch_new(4);
	Ledger	   *ledger;
	char	   *text;
	FILE	   *fp;

	(void) state;
	assert_true(fd >= 0 && batch != NULL);
	close(fd);
	batch->count[DEMO_SALES_DATA] = 2;
	batch->ids[DEMO_SALES_DATA][0] = 7;
	batch->ids[DEMO_SALES_DATA][1] = 8;
	memcpy(batch->checksums[DEMO_SALES_DATA], SUM_A, ROW_CHECKSUM_SIZE);
	memcpy(batch->checksums[DEMO_SALES_DATA] + ROW_CHECKSUM_SIZE, SUM_A, ROW_CHECKSUM_SIZE);

	/* an empty file gets a header, then the rows */
	assert_non_null(ledger = ledger_open(path, &mine));
	assert_true(ledger_append(ledger, batch));
	ledger_close(ledger);
	text = file_text(path);
	assert_int_equal(strncmp(text, LEDGER_HEADER_PREFIX "2\tdatabase_id=" UUID_A "\t",
							 strlen(LEDGER_HEADER_PREFIX "2\tdatabase_id=" UUID_A "\t")), 0);
	assert_non_null(strstr(text, "\nsales_data\t7\t" SUM_A "\nsales_data\t8\t" SUM_A "\n"));
	free(text);

	/* a run cut short in the middle of a line: the next run starts on a new line */
	fp = fopen(path, "a");
	fputs("sales_data\t9\t0123", fp);
	fclose(fp);
	assert_non_null(ledger = ledger_open(path, &mine));
	ledger_close(ledger);
	text = file_text(path);
	assert_non_null(strstr(text, "sales_data\t9\t0123\n" LEDGER_HEADER_PREFIX "2\t"));
	free(text);

	/* another database, or a copy of this one: refused, the file untouched */
	text = file_text(path);
	assert_null(ledger_open(path, &other));
	assert_null(ledger_open(path, &copy));
	{
		char	   *after = file_text(path);

		assert_string_equal(text, after);
		free(after);
	}
	free(text);

	/* a file that is not a ledger */
	fp = fopen(path, "w");
	fputs("event_logs\t1\n", fp);
	fclose(fp);
	assert_null(ledger_open(path, &mine));
	unlink(path);
	row_batch_free(batch);
}

static void
test_copy_escaping(void **state)
{
	char		out[64];

	(void) state;
	assert_int_equal(row_writer_escape_copy("plain {\"json\": 1}", out, sizeof(out)), 17);
	assert_string_equal(out, "plain {\"json\": 1}");
	row_writer_escape_copy("a\tb\nc\\d\re", out, sizeof(out));
	assert_string_equal(out, "a\\tb\\nc\\\\d\\re");
	/* does not fit: nothing half-written */
	assert_int_equal(row_writer_escape_copy("\\\\\\\\", out, 8), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles_within_five_percent),
		cmocka_unit_test(test_outliers_and_merge),
		cmocka_unit_test(test_ledger_lines),
		cmocka_unit_test(test_ledger_header),
		cmocka_unit_test(test_ledger_identity_match),
		cmocka_unit_test(test_ledger_failures),
		cmocka_unit_test(test_ledger_appends_runs),
		cmocka_unit_test(test_copy_escaping),
	};

	return cmocka_run_group_tests_name("load_parts", tests, NULL, NULL);
}
