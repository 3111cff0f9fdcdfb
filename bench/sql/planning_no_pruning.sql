-- bench/sql/planning_no_pruning.sql - the contrast to planning_one_month.sql:
-- a filter on event_type, not the partition key, so the planner must plan
-- every partition of :tbl.
--     psql -v tbl=scale.events_p120 -f bench/sql/planning_no_pruning.sql
EXPLAIN (SUMMARY ON)
SELECT count(*)
  FROM :tbl
 WHERE event_type = 'purchase';
