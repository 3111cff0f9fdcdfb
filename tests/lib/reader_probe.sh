# shellcheck shell=bash
# reader_probe.sh - a reader for the bench and the tests: one long-lived psql
# session that runs a few queries in turn, one every PAUSE_S seconds (0.01),
# until a stop file exists, and says how long each took as psql's \timing
# measures it: from sending the query to receiving its result, so a wait for
# a lock is part of it (a query behind ACCESS EXCLUSIVE reports the wait).
#
#   reader_probe QUERIES STOP_FILE [PAUSE_S] >RAW 2>ERRORS
#   reader_probe_times RAW...   one line per query run:
#                               "label<TAB>ms<TAB>error (0|1)<TAB>SQLSTATE"
#
# QUERIES: a file of lines "label<TAB>one SQL statement, on one line" (blank
# lines and lines starting with # skipped). Before each query the session
# sets the psql variable r to a random number 0..2^30-1; `:r` in a statement
# becomes that number as a literal, so the planner prunes partitions on it as
# on any constant (WHERE id = 1 + :r % 1000 reads one partition of a table
# partitioned by id). The queries are sent at the pace, without waiting for
# the previous one: when one waits, the next ones queue behind it (in the
# pipe) and run after it; the wait shows in the one that waited.
#
# Each query runs once untimed first, so that what the connection's first use
# of a table costs (filling its catalog caches) does not pass for a wait.
# psql's own cost (reading the pipe, printing) is outside the measured time.
# Connection from the PG* environment; application_name reader_probe unless
# PGAPPNAME says otherwise.

reader_probe() {
	local queries=$1 stop=$2 pause=${3:-0.01} label sql n i=0 tick
	local -a labels=() sqls=()
	while IFS=$'\t' read -r label sql; do
		[[ -z $label || $label == \#* ]] && continue
		if [[ -z $sql ]]; then
			echo "reader_probe: $queries: no statement after the label \"$label\" (label<TAB>SQL)" >&2
			return 2
		fi
		# one statement each: psql runs it at its semicolon
		sql=${sql%"${sql##*[![:space:]]}"}
		labels+=("$label") sqls+=("${sql%;};")
	done <"$queries"
	n=${#labels[@]}
	if ((n == 0)); then
		echo "reader_probe: $queries: no queries" >&2
		return 2
	fi
	# the pause without a sleep process per query: a read that times out on
	# a pipe nobody writes to
	exec {tick}<> <(:)
	{
		printf '%s\n' '\timing on'
		# each query once, untimed: the connection's first use of the tables
		# (catalog caches, 10-50 ms) is not a wait
		printf '\\set r 0\n'
		printf '%s\n' "${sqls[@]}"
		while [[ ! -e $stop ]]; do
			printf '\\set r %d\n\\echo @probe %s\n%s\n\\echo @end :ERROR :SQLSTATE\n' \
				$(((RANDOM << 15) | RANDOM)) "${labels[i]}" "${sqls[i]}"
			i=$(((i + 1) % n))
			read -r -t "$pause" -u "$tick" _ || true
		done
	} | PGAPPNAME=${PGAPPNAME:-reader_probe} psql -XAtq -v ON_ERROR_STOP=0
	local rc=$?
	exec {tick}<&-
	return $rc
}

# the lines of psql's output between "@probe label" and "@end ERROR SQLSTATE":
# the query's result (ignored) and "Time: 12.345 ms" (also after an error)
reader_probe_times() {
	awk '
		/^@probe / { label = substr($0, 8); ms = ""; next }
		/^Time: [0-9.]+ ms/ { ms = $2; next }
		/^@end / { printf "%s\t%s\t%d\t%s\n", label, ms, $2 == "true", $3; label = ""; next }
	' "$@"
}
