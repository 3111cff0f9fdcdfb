# shellcheck shell=bash
# row_mutator.sh - a second writer for online-migration tests and the bench:
# updates and deletes random existing rows of event_logs and users_distributed
# (ids 1..max_id, the seeded ones) through one psql session, and records every
# change that took effect in the table online_mutations, in the same statement.
# online_mutation_check then says whether each changed row is in its last state.
# Connection from the PG* environment.

# row_mutator MAX_ID STOP_FILE [PAUSE_S]: runs until STOP_FILE exists.
row_mutator() {
	local max_id=$1 stop=$2 pause=${3:-0.005} n=0 id
	psql -XAtq -c "CREATE TABLE IF NOT EXISTS online_mutations (
		seq bigserial PRIMARY KEY, tbl text NOT NULL, id bigint NOT NULL, op text NOT NULL, val text)" \
		>/dev/null || return 1
	# the run's own tag keeps new usernames unique across runs
	local tag=$$_$RANDOM
	{
		while [[ ! -e $stop ]]; do
			n=$((n + 1))
			id=$(((RANDOM * 32768 + RANDOM) % max_id + 1))
			case $((n % 5)) in
			0) echo "WITH c AS (DELETE FROM event_logs WHERE id = $id RETURNING id)
				INSERT INTO online_mutations (tbl, id, op) SELECT 'event_logs', id, 'd' FROM c;" ;;
			1) echo "WITH c AS (UPDATE event_logs SET event_type = 'mut_$n' WHERE id = $id RETURNING id)
				INSERT INTO online_mutations (tbl, id, op, val) SELECT 'event_logs', id, 'u', 'mut_$n' FROM c;" ;;
			2) echo "WITH c AS (UPDATE users_distributed SET username = 'mut_${tag}_$n' WHERE id = $id RETURNING id)
				INSERT INTO online_mutations (tbl, id, op, val) SELECT 'users_distributed', id, 'u', 'mut_${tag}_$n' FROM c;" ;;
			3) echo "WITH c AS (DELETE FROM users_distributed WHERE id = $id RETURNING id)
				INSERT INTO online_mutations (tbl, id, op) SELECT 'users_distributed', id, 'd' FROM c;" ;;
			# the name stays: the row changes, its username registration must not
			4) echo "WITH c AS (UPDATE users_distributed SET status = 'mut_$n' WHERE id = $id RETURNING id)
				INSERT INTO online_mutations (tbl, id, op, val) SELECT 'users_distributed', id, 's', 'mut_$n' FROM c;" ;;
			esac
			sleep "$pause"
		done
	} | psql -XAtq -v ON_ERROR_STOP=0
}

# online_mutation_check: one line "changed=N stale=N" where stale counts the
# changed ids whose row is not in its last recorded state (a deleted row
# still present, an update missing), plus users whose name is not registered
# (or registered names without a user) in users_distributed_usernames; for
# after users_distributed is migrated (the side table exists only then).
online_mutation_check() {
	psql -XAtq -v ON_ERROR_STOP=1 <<'SQL'
WITH last AS (
    SELECT DISTINCT ON (tbl, id) tbl, id, op, val FROM online_mutations ORDER BY tbl, id, seq DESC
)
SELECT format('changed=%s stale=%s', (SELECT count(*) FROM last),
    (SELECT count(*) FROM last AS l WHERE l.tbl = 'event_logs' AND l.op = 'd'
        AND EXISTS (SELECT FROM event_logs AS e WHERE e.id = l.id))
  + (SELECT count(*) FROM last AS l WHERE l.tbl = 'event_logs' AND l.op = 'u'
        AND NOT EXISTS (SELECT FROM event_logs AS e WHERE e.id = l.id AND e.event_type = l.val))
  + (SELECT count(*) FROM last AS l WHERE l.tbl = 'users_distributed' AND l.op = 'd'
        AND EXISTS (SELECT FROM users_distributed AS u WHERE u.id = l.id))
  + (SELECT count(*) FROM last AS l WHERE l.tbl = 'users_distributed' AND l.op = 'u'
        AND NOT EXISTS (SELECT FROM users_distributed AS u WHERE u.id = l.id AND u.username = l.val))
  + (SELECT count(*) FROM last AS l WHERE l.tbl = 'users_distributed' AND l.op = 's'
        AND NOT EXISTS (SELECT FROM users_distributed AS u WHERE u.id = l.id AND u.status = l.val))
  + (SELECT count(*) FROM users_distributed AS u WHERE NOT EXISTS (
        SELECT FROM users_distributed_usernames AS n WHERE n.username = u.username AND n.user_id = u.id))
  + abs((SELECT count(*) FROM users_distributed_usernames) - (SELECT count(*) FROM users_distributed)));
SQL
}
