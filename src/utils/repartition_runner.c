/* repartition_runner.c: one transaction per file, retried on lock failures (see repartition_runner.h). */
#include "repartition_runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "sql_splitter.h"

RetryPolicy
repartition_runner_default_policy(void)
{
	RetryPolicy policy = {.max_attempts = 10, .base_delay_ms = 200, .max_delay_ms = 5000};

	return policy;
}

bool
repartition_runner_retryable(const char *sqlstate)
{
	return sqlstate && (strcmp(sqlstate, "55P03") == 0 ||	/* lock_not_available */
						strcmp(sqlstate, "40P01") == 0 ||	/* deadlock_detected */
						strcmp(sqlstate, "40001") == 0);	/* serialization_failure */
}

char *
repartition_runner_read_file(const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *text = NULL;
	long		size;

	if (!fp)
	{
		log_error("could not open SQL file \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
		(text = malloc((size_t) size + 1)) != NULL &&
		fread(text, 1, (size_t) size, fp) == (size_t) size)
		text[size] = '\0';
	else
	{
		log_error("could not read SQL file \"%s\": %s", path, strerror(errno));
		free(text);
		text = NULL;
	}
	fclose(fp);
	return text;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Doubling wait with up to 50% random jitter, so that retries do not march in step. */
static int
backoff_ms(const RetryPolicy *policy, int attempt)
{
	long		delay = policy->base_delay_ms;

	for (int i = 1; i < attempt && delay < policy->max_delay_ms; i++)
		delay *= 2;
	if (delay > policy->max_delay_ms)
		delay = policy->max_delay_ms;
	return (int) (delay + (delay > 1 ? random() % (delay / 2 + 1) : 0));
}

typedef enum AttemptResult
{
	ATTEMPT_COMMITTED,
	ATTEMPT_RETRY,
	ATTEMPT_GAVE_UP,			/* a retryable error, but no attempt left */
	ATTEMPT_FAILED
} AttemptResult;

/* The line of the failing statement, refined by the error position when there is one. */
static int
error_line(const PGresult *res, const SqlStatement *statement)
{
	const char *position = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);

	return position ? sql_statement_line_of_position(statement, strtol(position, NULL, 10))
		: statement->line;
}

/* One attempt: BEGIN, the statements, the hook, COMMIT; ROLLBACK on any failure. */
static AttemptResult
run_attempt(PGconn *conn, const char *path, const SqlScript *script, bool may_retry,
			const RunnerCallbacks *callbacks, RetryRun *run)
{
	AttemptResult result = ATTEMPT_COMMITTED;
	double		start = sql_runner_now_ms();

	if (!db_command(conn, "BEGIN"))
		return ATTEMPT_FAILED;
	for (size_t i = 0; result == ATTEMPT_COMMITTED && i < script->count; i++)
	{
		/* the extended protocol refuses a string of several statements */
		PGresult   *res = PQexecParams(conn, script->statements[i].text, 0, NULL, NULL,
									   NULL, NULL, 0);
		ExecStatusType status = PQresultStatus(res);

		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		{
			const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			char		where[1024];

			snprintf(where, sizeof(where), "%s:%d", path, error_line(res, &script->statements[i]));
			if (may_retry && repartition_runner_retryable(sqlstate))
			{
				const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

				log_warning("%s: %s (SQLSTATE %s)", where, message ? message : "?", sqlstate);
				snprintf(run->last_sqlstate, sizeof(run->last_sqlstate), "%s", sqlstate);
				result = ATTEMPT_RETRY;
			}
			else
			{
				db_report_error(res, conn, where);
				result = repartition_runner_retryable(sqlstate) ? ATTEMPT_GAVE_UP : ATTEMPT_FAILED;
			}
		}
		PQclear(res);
	}
	if (result == ATTEMPT_COMMITTED && callbacks && callbacks->before_commit &&
		!callbacks->before_commit(conn, path, sql_runner_now_ms() - start, callbacks->arg))
		result = ATTEMPT_FAILED;
	if (result == ATTEMPT_COMMITTED && !db_command(conn, "COMMIT"))
		result = ATTEMPT_FAILED;
	if (result != ATTEMPT_COMMITTED && PQstatus(conn) == CONNECTION_OK &&
		PQtransactionStatus(conn) != PQTRANS_IDLE)
		db_command(conn, "ROLLBACK");
	if ((result == ATTEMPT_RETRY || result == ATTEMPT_GAVE_UP) && PQstatus(conn) != CONNECTION_OK)
		result = ATTEMPT_FAILED;
	return result;
}

bool
repartition_runner_execute_file(PGconn *conn, const char *path, const RetryPolicy *policy,
								const RunnerCallbacks *callbacks, RetryRun *run)
{
	char		errbuf[256];
	char	   *text = repartition_runner_read_file(path);
	SqlScript  *script;
	double		start = sql_runner_now_ms();
	AttemptResult result = ATTEMPT_FAILED;

	memset(run, 0, sizeof(*run));
	if (!text)
		return false;
	script = sql_split(text, errbuf, sizeof(errbuf));
	free(text);
	if (!script)
	{
		log_error("%s: %s", path, errbuf);
		return false;
	}
	run->statements = (int) script->count;
	srandom((unsigned int) (getpid() ^ (unsigned int) time(NULL)));
	for (int attempt = 1; attempt <= policy->max_attempts; attempt++)
	{
		double		attempt_start = sql_runner_now_ms();

		if (callbacks && callbacks->before_attempt)
			callbacks->before_attempt(attempt, callbacks->arg);
		run->attempts = attempt;
		result = run_attempt(conn, path, script, attempt < policy->max_attempts, callbacks, run);
		run->last_attempt_ms = sql_runner_now_ms() - attempt_start;
		if (result != ATTEMPT_RETRY)
			break;

		int			wait = backoff_ms(policy, attempt);

		log_info("    rolled back attempt %d of %d; trying again in %.1f s", attempt,
				 policy->max_attempts, wait / 1000.0);
		sleep_ms(wait);
	}
	if (result == ATTEMPT_GAVE_UP)
		log_hint("gave up after %d attempt%s: other sessions kept holding conflicting locks "
				 "(long transactions? see pg_stat_activity); nothing of the file was applied",
				 run->attempts, run->attempts == 1 ? "" : "s");
	else if (result != ATTEMPT_COMMITTED)
		log_hint("the file's transaction was rolled back: nothing of it was applied");
	sql_script_free(script);
	run->elapsed_ms = sql_runner_now_ms() - start;
	return result == ATTEMPT_COMMITTED;
}
