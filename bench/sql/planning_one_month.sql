-- bench/sql/planning_one_month.sql - the plan (not the run) of a one-month
-- query on :tbl; "Planning Time" is what bench/scale_bench.sh reads.
--     psql -v tbl=scale.events_p120 -f bench/sql/planning_one_month.sql
EXPLAIN (SUMMARY ON)
SELECT count(*)
  FROM :tbl
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';
