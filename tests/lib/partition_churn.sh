# shellcheck shell=bash
# partition_churn.sh - the adversary of re-partitioning: one psql session fed
# through a pipe that, while scenarios run, changes rows of event_logs and
# users_distributed in the very partitions being moved, and records every
# change that took effect in the table churn_log IN THE SAME STATEMENT (a
# data-modifying CTE whose RETURNING feeds the INSERT into churn_log): a
# statement that fails or changes nothing records nothing, one that commits
# records exactly the rows it wrote, with their full content.
#
#   churn_start DIR MAX_EVENT_ID MAX_USER_ID [PAUSE_S]
#                          starts the session in the background (pid in
#                          CHURN_PID) until DIR/stop exists; it only touches
#                          the setup's rows (ids up to MAX_*) and its own
#                          inserts, never another writer's (load-data's
#                          ledger rows stay as they were committed)
#   churn_stop DIR         stops it (and the reader), waits for it
#   churn_reader_start DIR MAX_EVENT_ID MAX_USER_ID
#                          a reader, in the background (CHURN_READER_PID)
#                          until DIR/stop exists: counts again and again,
#                          through the parents, rows the churn never touches
#                          (sentinels: every 50th id of the setup) in the
#                          months being moved and in users_distributed
#   churn_reader_check DIR "reads=N unseen=N errors=N": reads that missed a
#                          sentinel or saw one twice (rows "in transit"),
#                          listed in DIR/reader.unseen with their time, and
#                          reads that failed
#   churn_wait_progress N  waits until churn_log has N more rows than it had
#                          at the previous call (at most 60 s)
#   churn_check            "changed=N stale=N missing=N wrong=N doubled=N
#                          resurrected=N names=N": stale counts every
#                          recorded row not in its last recorded state (a
#                          deleted one present, an inserted or updated one
#                          missing, different in any column, or present
#                          twice); names counts users whose username is not
#                          registered (or registrations without their user)
#   churn_untouched_check TEMPLATE_DB
#                          "untouched_changed=N": rows of the setup (read in
#                          TEMPLATE_DB, the post-setup database) that the
#                          churn never recorded, missing or different now
#   churn_stats            "moves=N into_default=N out_of_default=N
#                          between_months=N into_split_month=N direct=N
#                          inserts=N own_deletes=N users=N": what took effect
#   churn_rolled_back DIR  "rolled_back=N": changes the churn made in
#                          transactions it then rolled back (they must
#                          appear nowhere)
#   churn_failures DIR     "gone=N building=N backup=N constraint=N deadlock=N aborted=N
#                          unexpected=N": statements that failed because the
#                          table named no longer exists (or does not exist
#                          yet), because the row violates the partition's
#                          constraint, in a deadlock (SQLSTATE 40P01), because
#                          an earlier statement of their transaction failed,
#                          or for any other reason (errors in DIR/churn.err)
#
# CHURN_SKIP_OPS="N ...": operations of _churn_statement the session never
# runs (default none), for a caller that must leave one kind of write out.
#
# event_logs rows are looked for in event_logs and, while it exists, in
# event_logs_archive: after `detach` a row of the archived month is expected
# there, with the changes made before the archive took it (the churn also
# updates archived rows by name); `cleanup` brings them back.
# users_distributed_pN / _rN are only written by name while they are
# partitions of the live users_distributed: after `migrate` the pN are the
# partitions of the backup users_distributed_hash, by design, which refuses
# every statement that writes into it (counted as backup= below).
# Connection from the PG* environment.

# the row of event_logs e (or of the archive, over event_logs' columns) as text
CHURN_EVENT_ROW="ROW(e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at)::text"
CHURN_USER_ROW="ROW(u.id, u.username, u.email, u.country_code, u.registration_date, u.status)::text"

CHURN_LAST_COUNT=0
CHURN_SKIP_OPS=${CHURN_SKIP_OPS-}

# The statement generator forks nothing (no $(...), no here-document, no
# sleep): a fork costs tens of ms on a busy shared machine, which would cut
# the churn to a few statements a second. Each _churn_* function leaves its
# statement in CHURN_SQL.

# CHURN_TS: a random timestamp in [FROM, FROM + SPAN)
_churn_ts() {
	CHURN_TS="timestamp '$1' + random() * interval '$2'"
}

# the rows the churn may change: the setup's and its own inserts
# (CHURN_OURS_EVENTS / CHURN_OURS_USERS, over the alias x), but the
# sentinels the reader counts (every CHURN_SENTINEL-th id of the setup)
CHURN_SENTINEL=50
_churn_set_ours() {
	CHURN_OURS_EVENTS="((x.id <= $1 AND x.id % $CHURN_SENTINEL <> 0)
	     OR x.id IN (SELECT l.id FROM churn_log AS l WHERE l.tbl = 'event_logs' AND l.op = 'i'))"
	CHURN_OURS_USERS="((x.id <= $2 AND x.id % $CHURN_SENTINEL <> 0)
	     OR x.id IN (SELECT l.id FROM churn_log AS l WHERE l.tbl = 'users_distributed' AND l.op = 'i'))"
}

# a random id of the setup's, not a sentinel
_churn_random_id() {
	CHURN_ID=$(((RANDOM * 32768 + RANDOM) % $1 + 1))
	((CHURN_ID % CHURN_SENTINEL)) || CHURN_ID=$((CHURN_ID - 1))
}

# UPDATE of one row of TABLE (the parent or a table by name) picked by WHERE,
# recorded with the partition it was in and the one it is in now
_churn_event_update() {
	local kind=$1 table=$2 where=$3 set=$4 only=""
	[[ $table != event_logs ]] && only="ONLY "
	CHURN_SQL="WITH old AS (SELECT x.id, x.created_at, x.tableoid::regclass::text AS src FROM $only$table AS x
	      WHERE $where AND $CHURN_OURS_EVENTS ORDER BY random() LIMIT 1),
	 c AS (UPDATE $table AS e SET $set FROM old WHERE e.id = old.id AND e.created_at = old.created_at
	       RETURNING e.id, old.src, e.tableoid::regclass::text AS dst, $CHURN_EVENT_ROW AS state)
	INSERT INTO churn_log (tbl, id, op, kind, src, dst, state)
	SELECT 'event_logs', id, 'u', '$kind', src, dst, state FROM c;"
}

# INSERT of a row dated CHURN_TS into TABLE (the parent or a partition by name)
_churn_event_insert() {
	local kind=$1 table=$2 n=$3
	CHURN_SQL="WITH c AS (INSERT INTO $table AS e (event_type, user_id, event_data, created_at)
	       VALUES ('churn_i_$n', $n, '{\"churn\": $n}', $CHURN_TS)
	       RETURNING e.id, e.tableoid::regclass::text AS dst, $CHURN_EVENT_ROW AS state)
	INSERT INTO churn_log (tbl, id, op, kind, dst, state)
	SELECT 'event_logs', id, 'i', '$kind', dst, state FROM c;"
}

# DELETE of the churn's newest own row in TABLE: a row inserted moments before
_churn_event_delete_own() {
	local kind=$1 table=$2 only=""
	[[ $table != event_logs ]] && only="ONLY "
	CHURN_SQL="WITH c AS (DELETE FROM $table AS e
	        WHERE e.id = (SELECT x.id FROM $only$table AS x
	                       WHERE x.id IN (SELECT l.id FROM churn_log AS l WHERE l.tbl = 'event_logs' AND l.op = 'i')
	                       ORDER BY x.id DESC LIMIT 1)
	       RETURNING e.id, e.tableoid::regclass::text AS src)
	INSERT INTO churn_log (tbl, id, op, kind, src)
	SELECT 'event_logs', id, 'd', '$kind', src FROM c;"
}

# DELETE through the parent of row ID of TABLE (event_logs or users_distributed)
_churn_delete_id() {
	local kind=$1 table=$2 id=$3
	CHURN_SQL="WITH c AS (DELETE FROM $table AS e WHERE e.id = $id RETURNING e.id, e.tableoid::regclass::text AS src)
	INSERT INTO churn_log (tbl, id, op, kind, src) SELECT '$table', id, 'd', '$kind', src FROM c;"
}

# UPDATE of users TABLE (the parent, or a partition of the live one by name)
_churn_user_update() {
	local kind=$1 table=$2 set=$3 guard="" only=""
	if [[ $table != users_distributed ]]; then
		only="ONLY "
		guard="AND EXISTS (SELECT FROM pg_inherits AS i WHERE i.inhrelid = '$table'::regclass
		                    AND i.inhparent = 'users_distributed'::regclass)"
	fi
	CHURN_SQL="WITH c AS (UPDATE $table AS u SET $set
	        WHERE u.id = (SELECT x.id FROM $only$table AS x WHERE $CHURN_OURS_USERS ORDER BY random() LIMIT 1) $guard
	       RETURNING u.id, u.tableoid::regclass::text AS dst, $CHURN_USER_ROW AS state)
	INSERT INTO churn_log (tbl, id, op, kind, dst, state)
	SELECT 'users_distributed', id, 'u', '$kind', dst, state FROM c;"
}

# INSERT of a user of the churn's own
_churn_user_insert() {
	local n=$1 tag=$2
	CHURN_SQL="WITH c AS (INSERT INTO users_distributed AS u (username, email, country_code)
	       VALUES ('churn_${tag}_i$n', 'churn_i$n@example.com', 'DE')
	       RETURNING u.id, u.tableoid::regclass::text AS dst, $CHURN_USER_ROW AS state)
	INSERT INTO churn_log (tbl, id, op, kind, dst, state)
	SELECT 'users_distributed', id, 'i', 'user_insert', dst, state FROM c;"
}

# DELETE of the churn's newest own user
_churn_user_delete_own() {
	CHURN_SQL="WITH c AS (DELETE FROM users_distributed AS u
	        WHERE u.id = (SELECT max(l.id) FROM churn_log AS l WHERE l.tbl = 'users_distributed' AND l.op = 'i'
	                         AND NOT EXISTS (SELECT FROM churn_log AS d WHERE d.tbl = l.tbl AND d.id = l.id AND d.op = 'd'))
	       RETURNING u.id, u.tableoid::regclass::text AS src)
	INSERT INTO churn_log (tbl, id, op, kind, src)
	SELECT 'users_distributed', id, 'd', 'user_delete_own', src FROM c;"
}

# one statement into CHURN_SQL: operation OP (0..CHURN_OPS-1) of iteration N
CHURN_OPS=44
_churn_statement() {
	local op=$1 n=$2 me=$3 mu=$4 tag=$5
	local jan="x.created_at >= '2024-01-01' AND x.created_at < '2024-02-01'"
	local feb="x.created_at >= '2024-02-01' AND x.created_at < '2024-03-01'"
	local mar="x.created_at >= '2024-03-01' AND x.created_at < '2024-04-01'"
	local apr="x.created_at >= '2024-04-01' AND x.created_at < '2024-05-01'"
	local may="x.created_at >= '2024-05-01' AND x.created_at < '2024-06-01'"
	local jun="x.created_at >= '2024-06-01' AND x.created_at < '2024-07-01'"
	local note="event_type = 'churn_u_$n', event_data = '{\"churn\": $n}'"
	case $op in
	# non-key updates through the parent: the archived month, the added and
	# split ones, DEFAULT's
	0) _churn_event_update nonkey_jan event_logs "$jan" "$note" ;;
	1) _churn_event_update nonkey_may event_logs "$may" "$note" ;;
	2) _churn_event_update nonkey_apr event_logs "$apr" "$note" ;;
	3) _churn_event_update nonkey_jun event_logs "$jun" "$note" ;;
	4) _churn_event_update nonkey_mar event_logs "$mar" "$note" ;;
	# partition-key moves through the parent
	5) _churn_ts 2024-06-01 '29 days' && _churn_event_update move_feb_to_default event_logs "$feb" "created_at = $CHURN_TS" ;;
	6) _churn_ts 2024-03-01 '30 days' && _churn_event_update move_default_to_mar event_logs "$jun" "created_at = $CHURN_TS" ;;
	7) _churn_ts 2024-02-01 '28 days' && _churn_event_update move_mar_to_feb event_logs "$mar" "created_at = $CHURN_TS" ;;
	8) _churn_ts 2024-05-01 '30 days' && _churn_event_update move_into_split_month event_logs "$feb" "created_at = $CHURN_TS" ;;
	9) _churn_ts 2024-05-01 '30 days' && _churn_event_update move_into_split_month event_logs "$jun" "created_at = $CHURN_TS" ;;
	10) _churn_ts 2024-04-01 '29 days' && _churn_event_update move_default_to_apr event_logs "$jun" "created_at = $CHURN_TS" ;;
	11) _churn_ts 2024-01-01 '30 days' && _churn_event_update move_mar_to_jan event_logs "$mar" "created_at = $CHURN_TS" ;;
	12) _churn_ts 2023-12-01 '30 days' && _churn_event_update move_may_to_default event_logs "$may" "created_at = $CHURN_TS" ;;
	13) _churn_ts 2024-02-01 '28 days' && _churn_event_update move_jan_to_feb event_logs "$jan" "created_at = $CHURN_TS" ;;
	14) _churn_ts 2024-03-01 '30 days' && _churn_event_update move_apr_to_mar event_logs "$apr" "created_at = $CHURN_TS" ;;
	# inserts, through the parent and straight into partitions
	15) _churn_ts 2024-05-01 '30 days' && _churn_event_insert insert_may event_logs "$n" ;;
	16) _churn_ts 2024-06-01 '29 days' && _churn_event_insert direct_insert event_logs_default "$n" ;;
	17) _churn_ts 2024-04-01 '29 days' && _churn_event_insert direct_insert event_logs_default "$n" ;;
	18) _churn_ts 2024-05-01 '30 days' && _churn_event_insert direct_insert event_logs_2024_05 "$n" ;;
	19) _churn_ts 2024-05-08 '6 days' && _churn_event_insert direct_insert event_logs_2024_05_w2 "$n" ;;
	20) _churn_ts 2024-01-01 '30 days' && _churn_event_insert direct_insert event_logs_2024_01 "$n" ;;
	21) _churn_ts 2024-04-01 '29 days' && _churn_event_insert direct_insert event_logs_2024_04 "$n" ;;
	22) _churn_ts 2024-01-01 '30 days' && _churn_event_insert insert_jan event_logs "$n" ;;
	# deletes of the churn's own rows, inserted moments before
	23 | 24) _churn_event_delete_own delete_own event_logs ;;
	25) _churn_event_delete_own direct_delete_own event_logs_default ;;
	26) _churn_event_delete_own direct_delete_own event_logs_2024_05 ;;
	27) _churn_event_delete_own direct_delete_own event_logs_2024_01 ;;
	28) _churn_random_id "$me" && _churn_delete_id delete_setup event_logs "$CHURN_ID" ;;
	# updates straight into partitions (and the archive) by name
	29) _churn_event_update direct_update event_logs_default true "$note" ;;
	30) _churn_event_update direct_update event_logs_2024_03 true "$note" ;;
	31) _churn_event_update direct_update event_logs_2024_01 true "$note" ;;
	32) _churn_event_update direct_update event_logs_archive true "$note" ;;
	33) _churn_event_update direct_update event_logs_2024_05_w1 true "$note" ;;
	# a key change inside DEFAULT: legal until `add` gives April its partition
	34) _churn_ts 2024-04-01 '29 days' && _churn_event_update direct_move event_logs_default "$jun" "created_at = $CHURN_TS" ;;
	# inside February, or out of it (refused: the partition's constraint)
	35) _churn_ts 2024-02-01 '30 days' && _churn_event_update direct_move event_logs_2024_02 true "created_at = $CHURN_TS" ;;
	# users_distributed
	36) _churn_user_update user_name users_distributed "username = 'churn_${tag}_$n'" ;;
	37) _churn_user_update user_status users_distributed "status = 'churn_$n', email = 'churn_$n@example.com'" ;;
	38) _churn_random_id "$mu" && _churn_delete_id user_delete users_distributed "$CHURN_ID" ;;
	# straight into a partition of the live table: the hash ones, then the range ones
	39) if ((n % 2)); then
		_churn_user_update direct_user "users_distributed_p$((n % 4))" "status = 'churn_d$n'"
	else
		_churn_user_update direct_user "users_distributed_r$((n % 4 + 1))" "status = 'churn_d$n'"
	fi ;;
	40) _churn_user_insert "$n" "$tag" ;;
	41) _churn_user_delete_own ;;
	# transactions of several changes through the parent (none can fail
	# but on a lock timeout), open across a short pause, committed or rolled
	# back: a rolled-back change must appear nowhere (its churn_log rows are
	# rolled back with it; it reports how many there were on stdout)
	42 | 43) _churn_transaction "$op" "$n" "$me" "$mu" "$tag" ;;
	esac
}

# the operations of _churn_statement that cannot fail: through the parent
CHURN_SAFE_OPS=(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 22 23 24 36 37 40 41)

_churn_transaction() {
	local op=$1 n=$2 me=$3 mu=$4 tag=$5 sql i
	sql="BEGIN;
SELECT coalesce(max(seq), 0) AS churn_mark FROM churn_log \\gset"
	for i in 1 2 3; do
		# numbers of their own (names made of them stay unique)
		_churn_statement "${CHURN_SAFE_OPS[RANDOM % ${#CHURN_SAFE_OPS[@]}]}" $((i * 1000000 + n)) "$me" "$mu" "$tag"
		sql+=$'\n'$CHURN_SQL
		if ((i == 2)); then
			sql+=$'\n'"SELECT pg_sleep(0.02) \\g /dev/null"
		fi
	done
	if ((op == 42)); then
		CHURN_SQL="$sql
COMMIT;"
	else
		CHURN_SQL="$sql
SELECT 'rolled_back', count(*) FROM churn_log WHERE seq > :churn_mark;
ROLLBACK;"
	fi
}

churn_start() {
	local dir=$1 max_event=$2 max_user=$3 pause=${4:-0.005}
	psql -XAtq -v ON_ERROR_STOP=1 <<-'SQL' || return 1
		CREATE TABLE IF NOT EXISTS churn_log (
		    seq   bigserial PRIMARY KEY,
		    at    timestamptz NOT NULL DEFAULT clock_timestamp(),
		    tbl   text NOT NULL,
		    id    bigint NOT NULL,
		    op    text NOT NULL CHECK (op IN ('i', 'u', 'd')),
		    kind  text NOT NULL,
		    src   text,
		    dst   text,
		    state text);
		CREATE INDEX IF NOT EXISTS churn_log_tbl_id ON churn_log (tbl, id);
	SQL
	CHURN_LAST_COUNT=0
	_churn_set_ours "$max_event" "$max_user"
	(
		# the run's own tag keeps new usernames unique across runs
		local tag=${BASHPID}_$RANDOM n=0 tick op
		# a pause without a fork: read with a timeout from a pipe nobody writes to
		exec {tick}<> <(:)
		{
			echo "SET lock_timeout = '60s';"
			while [[ ! -e $dir/stop ]]; do
				n=$((n + 1))
				op=$((RANDOM % CHURN_OPS))
				[[ " $CHURN_SKIP_OPS " == *" $op "* ]] && continue
				_churn_statement "$op" "$n" "$max_event" "$max_user" "$tag"
				printf '%s\n' "$CHURN_SQL"
				read -r -t "$pause" -u "$tick" || true
			done
		} | psql -XAtq -v ON_ERROR_STOP=0 >"$dir/churn.out" 2>"$dir/churn.err"
	) &
	CHURN_PID=$!
}

churn_stop() {
	touch "$1/stop"
	wait "$CHURN_PID"
	if [[ -n ${CHURN_READER_PID-} ]]; then
		wait "$CHURN_READER_PID"
		CHURN_READER_PID=""
	fi
}

# the reader's query: the sentinels (rows the churn never touches) of the
# months add and split move (April, May), of every month that is never
# archived (February on), of January in event_logs and, once detach made it,
# in event_logs_archive (detach moves January there: at every snapshot each
# row must be in exactly one of them), and of users_distributed, each
# counted through the parent in one statement (one snapshot); months by
# their key, so that partition pruning takes part
_churn_reader_query() {
	local me=$1 mu=$2 s="id % $CHURN_SENTINEL = 0"
	echo "SELECT 'seen', (SELECT count(*) FROM event_logs WHERE $s AND id <= $me AND created_at >= '2024-04-01' AND created_at < '2024-05-01'),
	  (SELECT count(*) FROM event_logs WHERE $s AND id <= $me AND created_at >= '2024-05-01' AND created_at < '2024-06-01'),
	  (SELECT count(*) FROM event_logs WHERE $s AND id <= $me AND created_at >= '2024-02-01'),
	  pg_temp.churn_january($me),
	  (SELECT count(*) FROM users_distributed WHERE $s AND id <= $mu),
	  extract(epoch FROM clock_timestamp());"
}

# the reader session's own function for January (the archive may not exist
# yet): STABLE, so that its queries read the calling statement's snapshot
_churn_reader_prelude() {
	local s="id %% $CHURN_SENTINEL = 0" # a format() string: %% is one %
	cat <<-SQL
		SET client_min_messages = warning;
		CREATE FUNCTION pg_temp.churn_january(me bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS \$fn\$
		DECLARE
		    n bigint;
		    january text := 'SELECT count(*) FROM %s WHERE $s AND id <= \$1'
		                    ' AND created_at >= ''2024-01-01'' AND created_at < ''2024-02-01''';
		BEGIN
		    IF to_regclass('event_logs_archive') IS NOT NULL THEN
		        BEGIN
		            EXECUTE format('SELECT (' || january || ') + (' || january || ')', 'event_logs', 'event_logs_archive')
		               INTO n USING me;
		            RETURN n;
		        EXCEPTION WHEN undefined_table THEN
		            NULL;   -- dropped since (--abort drops the archive a run created): it held no row
		        END;
		    END IF;
		    EXECUTE format(january, 'event_logs') INTO n USING me;
		    RETURN n;
		END \$fn\$;
	SQL
}

churn_reader_start() {
	local dir=$1 me=$2 mu=$3 query
	query=$(_churn_reader_query "$me" "$mu")
	{ _churn_reader_prelude; printf '%s\n' "$query"; } | psql -XAtq -v ON_ERROR_STOP=1 |
		sed 's/|[^|]*$//' >"$dir/reader.expected" || return 1
	(
		local tick
		exec {tick}<> <(:)
		{
			echo "SET lock_timeout = '60s';"
			_churn_reader_prelude
			while [[ ! -e $dir/stop ]]; do
				printf '%s\n' "$query"
				read -r -t 0.02 -u "$tick" || true
			done
		} | psql -XAtq -v ON_ERROR_STOP=0 >"$dir/reader.out" 2>"$dir/reader.err"
	) &
	CHURN_READER_PID=$!
}

# "reads=N unseen=N errors=N": reads that did not see every sentinel (or
# saw one twice), and reads that failed; those reads are in
# DIR/reader.unseen ("seen|april|may|february_on|january|users|epoch" each, the
# time when the read ran)
churn_reader_check() {
	local dir=$1 reads unseen errors
	reads=$(grep -c '^seen|' "$dir/reader.out" || true)
	awk -F'|' -v want="$(cat "$dir/reader.expected")" \
		'$1 == "seen" { line = $0; sub(/\|[^|]*$/, "", line); if (line != want) print }' \
		"$dir/reader.out" >"$dir/reader.unseen"
	unseen=$(grep -c . "$dir/reader.unseen" || true)
	errors=$(grep -c 'ERROR:' "$dir/reader.err" || true)
	echo "reads=$reads unseen=$unseen errors=$errors"
}

churn_wait_progress() {
	local want=$((CHURN_LAST_COUNT + $1)) deadline=$((SECONDS + 60)) now
	while :; do
		now=$(psql -XAtq -c "SELECT count(*) FROM churn_log")
		[[ $now -ge $want ]] && break
		if ((SECONDS > deadline)) || ! kill -0 "$CHURN_PID" 2>/dev/null; then
			echo "churn_wait_progress: churn_log has $now rows, waited for $want" >&2
			return 1
		fi
		sleep 0.1
	done
	CHURN_LAST_COUNT=$now
}

churn_check() {
	psql -XAtq -v ON_ERROR_STOP=1 -v "event_row=$CHURN_EVENT_ROW" -v "user_row=$CHURN_USER_ROW" <<-'SQL'
		SELECT to_regclass('event_logs_archive') IS NOT NULL AS churn_has_archive \gset
		\if :churn_has_archive
		CREATE TEMPORARY VIEW churn_events AS
		    SELECT e.id, :event_row AS state FROM event_logs AS e
		    UNION ALL
		    SELECT e.id, :event_row FROM event_logs_archive AS e;
		\else
		CREATE TEMPORARY VIEW churn_events AS SELECT e.id, :event_row AS state FROM event_logs AS e;
		\endif
		WITH last AS (
		    SELECT DISTINCT ON (l.tbl, l.id) l.tbl, l.id, l.op, l.state FROM churn_log AS l ORDER BY l.tbl, l.id, l.seq DESC
		),
		now AS (
		    SELECT 'event_logs' AS tbl, c.id, count(*) AS copies, min(c.state) AS state
		      FROM churn_events AS c WHERE c.id IN (SELECT id FROM last WHERE tbl = 'event_logs') GROUP BY c.id
		    UNION ALL
		    SELECT 'users_distributed', u.id, count(*), min(:user_row)
		      FROM users_distributed AS u WHERE u.id IN (SELECT id FROM last WHERE tbl = 'users_distributed') GROUP BY u.id
		),
		verdict AS (
		    SELECT CASE
		             WHEN l.op = 'd' AND n.id IS NOT NULL THEN 'resurrected'
		             WHEN l.op = 'd' THEN 'ok'
		             WHEN n.id IS NULL THEN 'missing'
		             WHEN n.copies > 1 THEN 'doubled'
		             WHEN n.state IS DISTINCT FROM l.state THEN 'wrong'
		             ELSE 'ok' END AS v
		      FROM last AS l LEFT JOIN now AS n ON n.tbl = l.tbl AND n.id = l.id
		)
		SELECT format('changed=%s stale=%s missing=%s wrong=%s doubled=%s resurrected=%s names=%s',
		    count(*), count(*) FILTER (WHERE v <> 'ok'), count(*) FILTER (WHERE v = 'missing'),
		    count(*) FILTER (WHERE v = 'wrong'), count(*) FILTER (WHERE v = 'doubled'),
		    count(*) FILTER (WHERE v = 'resurrected'),
		    (SELECT count(*) FROM users_distributed AS u WHERE NOT EXISTS (
		         SELECT FROM users_distributed_usernames AS r WHERE r.username = u.username AND r.user_id = u.id))
		  + abs((SELECT count(*) FROM users_distributed_usernames) - (SELECT count(*) FROM users_distributed)))
		  FROM verdict;
	SQL
}

churn_untouched_check() {
	local template=$1 prints
	prints=$(mktemp) || return 1
	psql -XAtq -v ON_ERROR_STOP=1 -d "$template" \
		-c "\\copy (SELECT 'event_logs', e.id, $CHURN_EVENT_ROW FROM event_logs AS e UNION ALL SELECT 'users_distributed', u.id, $CHURN_USER_ROW FROM users_distributed AS u) TO '$prints'" ||
		return 1
	# $prints is a mktemp name: no quote in it
	psql -XAtq -v ON_ERROR_STOP=1 -v "event_row=$CHURN_EVENT_ROW" -v "user_row=$CHURN_USER_ROW" <<-SQL
		CREATE TEMPORARY TABLE setup_rows (tbl text, id bigint, state text);
		\\copy setup_rows FROM '$prints'
		SELECT to_regclass('event_logs_archive') IS NOT NULL AS churn_has_archive \gset
		\if :churn_has_archive
		CREATE TEMPORARY VIEW churn_rows AS
		    SELECT 'event_logs' AS tbl, e.id, :event_row AS state FROM event_logs AS e
		    UNION ALL SELECT 'event_logs', e.id, :event_row FROM event_logs_archive AS e
		    UNION ALL SELECT 'users_distributed', u.id, :user_row FROM users_distributed AS u;
		\else
		CREATE TEMPORARY VIEW churn_rows AS
		    SELECT 'event_logs' AS tbl, e.id, :event_row AS state FROM event_logs AS e
		    UNION ALL SELECT 'users_distributed', u.id, :user_row FROM users_distributed AS u;
		\endif
		-- each untouched setup row exactly once, as it was
		SELECT 'untouched_changed=' || count(*) FROM (
		    SELECT s.tbl, s.id FROM setup_rows AS s
		      LEFT JOIN churn_rows AS r ON r.tbl = s.tbl AND r.id = s.id AND r.state = s.state
		     WHERE NOT EXISTS (SELECT FROM churn_log AS l WHERE l.tbl = s.tbl AND l.id = s.id)
		     GROUP BY s.tbl, s.id HAVING count(r.id) <> 1) AS bad;
	SQL
	rm -f "$prints"
}

churn_stats() {
	psql -XAtq -v ON_ERROR_STOP=1 <<-'SQL'
		WITH moved AS (
		    SELECT * FROM churn_log WHERE tbl = 'event_logs' AND op = 'u' AND src <> dst
		)
		SELECT format('moves=%s into_default=%s out_of_default=%s between_months=%s into_split_month=%s direct=%s inserts=%s own_deletes=%s users=%s',
		    (SELECT count(*) FROM moved),
		    (SELECT count(*) FROM moved WHERE dst = 'event_logs_default'),
		    (SELECT count(*) FROM moved WHERE src = 'event_logs_default'),
		    (SELECT count(*) FROM moved WHERE src <> 'event_logs_default' AND dst <> 'event_logs_default'),
		    (SELECT count(*) FROM moved WHERE dst LIKE 'event\_logs\_2024\_05%'),
		    (SELECT count(*) FROM churn_log WHERE kind LIKE 'direct%'),
		    (SELECT count(*) FROM churn_log WHERE op = 'i'),
		    (SELECT count(*) FROM churn_log AS d WHERE d.op = 'd' AND EXISTS (
		         SELECT FROM churn_log AS i WHERE i.tbl = d.tbl AND i.id = d.id AND i.op = 'i')),
		    (SELECT count(*) FROM churn_log WHERE tbl = 'users_distributed'));
	SQL
}

# "rolled_back=N": changes made in transactions that were rolled back
churn_rolled_back() {
	awk -F'|' '$1 == "rolled_back" { n += $2 } END { print "rolled_back=" n + 0 }' "$1/churn.out"
}

churn_failures() {
	local err=$1/churn.err gone building backup constraint deadlock aborted all
	all=$(grep -c 'ERROR:' "$err" || true)
	gone=$(grep 'ERROR:' "$err" | grep -c 'relation ".*" does not exist' || true)
	# a table an online scenario is building, not a partition yet, refuses writes
	building=$(grep 'ERROR:' "$err" | grep -c 'is being built by an online' || true)
	# a partition of the hash table that migrate keeps refuses writes by name
	backup=$(grep 'ERROR:' "$err" | grep -c 'is the copy of .* kept by' || true)
	constraint=$(grep 'ERROR:' "$err" | grep -c 'violates partition constraint' || true)
	deadlock=$(grep 'ERROR:' "$err" | grep -c 'deadlock detected' || true)
	# the rest of a transaction after its failed statement
	aborted=$(grep 'ERROR:' "$err" | grep -c 'current transaction is aborted' || true)
	echo "gone=$gone building=$building backup=$backup constraint=$constraint deadlock=$deadlock aborted=$aborted" \
		"unexpected=$((all - gone - building - backup - constraint - deadlock - aborted))"
}
