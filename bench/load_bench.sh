#!/usr/bin/env bash
# load_bench.sh - how fast load-data --max writes, against baselines measured
# in the same run on the same tables of the same throwaway server:
#   COPY FROM STDIN      psql \copy of the same number of comparable rows (1 transaction)
#   multi-row INSERT     1,000 rows per INSERT statement, same rows (1 transaction)
#   INSERT ... SELECT    generated on the server: no client, no network (the ceiling)
# Prints a table with rows/s and the ratio to COPY; writes it to bench/out/load.md.
# Usage: bench/load_bench.sh [rows]   (default 200000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-200000}
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# durable settings, as a production server: fsync and synchronous commit on
TEST_CLUSTER_SETTINGS=(shared_buffers=256MB max_wal_size=4GB)
cleanup() { test_cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
test_cluster_start

psql_q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

"$ROOT/bin/setup-database" --seed-rows 1000 >/dev/null 2>&1
psql_q -1 -f "$ROOT/bench/sql/load_rows.sql"

# the spec's mix of $ROWS rows
n_events=$((ROWS * 30 / 100)) n_users=$((ROWS * 25 / 100)) n_orders=$((ROWS * 25 / 100))
n_sales=$((ROWS - n_events - n_users - n_orders))
COLS_EVENTS="id, event_type, user_id, event_data, ip_address, created_at"
COLS_USERS="id, username, email, country_code, registration_date, status"
COLS_ORDERS="id, order_number, user_id, product_id, region, order_total, order_status, created_at"
COLS_SALES="id, sale_date, product_category, product_id, quantity, unit_price, total_amount, store_id"

declare -A seconds

echo "load-data --max, $ROWS rows ..." >&2
"$ROOT/bin/load-data" --max --rows "$ROWS" --progress 0 --json >"$WORK/load.json" 2>/dev/null
seconds[load]=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["committed_rows"] / d["rows_per_second"])' "$WORK/load.json")

echo "COPY FROM STDIN ..." >&2
for t in events:event:"$n_events" users:user:"$n_users" orders:order:"$n_orders" sales:sale:"$n_sales"; do
	IFS=: read -r name fn n <<<"$t"
	psql_q -c "\\copy (SELECT * FROM bench.${fn}_rows($n)) TO '$WORK/$name.copy'"
done
cat >"$WORK/copy.sql" <<SQL
\\copy event_logs ($COLS_EVENTS) FROM '$WORK/events.copy'
\\copy users_distributed ($COLS_USERS) FROM '$WORK/users.copy'
\\copy orders_by_region ($COLS_ORDERS) FROM '$WORK/orders.copy'
\\copy sales_data ($COLS_SALES) FROM '$WORK/sales.copy'
SQL
start=$(now)
psql_q -1 -f "$WORK/copy.sql"
seconds[copy]=$(echo "$(now) - $start" | bc)

echo "multi-row INSERT ..." >&2
for t in event_logs:event:"$n_events":"$COLS_EVENTS" users_distributed:user:"$n_users":"$COLS_USERS" \
	orders_by_region:order:"$n_orders":"$COLS_ORDERS" sales_data:sale:"$n_sales":"$COLS_SALES"; do
	IFS=: read -r table fn n cols <<<"$t"
	# rows as SQL literals, 1,000 per INSERT statement
	psql_q -c "SELECT format('INSERT INTO $table ($cols) VALUES %s;', string_agg(v, ','))
	             FROM (SELECT (row_number() OVER () - 1) / 1000 AS grp,
	                          format('(%s)', (SELECT string_agg(quote_nullable(x), ',')
	                                            FROM json_each_text(row_to_json(r)) AS j(k, x))) AS v
	                     FROM bench.${fn}_rows($n) AS r) AS rows
	            GROUP BY grp" >>"$WORK/insert.sql"
done
start=$(now)
psql_q -1 -f "$WORK/insert.sql" >/dev/null
seconds[insert]=$(echo "$(now) - $start" | bc)

echo "INSERT ... SELECT ..." >&2
start=$(now)
psql_q -1 <<SQL
INSERT INTO event_logs ($COLS_EVENTS) SELECT * FROM bench.event_rows($n_events);
INSERT INTO users_distributed ($COLS_USERS) SELECT * FROM bench.user_rows($n_users);
INSERT INTO orders_by_region ($COLS_ORDERS) SELECT * FROM bench.order_rows($n_orders);
INSERT INTO sales_data ($COLS_SALES) SELECT * FROM bench.sale_rows($n_sales);
SQL
seconds[ceiling]=$(echo "$(now) - $start" | bc)

rate() { python3 -c "print(round($ROWS / ${seconds[$1]}))"; }
ratio() { python3 -c "print('%.2f' % ((${seconds[copy]}) / (${seconds[$1]})))"; }
{
	echo "| method | rows | seconds | rows/s | vs COPY |"
	echo "|---|---:|---:|---:|---:|"
	printf '| load-data --max (COPY, 2,000 rows per transaction) | %s | %.2f | %s | %s |\n' "$ROWS" "${seconds[load]}" "$(rate load)" "$(ratio load)"
	printf '| COPY FROM STDIN (psql \\copy, one transaction) | %s | %.2f | %s | 1.00 |\n' "$ROWS" "${seconds[copy]}" "$(rate copy)"
	printf '| multi-row INSERT (1,000 rows per statement) | %s | %.2f | %s | %s |\n' "$ROWS" "${seconds[insert]}" "$(rate insert)" "$(ratio insert)"
	printf '| INSERT ... SELECT generate_series (server only, ceiling) | %s | %.2f | %s | %s |\n' "$ROWS" "${seconds[ceiling]}" "$(rate ceiling)" "$(ratio ceiling)"
	echo
	echo "PostgreSQL $(psql_q -c 'SHOW server_version'), fsync on; $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
} | tee "$OUT_DIR/load.md"
load_vs_copy=$(ratio load)
python3 -c "import sys; sys.exit(0 if $load_vs_copy >= 0.6 else 1)" ||
	echo "note: load-data --max reached $load_vs_copy of the COPY rate, below the 0.6 target" >&2
