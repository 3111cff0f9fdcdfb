# shellcheck shell=bash
# repartition_helpers.sh - shared by the test_repartition*.sh files (and
# test_demonstrate_queries_layouts.sh), which source it first: it defines
# functions and sets up the template database, once (the first file to source
# it does). A library, not a test file: it lives outside the runner's glob of
# tests/integration/test_*.sh.
#
#   rp_fresh_db NAME         database NAME as right after setup-database
#                            (copied from the template rp_template); exports
#                            POSTGRES_DB and PGDATABASE
#   rp_fingerprint TABLE [WHERE]   "rows:checksum" of TABLE over its columns
#                            (partition_demo.table_fingerprint's formula)
#   rp_fingerprints          the four tables' fingerprints, one line each
#   rp_layout TABLE          "leaf=bound;..." of TABLE, sorted
#   rp_writer LEDGER ERRORS STOPFILE   insert rows (event_logs over Jan-Jun
#                            2024, users) one per transaction until STOPFILE
#                            exists; LEDGER gets "table<TAB>id" per committed row
#   rp_ledger_missing LEDGER rows of the ledger not in their table (an
#                            event may be in event_logs_archive)
#   rp_events                event_logs and, once it exists, event_logs_archive
#                            as one FROM item; rp_events_fingerprint [WHERE]
#                            its "rows:checksum" by rp_fingerprint's formula
#   rp_json_field JSON PATH  a field of a JSON document, read by the server
#   rp_copy_db NAME          database NAME as a copy of the current one (the
#                            independent expected state is computed there)
#   rp_direct_writer OUT SQL [UNTIL]   one transaction in the background
#                            (pid in RP_WRITER, output in OUT): runs SQL, then
#                            stays open, sleeping, until the SQL condition UNTIL
#                            holds (default: a session of bin/repartition waits
#                            for one of its locks), and commits (gives up after
#                            60 s); returns once SQL has run
#   rp_scripts_with_injection FILE SQL STEP   a copy of scripts/ whose
#                            repartition/FILE runs SQL just before its step
#                            STEP (the line "-- @step: STEP. ..."); prints its path
#   rp_report_print JSON N   "rows:checksum" after, of group N of the
#                            integrity report of `bin/repartition --json`

REPARTITION=$BIN_DIR/repartition

if [[ -z ${RP_TEMPLATE_READY-} ]]; then
	RP_TEMPLATE_READY=1
	if fresh_database rp_template; then
		if ! "$BIN_DIR/setup-database" >"$TESTLIB_LOG_DIR/repartition_template.log" 2>&1; then
			_testlib_record_fail "repartition template database (log: $TESTLIB_LOG_DIR/repartition_template.log)"
		fi
		# the post-setup fingerprints, taken once (every copy starts from them)
		RP_SETUP_PRINTS=$(
			for t in event_logs users_distributed orders_by_region sales_data; do
				psql -XAtq -d rp_template -c "SELECT '$t ' || f.row_count || ':' || f.checksum
					FROM partition_demo.table_fingerprint('$t', partition_demo.table_columns('$t')) AS f"
			done
		)
		RP_SETUP_MAX_EVENT_ID=$(psql -XAtq -d rp_template -c "SELECT max(id) FROM event_logs")
		RP_SETUP_MAX_USER_ID=$(psql -XAtq -d rp_template -c "SELECT max(id) FROM users_distributed")
		export RP_SETUP_PRINTS RP_SETUP_MAX_EVENT_ID RP_SETUP_MAX_USER_ID
	fi
fi

rp_fresh_db() {
	fresh_database "$1" rp_template
}

rp_fingerprint() {
	local table=$1 where=${2:-true} columns
	columns=$(sql "SELECT string_agg(format('t.%I', c), ', ')
		FROM unnest(partition_demo.table_columns('$table')) AS c")
	sql "SELECT count(*) || ':' || coalesce(sum(hashtextextended(ROW($columns)::text, 0)), 0)
		FROM $table AS t WHERE $where"
}

rp_fingerprints() {
	local t
	for t in event_logs users_distributed orders_by_region sales_data; do
		echo "$t $(rp_fingerprint "$t")"
	done
}

rp_layout() {
	sql "SELECT string_agg(c.relname || '=' || pg_get_expr(c.relpartbound, c.oid), ';' ORDER BY c.relname)
		FROM pg_partition_tree('$1') AS t JOIN pg_class AS c ON c.oid = t.relid WHERE t.isleaf"
}

rp_writer() {
	local ledger=$1 errors=$2 stopfile=$3 i=0 day
	{
		echo "SET lock_timeout = '30s';"
		while [[ ! -e $stopfile ]]; do
			i=$((i + 1))
			day=$(((i * 37) % 182))
			echo "INSERT INTO event_logs (event_type, user_id, created_at)
			      VALUES ('load', $i, timestamp '2024-01-01' + interval '$day days 1 hour')
			      RETURNING 'event_logs', id;"
			if ((i % 3 == 0)); then
				echo "INSERT INTO users_distributed (username, email)
				      VALUES ('load_$$_$i', 'load_$i@example.com') RETURNING 'users_distributed', id;"
			fi
			sleep 0.02
		done
	} | psql -XAtq -F $'\t' -v ON_ERROR_STOP=0 2>"$errors" | grep --line-buffered $'\t' >"$ledger"
}

# rows of the ledger found nowhere: an event counts as there in event_logs
# or, once detach made it, in event_logs_archive (where detach moves them)
rp_ledger_missing() {
	local ledger=$1 archived=""
	if [[ $(sql "SELECT to_regclass('event_logs_archive') IS NOT NULL") == t ]]; then
		archived="AND NOT EXISTS (SELECT FROM event_logs_archive AS a WHERE a.id = l.id)"
	fi
	psql -XAtq -v ON_ERROR_STOP=1 \
		-c "CREATE TEMP TABLE ledger (tbl text, id bigint)" \
		-c "\\copy ledger FROM '$ledger'" \
		-c "SELECT count(*) FROM ledger AS l
		     WHERE (l.tbl = 'event_logs' AND NOT EXISTS (SELECT FROM event_logs AS e WHERE e.id = l.id) $archived)
		        OR (l.tbl = 'users_distributed' AND NOT EXISTS (SELECT FROM users_distributed AS u WHERE u.id = l.id))"
}

# rp_events: the rows of event_logs and, once it exists, of event_logs_archive,
# as a FROM item (columns of event_logs, and tableoid)
rp_events() {
	local columns="id, event_type, user_id, event_data, ip_address, created_at, tableoid"
	if [[ $(sql "SELECT to_regclass('event_logs_archive') IS NOT NULL") == t ]]; then
		echo "(SELECT $columns FROM event_logs UNION ALL SELECT $columns FROM event_logs_archive)"
	else
		echo "(SELECT $columns FROM event_logs)"
	fi
}

# rp_events_fingerprint [WHERE]: rp_fingerprint's formula over rp_events
rp_events_fingerprint() {
	sql "SELECT count(*) || ':' || coalesce(sum(hashtextextended(
		ROW(t.id, t.event_type, t.user_id, t.event_data, t.ip_address, t.created_at)::text, 0)), 0)
		FROM $(rp_events) AS t WHERE ${1:-true}"
}

rp_json_field() {
	# psql expands :'doc' (quoted safely) in scripts, not in -c
	psql -XAtq -v ON_ERROR_STOP=1 -v doc="$1" <<<"SELECT (:'doc'::jsonb) #>> '$2'"
}

rp_copy_db() {
	psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$1\" TEMPLATE \"$PGDATABASE\"" >/dev/null
}

rp_direct_writer() {
	local out=$1 statements=$2
	# by default it commits once a session of bin/repartition waits for it
	local until=${3:-"EXISTS (SELECT FROM pg_stat_activity AS a
	                            WHERE a.application_name = 'repartition'
	                              AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid)))"}
	PGAPPNAME=rp_direct_writer psql -XAtq -v ON_ERROR_STOP=1 >"$out" 2>&1 <<-SQL &
		BEGIN;
		$statements;
		DO \$\$
		DECLARE
		    deadline timestamptz := clock_timestamp() + interval '60 seconds';
		BEGIN
		    LOOP
		        PERFORM pg_stat_clear_snapshot();
		        EXIT WHEN $until;
		        IF clock_timestamp() > deadline THEN
		            RAISE EXCEPTION 'the direct writer waited 60 s in vain for: %', \$c\$$until\$c\$;
		        END IF;
		        PERFORM pg_sleep(0.05);
		    END LOOP;
		END
		\$\$;
		COMMIT;
	SQL
	RP_WRITER=$!
	until [[ $(sql "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'rp_direct_writer' AND wait_event = 'PgSleep'") -ge 1 ]]; do
		kill -0 "$RP_WRITER" 2>/dev/null || fail "the direct writer ended before it waited: $(cat "$out")"
		sleep 0.05
	done
}

rp_report_print() {
	echo "$(rp_json_field "$1" "{integrity,groups,$2,rows_after}"):$(rp_json_field "$1" "{integrity,groups,$2,checksum_after}")"
}

rp_scripts_with_injection() {
	local file=$1 inject=$2 step=$3 dir
	dir=$(mktemp -d)
	cp -r "$ROOT_DIR/scripts" "$dir/"
	awk -v inject="$inject" -v heading="^-- @step: $step\\. " '$0 ~ heading { print inject ";" } { print }' \
		"$ROOT_DIR/scripts/repartition/$file" >"$dir/scripts/repartition/$file"
	grep -qF "$inject" "$dir/scripts/repartition/$file" || return 1
	echo "$dir/scripts"
}

# rp_partition_contents [TABLE]: the leaves of TABLE (default event_logs)
# with bounds, rows and checksum, their indexes, constraints and triggers:
# what two runs of a scenario (online, offline) must agree on
rp_partition_contents() {
	local table tables=${1:-event_logs} rows
	# event_logs comes with its archive, whose rows are compared over the
	# columns of event_logs (archived_at differs between runs)
	[[ $tables == event_logs ]] && tables="event_logs event_logs_archive"
	for table in $tables; do
		[[ $(sql "SELECT to_regclass('$table') IS NOT NULL") == t ]] || continue
		rows="e::text"
		[[ $table == event_logs_archive ]] &&
			rows="ROW(e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at)::text"
		sql "SELECT string_agg(format('%s %s %s', c.relname, pg_get_expr(c.relpartbound, c.oid),
		            (SELECT count(*) || ':' || coalesce(sum(hashtextextended($rows, 0)), 0)
		               FROM $table AS e WHERE e.tableoid = c.oid)), E'\n' ORDER BY c.relname)
		       FROM pg_partition_tree('$table') AS t JOIN pg_class AS c ON c.oid = t.relid WHERE t.isleaf"
		sql "SELECT string_agg(format('%s %s', i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)), E'\n' ORDER BY i.indexrelid::regclass::text)
		       FROM pg_index AS i WHERE i.indrelid IN (SELECT relid FROM pg_partition_tree('$table'))"
		sql "SELECT string_agg(format('%s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)), E'\n'
		            ORDER BY conrelid::regclass::text, conname)
		       FROM pg_constraint WHERE conrelid IN (SELECT relid FROM pg_partition_tree('$table'))"
		sql "SELECT string_agg(format('%s %s', tgrelid::regclass, pg_get_triggerdef(oid)), E'\n' ORDER BY tgrelid::regclass::text, tgname)
		       FROM pg_trigger WHERE tgrelid IN (SELECT relid FROM pg_partition_tree('$table'))"
		sql "SELECT string_agg(format('%s.%s %s', attrelid::regclass, attname, pg_get_expr(d.adbin, d.adrelid)), E'\n'
		            ORDER BY attrelid::regclass::text, attname)
		       FROM pg_attrdef AS d JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		      WHERE d.adrelid IN (SELECT relid FROM pg_partition_tree('$table'))"
	done
}

# --- the online scenarios' tests (test_repartition_online_engine.sh and _chaos.sh)

# rp_wait_for CONDITION_SQL WHAT: polls until the query returns t (60 s)
rp_wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ $(sql "$1") == t ]] && return 0
		sleep 0.1
	done
	fail "waited 60 s in vain for $2"
}

# rp_pause_online_copy [APPNAME [TABLE]]: a session (application_name
# APPNAME, default rp_pause) locks the online bookkeeping row of TABLE
# (default event_logs) once its copy is under way, so that bin/repartition's
# next batch waits; rp_resume_online_copy [APPNAME] lets it go on.
rp_pause_online_copy() {
	PGAPPNAME=${1:-rp_pause} psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "DO \$\$
		BEGIN
		    FOR i IN 1..6000 LOOP
		        PERFORM FROM partition_demo.online_migrations AS o
		         WHERE o.table_name = '${2:-event_logs}' AND o.copied_up_to > 0 AND o.copied_up_to < o.copy_end
		           FOR UPDATE;
		        IF FOUND THEN
		            RETURN;
		        END IF;
		        PERFORM pg_sleep(0.01);
		    END LOOP;
		    RAISE EXCEPTION 'the copy never got under way';
		END \$\$" -c "SELECT pg_sleep(600)" -c "COMMIT" >/dev/null 2>&1 &
	RP_PAUSE_JOB=$!
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = '${1:-rp_pause}'
			AND query = 'SELECT pg_sleep(600)')
		AND EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition'
			AND wait_event_type = 'Lock')" "the online copy to wait in a batch"
}

rp_resume_online_copy() {
	sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '${1:-rp_pause}'" >/dev/null
	wait "$RP_PAUSE_JOB" || true
}

# every row in the partition its key says, after SCENARIO (from the setup)
rp_assert_rows_in_place() {
	local expected
	case $1 in
	add) expected="CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-05-01'
		THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END" ;;
	split) expected="CASE WHEN created_at >= '2024-03-01' AND created_at < '2024-04-01'
		THEN 'event_logs_2024_03_w' || least(5, (extract(day FROM created_at)::int - 1) / 7 + 1)
		WHEN created_at >= '2024-01-01' AND created_at < '2024-03-01'
		THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END" ;;
	cleanup) expected="CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-04-01'
		THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END" ;;
	# January rows written after the swap land in DEFAULT (docs/spec-notes.md §11)
	detach) expected="CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-02-01'
		THEN CASE tableoid::regclass::text WHEN 'event_logs_default' THEN 'event_logs_default'
		     ELSE 'event_logs_archive_2024_01' END
		WHEN created_at >= '2024-02-01' AND created_at < '2024-04-01'
		THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END" ;;
	migrate)
		# range-partitioned, r1 .. r4 and rmax, each row within its
		# partition's bounds as the catalog says them
		assert_eq "r users_distributed_r1,users_distributed_r2,users_distributed_r3,users_distributed_r4,users_distributed_rmax" \
			"$(sql "SELECT p.partstrat::text || ' ' || (SELECT string_agg(relid::text, ',' ORDER BY relid::text)
			        FROM pg_partition_tree('users_distributed') WHERE isleaf)
			        FROM pg_partitioned_table AS p WHERE p.partrelid = 'users_distributed'::regclass")"
		assert_eq 0 "$(sql "SELECT count(*) FROM users_distributed AS u
			JOIN (SELECT c.oid, nullif(m[1], 'MINVALUE')::numeric AS lo, nullif(m[2], 'MAXVALUE')::numeric AS hi
			        FROM pg_partition_tree('users_distributed') AS t JOIN pg_class AS c ON c.oid = t.relid
			       CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(([^)]+)\) TO \(([^)]+)\)') AS m
			       WHERE t.isleaf) AS b ON b.oid = u.tableoid
			WHERE NOT (coalesce(u.id >= b.lo, true) AND coalesce(u.id < b.hi, true))")" "migrate: rows outside their range"
		return ;;
	esac
	assert_eq 0 "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE tableoid::regclass::text <> $expected")" \
		"$1: rows outside their partition"
}
