-- =============================================================================
-- scripts/queries/29_partition_maintenance.sql -- where partitioning wins by a
-- wide margin: removing a whole month, region or quarter.
-- =============================================================================
-- On a partitioned table that is DETACH PARTITION + DROP TABLE: catalog work,
-- nearly independent of the rows. On the plain table it is a DELETE that finds
-- and marks every row (and leaves them for VACUUM).
--
-- bin/demonstrate-queries runs each side inside BEGIN ... ROLLBACK and times
-- it: nothing is removed. The statements after an annotated one belong to it
-- until the next annotation. Plain DETACH is used: DETACH ... CONCURRENTLY
-- cannot run in a transaction block (and is refused while a DEFAULT partition
-- exists). DETACH takes an ACCESS EXCLUSIVE lock on the parent for the
-- moment of the transaction. Queued behind a single session that read the
-- table, that request would make every later reader and writer wait behind
-- it; so before these statements the program locks the table and all its
-- partitions with "LOCK TABLE ... IN ACCESS EXCLUSIVE MODE NOWAIT" (not
-- timed), tries a few times with backoff, and reports a busy table's removal
-- as skipped, naming the sessions holding its locks. The DELETE waits at
-- most the session's lock_timeout (--lock-timeout) and is skipped the same way.
-- DO NOT run this file with psql -f: outside a transaction that is rolled
-- back it really drops the partitions and deletes the rows.
-- By hand: BEGIN; LOCK TABLE event_logs IN ACCESS EXCLUSIVE MODE NOWAIT;
--          <the statements>; ROLLBACK;   (\timing on in psql)
-- Annotation format: see the header of 20_range_queries.sql.
-- =============================================================================

-- @maintenance: remove_a_month
-- @table: event_logs
-- @shows: removing February 2024: detach and drop its partition, or delete its rows from the plain table
ALTER TABLE event_logs DETACH PARTITION event_logs_2024_02;
DROP TABLE event_logs_2024_02;

-- @plain: remove_a_month
DELETE FROM event_logs_old
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';

-- @maintenance: remove_a_region
-- @table: orders_by_region
-- @shows: removing Europe's orders: detach and drop orders_europe, or delete them from the plain table
ALTER TABLE orders_by_region DETACH PARTITION orders_europe;
DROP TABLE orders_europe;

-- @plain: remove_a_region
DELETE FROM orders_by_region_old
 WHERE region IN ('UK', 'DE', 'FR', 'IT', 'ES');

-- @maintenance: remove_a_quarter
-- @table: sales_data
-- @shows: removing Q1 2024: detach and drop sales_2024_q1 with its three leaves, or delete from the plain table
ALTER TABLE sales_data DETACH PARTITION sales_2024_q1;
DROP TABLE sales_2024_q1;

-- @plain: remove_a_quarter
DELETE FROM sales_data_old
 WHERE sale_date >= '2024-01-01' AND sale_date < '2024-04-01';
