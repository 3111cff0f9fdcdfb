/* load_data_run.c: load-data's run around its main loop (see load_data_run.h). */
#include "load/load_data_run.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "load/ledger.h"
#include "load/load_report.h"
#include "tables/demo_tables.h"
#include "tables/table_check.h"

/* Set by the signal handler only; a second signal exits at once. */
static volatile sig_atomic_t stop_requested = 0;

static void
handle_stop_signal(int signo)
{
	(void) signo;
	if (stop_requested)
		_exit(130);				/* the server rolls back the transaction in flight */
	stop_requested = 1;
}

static void
install_signal_handlers(void)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = handle_stop_signal;
	sigemptyset(&action.sa_mask);
	/* no SA_RESTART: a signal interrupts nanosleep so that stopping is prompt */
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
}

bool
load_data_prepare(PGconn *conn, const LoadOptions *options)
{
	return load_runner_prepare_session(conn, options) &&
		table_check_require(conn, demo_table_names(), DEMO_TABLE_COUNT, TABLE_PLAIN_OR_PARTITIONED);
}

/* The ledger of --ledger, refused at start when it is another database's. */
static Ledger *
open_ledger(PGconn *conn, const char *path)
{
	LedgerIdentity identity;

	return ledger_identity_fetch(conn, &identity) ? ledger_open(path, &identity) : NULL;
}

bool
load_data_write(PGconn **connp, const Config *config, const LoadOptions *options)
{
	Ledger	   *ledger = NULL;
	LoadReport	report;
	bool		ok;

	if (options->ledger_path && !(ledger = open_ledger(*connp, options->ledger_path)))
		return false;
	load_report_init(&report, config, options->json, log_color_enabled(stderr));
	if (!options->json)
		log_info("%s: writing to %s at %s: %s, %lld row%s per transaction%s", log_progname(),
				 config->dbname, config_server_label(config),
				 options->max ? "as fast as possible" : "one transaction per interval",
				 options->batch, options->batch == 1 ? "" : "s",
				 options->duration_s ? "" : "; Ctrl-C stops");
	install_signal_handlers();
	ok = load_runner_run(connp, config, options, ledger, &report, &stop_requested) == 0;
	/* the summary also after a failure: it says what was committed */
	ok = load_report_print(&report, *connp) && ok;
	ok = ok && load_report_rows_lost(&report) == 0;
	ledger_close(ledger);
	return ok;
}
