/* ledger_report.c: load-data --verify's report (see ledger_report.h). */
#include "load/ledger_report.h"

#include <stdio.h>

#include "common/log.h"
#include "load/ledger.h"
#include "tables/demo_tables.h"

/* "missing: sales_data id 12" for the first few of each table */
static void
show_ids(const char *what, const long long counts[DEMO_TABLE_COUNT],
		 const long long shown[DEMO_TABLE_COUNT][LEDGER_SHOW_IDS], bool as_error)
{
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
	{
		for (long long i = 0; i < counts[t] && i < LEDGER_SHOW_IDS; i++)
			if (as_error)
				log_error("%s: %s id %lld", what, demo_table_name(t), shown[t][i]);
			else
				log_warning("%s: %s id %lld", what, demo_table_name(t), shown[t][i]);
		if (counts[t] > LEDGER_SHOW_IDS)
			log_detail("and %lld more %s rows of %s", counts[t] - LEDGER_SHOW_IDS, what,
					   demo_table_name(t));
	}
}

/* Why a ledger that could not be checked row by row was refused. */
static void
report_unchecked(const char *path, unsigned failures, const LedgerVerifyResult *r,
				 const LedgerIdentity *database)
{
	if (failures & LEDGER_FAIL_EMPTY)
		log_error("ledger \"%s\" is empty: nothing to check", path);
	else if ((failures & LEDGER_FAIL_NO_HEADER) && r->header_version > 0)
		log_error("ledger \"%s\" is of format v%d; this load-data reads v%d", path,
				  r->header_version, LEDGER_FORMAT_VERSION);
	else if (failures & LEDGER_FAIL_NO_HEADER)
	{
		log_error("\"%s\" is no ledger: its first line is %s", path,
				  r->header_version < 0 ? "a damaged ledger header" : "not a ledger header");
		log_detail("a ledger of load-data starts with \"" LEDGER_HEADER_PREFIX "%d\" and names "
				   "its database (ledgers of older versions had no header and cannot be checked)",
				   LEDGER_FORMAT_VERSION);
	}
	else
	{
		log_error("ledger \"%s\" belongs to another database%s", path,
				  r->foreign_line > 1 ? " in part" : "");
		if (r->foreign_line > 1)
			log_detail("line %lld starts a run on a database other than the first run's",
					   r->foreign_line);
		else
		{
			log_detail("the ledger's: database \"%s\", id %s", r->ledger.database_name,
					   r->ledger.database_id);
			log_detail("this one: database \"%s\", id %s", database->database_name,
					   database->database_id);
		}
		log_hint("verify a ledger against the database it was written on (POSTGRES_DB, "
				 "POSTGRES_HOST, POSTGRES_PORT)");
	}
}

bool
ledger_report_verify(PGconn *conn, const char *path, bool allow_changed)
{
	LedgerIdentity database;
	LedgerVerifyResult r;
	unsigned	failures;
	long long	checked,
				missing,
				changed;

	if (!ledger_identity_fetch(conn, &database) || !ledger_verify(conn, path, &database, &r))
		return false;
	failures = ledger_failures(&r, allow_changed);
	if (failures & (LEDGER_FAIL_EMPTY | LEDGER_FAIL_NO_HEADER | LEDGER_FAIL_FOREIGN))
	{
		report_unchecked(path, failures, &r, &database);
		return false;
	}
	if (r.match == LEDGER_COPY)
		printf("ledger written on database \"%s\" (OID %s, cluster %s); checked on \"%s\" "
			   "(OID %s, cluster %s), a copy with the same database id\n",
			   r.ledger.database_name, r.ledger.database_oid,
			   r.ledger.system_identifier[0] ? r.ledger.system_identifier : "unknown",
			   database.database_name, database.database_oid,
			   database.system_identifier[0] ? database.system_identifier : "unknown");
	for (int t = 0; t < DEMO_TABLE_COUNT; t++)
		printf("%-18s %10lld checked %10lld missing %10lld changed\n", demo_table_name(t),
			   r.checked[t], r.missing[t], r.changed[t]);
	checked = demo_tables_total(r.checked);
	missing = demo_tables_total(r.missing);
	changed = demo_tables_total(r.changed);
	printf("ledger %s: %lld rows checked, %lld missing, %lld changed, %lld malformed lines "
		   "(%lld run%s)\n", path, checked, missing, changed, r.malformed_lines, r.runs,
		   r.runs == 1 ? "" : "s");
	fflush(stdout);
	show_ids("missing", r.missing, r.shown_missing, true);
	show_ids("changed", r.changed, r.shown_changed, !allow_changed);
	if (r.cut_lines)
		log_warning("%lld line%s cut short at the end of a run (load-data stopped while "
					"writing) ignored", r.cut_lines, r.cut_lines == 1 ? "" : "s");
	if (failures & LEDGER_FAIL_MALFORMED)
		log_error("%lld of the ledger's %lld row lines are malformed (the first is line %lld): "
				  "more than %g%% is damage, not a crash", r.malformed_lines,
				  checked + r.malformed_lines, r.first_malformed_line,
				  LEDGER_MAX_MALFORMED_SHARE * 100);
	else if (r.malformed_lines)
		log_warning("%lld malformed line%s ignored (the first is line %lld)", r.malformed_lines,
					r.malformed_lines == 1 ? "" : "s", r.first_malformed_line);
	if (failures & LEDGER_FAIL_NOTHING_CHECKED)
		log_error("ledger \"%s\" has no row to check: a verification that checks nothing fails",
				  path);
	if (failures & LEDGER_FAIL_MISSING)
		log_error("%lld committed row%s missing", missing, missing == 1 ? " is" : "s are");
	if (failures & LEDGER_FAIL_CHANGED)
	{
		log_error("%lld committed row%s changed since the commit", changed,
				  changed == 1 ? " has" : "s have");
		log_hint("load-data's rows are written once; where other writers update them on "
				 "purpose, --allow-changed reports them without failing");
	}
	return failures == 0;
}
