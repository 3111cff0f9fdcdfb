/*
 * repartition: run one re-partitioning scenario (add, split, detach, migrate,
 * cleanup) and show what it did.
 *
 * Parses the options and hands the scenario to src/repartition/
 * (repartition_run.h: one transaction, retried on lock timeouts, the trees
 * before and after, the integrity report).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/options.h"
#include "common/paths.h"
#include "common/program.h"
#include "pg/program_connect.h"
#include "online/online_migration.h"
#include "repartition/repartition_run.h"
#include "pg/sql_retry_runner.h"
#include "repartition/repartition_scenarios.h"

#define MAX_ATTEMPTS 100
/* each attempt's wait for a lock; the files' own when run by hand */
#define DEFAULT_LOCK_TIMEOUT_MS 2000
/*
 * Online, each lock the prepare and the swap take: writers (and, behind the
 * swap's ACCESS EXCLUSIVE, readers) queue at most this long behind a wait
 * that then gives up and is tried again.
 */
#define DEFAULT_ONLINE_LOCK_TIMEOUT_MS 50
#define DEFAULT_ONLINE_ATTEMPTS 40
#define MIN_LOCK_TIMEOUT_MS 10
#define MAX_LOCK_TIMEOUT_MS 60000

static void
usage(FILE *out)
{
	size_t		count;
	const RepartitionScenario *scenarios = repartition_scenarios(&count);

	fprintf(out,
			"Usage: %s [OPTIONS] SCENARIO\n"
			"       %s --abort\n"
			"\n"
			"Runs one re-partitioning scenario and shows the partition trees before and\n"
			"after, and whether every row is still there. Online where the scenario can\n"
			"(writers and readers go on; see docs/repartition.md), else in one transaction.\n"
			"\n"
			"Scenarios:\n", log_progname(), log_progname());
	for (size_t i = 0; i < count; i++)
		fprintf(out, "  %-9s %s\n", scenarios[i].name, scenarios[i].summary);
	fprintf(out,
			"\n"
			"Options:\n"
			"  --list           list the scenarios and their SQL files, then exit\n"
			"  --offline        run the whole file in one transaction, also where the\n"
			"                   scenario can run online (writers wait for its end)\n"
			"  --abort          remove what a half-done online scenario built, then exit\n"
			"  -n, --dry-run    show the steps and statements that would run; no database\n"
			"  --json           print one JSON document on stdout (nothing else)\n"
			"  --lock-timeout MS  longest wait for each lock of the scenario (default %d,\n"
			"                   online %d): then its transaction is rolled back and tried\n"
			"                   again, after a pause; writers queue behind a waiting lock\n"
			"  --attempts N     tries when locks are not available in time (default %d,\n"
			"                   online %d)\n"
			"  --batch N        online: ids per copy transaction (default %lld)\n"
			"  --scripts DIR    read the SQL files from DIR (default: <project>/scripts)\n"
			"  -h, --help       show this help and exit\n"
			"  -V, --version    show the version and exit\n"
			"\n"
			"Connection settings come from .env and the environment (see bin/show-config);\n"
			"LOCK_TIMEOUT_MS bounds the waits of the reads before and after the scenario.\n",
			DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_ONLINE_LOCK_TIMEOUT_MS,
			retry_default_policy().max_attempts, DEFAULT_ONLINE_ATTEMPTS,
			online_default_options().batch_ids);
}

static void
unknown_scenario(const char *name)
{
	size_t		count;
	const RepartitionScenario *scenarios = repartition_scenarios(&count);
	char		names[256] = "";

	for (size_t i = 0; i < count; i++)
	{
		strncat(names, scenarios[i].name, sizeof(names) - strlen(names) - 1);
		strncat(names, i + 1 < count ? ", " : "", sizeof(names) - strlen(names) - 1);
	}
	log_error("unknown scenario \"%s\"", name);
	log_hint("the scenarios are %s (see \"%s --list\")", names, log_progname());
}

/* SCENARIO (none with --list or --abort), then nothing */
static bool
parse_scenario(int argc, char **argv, RepartitionOptions *options)
{
	if (options->abort && (options->list || options->offline || options->dry_run))
	{
		options_usage_error("--abort cannot be combined with --list, --offline or --dry-run");
		return false;
	}
	if (!options->list && !options->abort)
	{
		if (optind >= argc)
		{
			options_usage_error("no scenario given");
			return false;
		}
		/* compared with the whitelist only: the name never reaches SQL */
		if (!(options->scenario = repartition_scenario_find(argv[optind])))
		{
			unknown_scenario(argv[optind]);
			return false;
		}
		optind++;
	}
	return options_no_more_arguments(argc, argv);
}

static OptionsResult
parse_options(int argc, char **argv, RepartitionOptions *options)
{
	const char *scripts = NULL;
	const OptionSpec specs[] = {
		{.name = "list", .kind = OPTION_FLAG, .target = &options->list},
		{.name = "offline", .kind = OPTION_FLAG, .target = &options->offline},
		{.name = "abort", .kind = OPTION_FLAG, .target = &options->abort},
		{.name = "dry-run", .letter = 'n', .kind = OPTION_FLAG, .target = &options->dry_run},
		{.name = "json", .kind = OPTION_FLAG, .target = &options->json},
		{.name = "attempts", .kind = OPTION_INT, .target = &options->attempts, .min = 1,
		.max = MAX_ATTEMPTS},
		{.name = "lock-timeout", .kind = OPTION_INT, .target = &options->lock_timeout_ms,
		.min = MIN_LOCK_TIMEOUT_MS, .max = MAX_LOCK_TIMEOUT_MS},
		{.name = "batch", .kind = OPTION_LONG, .target = &options->batch_ids, .min = 1,
		.max = 1000000000},
		{.name = "scripts", .kind = OPTION_TEXT, .target = &scripts},
		{NULL}
	};
	OptionsResult result;

	if ((result = options_parse(argc, argv, specs, usage)) != OPTIONS_OK)
		return result;
	if (!parse_scenario(argc, argv, options))
		return OPTIONS_USAGE_ERROR;
	/* 0: not given; the default depends on how the scenario runs */
	if (options->attempts == 0)
		options->attempts = options->abort || repartition_runs_online(options) ?
			DEFAULT_ONLINE_ATTEMPTS : retry_default_policy().max_attempts;
	if (options->lock_timeout_ms == 0)
		options->lock_timeout_ms = options->abort || repartition_runs_online(options) ?
			DEFAULT_ONLINE_LOCK_TIMEOUT_MS : DEFAULT_LOCK_TIMEOUT_MS;
	options->scripts_dir = scripts ? strdup(scripts) : paths_project_dir("scripts", "--scripts");
	return options->scripts_dir ? OPTIONS_OK : OPTIONS_USAGE_ERROR;
}

/* The scenario on the server: configuration and connection first. */
static int
run_on_server(const RepartitionOptions *options, const char *path)
{
	ProgramConnection server = {0};
	int			status = program_connect("repartition", &server);

	if (status == PROGRAM_EXIT_OK)
		status = (options->abort ? repartition_abort(server.conn, options) :
				  repartition_run(server.conn, options, path)) ?
			PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	program_disconnect(&server);
	return status;
}

static volatile sig_atomic_t interrupted = 0;

/* The online steps stop at the next batch; a second signal ends the program. */
static void
on_signal(int signo)
{
	interrupted = 1;
	signal(signo, SIG_DFL);
}

int
main(int argc, char **argv)
{
	RepartitionOptions options = {0};
	char	   *path = NULL;
	OptionsResult parsed;
	int			status = PROGRAM_EXIT_OK;

	program_start(argc, argv);
	if ((parsed = parse_options(argc, argv, &options)) != OPTIONS_OK)
		status = options_exit_status(parsed);
	else if (options.list)
		repartition_list(&options);
	else if (options.abort)
		status = run_on_server(&options, NULL);
	else if (!(path = paths_join(options.scripts_dir, options.scenario->file)))
		status = PROGRAM_EXIT_FAILURE;
	else if (options.dry_run)
		status = repartition_dry_run(&options, path) ? PROGRAM_EXIT_OK : PROGRAM_EXIT_FAILURE;
	else
	{
		options.interrupted = &interrupted;
		if (repartition_runs_online(&options))
		{
			signal(SIGINT, on_signal);
			signal(SIGTERM, on_signal);
		}
		status = run_on_server(&options, path);
	}
	free(path);
	free(options.scripts_dir);
	return status;
}
