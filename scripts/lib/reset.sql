-- =============================================================================
-- scripts/lib/reset.sql -- drop every object of the db-partitioning demo, and
-- only those, so that bin/setup-database can start from scratch.
-- =============================================================================
-- Tolerant of any partial state (IF EXISTS everywhere): after a full setup,
-- halfway through, after re-partitioning scenarios, or when nothing exists.
-- Safe to run twice. By hand (one transaction):
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/lib/reset.sql
--
-- Objects created by later scenarios (scripts/repartition/: archive tables,
-- weekly split partitions, the hash->range copy of users_distributed, ...)
-- must be added here as those scripts appear.
-- =============================================================================

-- Most DROP ... IF EXISTS below are no-ops that would each print "does not
-- exist, skipping"; keep the output to warnings and errors.
-- (SET LOCAL: ends with this file's transaction.)
SET LOCAL client_min_messages = warning;

-- Every DROP below waits for the sessions using the table: bounded
-- (SQLSTATE 55P03 when it expires, and nothing is dropped). bin/setup-database
-- sets lock_timeout for this transaction (--lock-timeout) and runs the file
-- again, with backoff; run by hand, the wait is 2 s unless the session has a
-- lock_timeout of its own.
DO $$
BEGIN
    IF pg_catalog.current_setting('lock_timeout') = '0' THEN
        PERFORM pg_catalog.set_config('lock_timeout', '2s', true);
    END IF;
END
$$;

-- The live tables, whatever their kind (plain before 01..04, partitioned
-- after): dropping a partitioned table drops all its partitions, their
-- indexes, triggers and owned sequences. CASCADE also removes objects that
-- depend on them (views of the query demos, foreign keys, ...).
DROP TABLE IF EXISTS event_logs, users_distributed, orders_by_region, sales_data CASCADE;

-- Leftovers of an interrupted migration and the preserved plain tables.
DROP TABLE IF EXISTS event_logs_partitioned, users_distributed_partitioned,
                     orders_by_region_partitioned, sales_data_partitioned CASCADE;
DROP TABLE IF EXISTS event_logs_old, users_distributed_old,
                     orders_by_region_old, sales_data_old CASCADE;

-- Partitions by name, in case one was detached from its parent (detach/split
-- scenarios) and so survived the drops above.
DROP TABLE IF EXISTS event_logs_2024_01, event_logs_2024_02, event_logs_2024_03,
                     event_logs_default,
                     users_distributed_p0, users_distributed_p1,
                     users_distributed_p2, users_distributed_p3,
                     orders_north_america, orders_europe, orders_asia_pacific, orders_other,
                     sales_2024_q1, sales_2024_q2, sales_default,
                     sales_2024_q1_electronics, sales_2024_q1_clothing, sales_2024_q1_other,
                     sales_2024_q2_electronics, sales_2024_q2_clothing, sales_2024_q2_other
                     CASCADE;

-- Username uniqueness of users_distributed (02_hash_partitions.sql).
DROP TABLE IF EXISTS public.users_distributed_usernames;
-- CASCADE: also drops the trigger on any table not dropped above that uses it.
DROP FUNCTION IF EXISTS public.users_distributed_register_username() CASCADE;
DROP FUNCTION IF EXISTS public.users_distributed_unregister_truncated() CASCADE;

-- Helpers and bookkeeping (scripts/lib/partition_demo.sql).
DROP SCHEMA IF EXISTS partition_demo CASCADE;

-- -----------------------------------------------------------------------------
-- Objects of the re-partitioning scenarios (scripts/repartition/10..14).
-- Partitions they add to event_logs (event_logs_2024_04, weekly
-- event_logs_2024_03_w1, ...) and the range partitions of a migrated
-- users_distributed (users_distributed_r1 .., _rmax) went with their parent
-- above; the hash table kept by migrate took users_distributed_p0 .. _p3
-- along (dropped by name above).
-- -----------------------------------------------------------------------------
DROP TABLE IF EXISTS event_logs_archive, users_distributed_hash, users_distributed_range CASCADE;

-- A scenario runs in one transaction, so no standalone month, week or range
-- table can outlive it; these names are only dropped in case someone ran the
-- statements by hand and stopped half way. Only tables named by the
-- scenarios' own patterns, in the current schema, that are not partitions.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.oid::regclass AS tbl
          FROM pg_catalog.pg_class AS c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p')
           AND NOT c.relispartition
           AND (c.relname ~ '^event_logs_[0-9]{4}_[0-9]{2}(_w[1-5])?$'
                OR c.relname ~ '^users_distributed_r([0-9]+|max)$')
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %s CASCADE', t.tbl);
    END LOOP;
END
$$;
