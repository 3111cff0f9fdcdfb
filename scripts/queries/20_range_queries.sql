-- =============================================================================
-- scripts/queries/20_range_queries.sql -- partition pruning on event_logs,
-- RANGE-partitioned by month on created_at (event_logs_2024_01, _02, _03 and
-- event_logs_default).
-- =============================================================================
-- bin/demonstrate-queries reads every scripts/queries/*.sql in name order and
-- runs each annotated query: it shows its EXPLAIN (ANALYZE, BUFFERS) plan,
-- checks the partitions it scanned against @expect, and times it next to the
-- same query on the plain table (@plain). The program holds no query text of
-- its own: everything it runs is here.
--
-- Annotations are "-- @tag: value" comment lines right above a statement; other
-- comment lines are free prose (a comment line may not start with "@" unless
-- it is an annotation). One item per annotated statement:
--
--   -- @query: NAME            a query to check (exactly one statement), with
--   -- @table: TABLE           the partitioned table it demonstrates
--   -- @shows: SENTENCE        what it shows, one line
--   -- @expect: P1, P2 | all   the leaf partitions it must scan ("all": every
--                              leaf of @table, read from the catalog)
--   -- @pruning: plan time | run time | none    (optional) how they are pruned
--   -- @param $1: VALUE        (optional, $1, $2, ... in order) sent as a
--                              parameter, never pasted into the SQL
--   -- @plan: generic | custom (optional, with parameters; default custom)
--                              generic: PREPARE under plan_cache_mode =
--                              force_generic_plan, so the values are unknown
--                              to the planner and pruning happens at run time
--
--   -- @plain: NAME            the same work on the plain <table>_old, timed
--                              beside query NAME (same parameters and plan)
--
--   -- @maintenance: NAME      statements run and timed inside BEGIN ...
--   -- @table: / @shows:       ROLLBACK (see 29_partition_maintenance.sql);
--                              unannotated statements that follow belong to it
--
-- The expectations name the partitions bin/setup-database creates. February
-- is the month of the single-month examples: bin/repartition split works on
-- the newest month and detach on the oldest, so February keeps its partition
-- longest; after split, detach or migrate, "bin/repartition cleanup" restores
-- the layout these files expect.
--
-- Each query can be run by hand in psql; EXPLAIN (ANALYZE, BUFFERS) in front of
-- it shows the plan the program checks. For a generic plan:
--     SET plan_cache_mode = force_generic_plan;
--     PREPARE q(timestamp) AS SELECT ... WHERE created_at >= $1 ...;
--     EXPLAIN (ANALYZE, BUFFERS) EXECUTE q('2024-02-10');
-- =============================================================================

-- @query: one_month
-- @table: event_logs
-- @shows: a one-month range on the partition key scans only that month's partition
-- @expect: event_logs_2024_02
-- @pruning: plan time
SELECT count(*)
  FROM event_logs
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';

-- @plain: one_month
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';

-- @query: range_across_two_months
-- @table: event_logs
-- @shows: a range that crosses a month boundary scans the two months it touches, no more
-- @expect: event_logs_2024_02, event_logs_2024_03
-- @pruning: plan time
SELECT event_type, count(*) AS events
  FROM event_logs
 WHERE created_at >= '2024-02-15' AND created_at < '2024-03-15'
 GROUP BY event_type
 ORDER BY events DESC;

-- @plain: range_across_two_months
SELECT event_type, count(*) AS events
  FROM event_logs_old
 WHERE created_at >= '2024-02-15' AND created_at < '2024-03-15'
 GROUP BY event_type
 ORDER BY events DESC;

-- @query: before_first_month
-- @table: event_logs
-- @shows: a date before the first month can only be in DEFAULT, so only DEFAULT is scanned
-- @expect: event_logs_default
-- @pruning: plan time
SELECT count(*)
  FROM event_logs
 WHERE created_at < '2024-01-01';

-- @plain: before_first_month
SELECT count(*)
  FROM event_logs_old
 WHERE created_at < '2024-01-01';

-- @query: non_key_column_cannot_prune
-- @table: event_logs
-- @shows: the contrast: a filter on event_type, not the partition key, must scan every partition
-- @expect: all
-- @pruning: none
SELECT count(*)
  FROM event_logs
 WHERE event_type = 'purchase';

-- @plain: non_key_column_cannot_prune
SELECT count(*)
  FROM event_logs_old
 WHERE event_type = 'purchase';

-- @query: one_day_generic_plan
-- @table: event_logs
-- @shows: with a generic plan the day is a parameter the planner cannot see; the executor prunes at startup ("Subplans Removed")
-- @expect: event_logs_2024_02
-- @pruning: run time
-- @param $1: 2024-02-10
-- @plan: generic
SELECT count(*)
  FROM event_logs
 WHERE created_at >= $1::timestamp
   AND created_at < $1::timestamp + interval '1 day';

-- @plain: one_day_generic_plan
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= $1::timestamp
   AND created_at < $1::timestamp + interval '1 day';

-- @query: bound_from_subquery
-- @table: event_logs
-- @shows: a bound computed by a subquery is known only during execution: the other partitions show "(never executed)"
-- @expect: event_logs_2024_02
-- @pruning: run time
SELECT count(*)
  FROM event_logs
 WHERE created_at >= (SELECT timestamp '2024-02-20')
   AND created_at < (SELECT timestamp '2024-02-20' + interval '1 day');

-- @plain: bound_from_subquery
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= (SELECT timestamp '2024-02-20')
   AND created_at < (SELECT timestamp '2024-02-20' + interval '1 day');
