-- =============================================================================
-- scripts/repartition/10_add_new_partition.sql -- add the next monthly
-- partition of event_logs, after the last one, even when event_logs_default
-- already holds rows of that month.
-- =============================================================================
-- Steps (one transaction: all or nothing):
--   0. lock + guard    EXCLUSIVE on event_logs and every partition of it
--                      (DEFAULT included): writers wait, also those writing
--                      straight into a partition; readers go on; event_logs
--                      must be range-partitioned with event_logs_default as
--                      its DEFAULT, and the project must have created it and
--                      every partition (partition_demo.assert_ours)
--   1. snapshot        rows and checksum of every partition (for step 7)
--   2. plan            the month after the highest upper bound, e.g.
--                      event_logs_2024_04 for [2024-04-01, 2024-05-01); a
--                      table of that name, the project's or not, is refused
--   3. build           a standalone table shaped like a partition: columns,
--                      defaults, the parent's indexes, CHECK = the bound
--   4. move            that month's rows out of event_logs_default into it
--   5. attach          ATTACH PARTITION; the CHECK spares the scan of the new
--                      table, DEFAULT is scanned (it no longer holds the month)
--   6. test insert     a row of the new month lands in the new partition; it
--                      is deleted again so that the data stays as it was
--   7. verify          event_logs, scanned again, holds exactly the rows of
--                      step 1
-- Run again, it adds the month after that one.
--
-- Why step 4 (docs/spec-notes.md §9): PostgreSQL refuses to create or attach a
-- partition while DEFAULT holds rows of its range ("updated partition
-- constraint for default partition ... would be violated by some row",
-- SQLSTATE 23514). The rows are moved in the same transaction as the attach,
-- so no reader ever sees them missing or twice.
--
-- Locks and live load. ATTACH itself only needs SHARE UPDATE EXCLUSIVE on the
-- parent, which lets inserts go on; but an INSERT that has already routed a
-- row to DEFAULT with the old partition layout and waits for DEFAULT's lock
-- then fails after our commit with "new row for relation event_logs_default
-- violates partition constraint" (tested on 15). Holding EXCLUSIVE on the
-- parent instead makes writers wait before they route: after the commit they
-- see the new partition and their April rows land in it. A session can also
-- write into event_logs_default (or any partition) by name, without touching
-- the parent: so every partition is locked too, before the snapshot, and
-- such a writer's transaction is either in the snapshot or waits for our
-- COMMIT (a row it inserted into DEFAULT unseen would make ATTACH fail).
-- EXCLUSIVE still admits readers (ACCESS SHARE). ATTACH then takes ACCESS
-- EXCLUSIVE on event_logs_default until COMMIT: from there on (its scan of
-- DEFAULT, the test insert, the final check) readers of DEFAULT wait;
-- queries whose plan pruned DEFAULT away do not (pruned partitions are not
-- locked). lock_timeout bounds every wait; bin/repartition retries the file
-- on SQLSTATE 55P03.
--
-- bin/repartition add runs it in one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/10_add_new_partition.sql
-- (after scripts/lib/partition_demo.sql, which holds the helper functions).
-- =============================================================================

-- Every lock wait is bounded (SQLSTATE 55P03 when it expires): bin/repartition
-- sets lock_timeout for this transaction (--lock-timeout, default 2 s) and runs
-- the file again, with backoff; run by hand, the wait is 2 s unless the session
-- has a lock_timeout of its own.
SELECT pg_catalog.set_config('lock_timeout', '2s', true)
 WHERE pg_catalog.current_setting('lock_timeout') = '0';

-- Tables this scenario creates are recorded as the project's at its end
-- (bin/setup-database --reset drops those, and only those).
SELECT partition_demo.track_begin();

-- -----------------------------------------------------------------------------
-- @step: 0. Lock the parent, then (LOCK TABLE recurses) each of its partitions, in
--    the order of an INSERT through the parent; then check the layout.
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;

DO $$
BEGIN
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    -- rows move out of DEFAULT and a test row goes through the parent: only
    -- into tables of the project's (ATTACH and DETACH wait for the locks
    -- above, so the partitions checked are those there will be)
    PERFORM partition_demo.assert_ours('event_logs', 'add a partition to');
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_partitioned_table AS p
                    WHERE p.partrelid = 'event_logs'::regclass
                      AND p.partdefid = to_regclass('event_logs_default')) THEN
        RAISE EXCEPTION 'event_logs_default is not the DEFAULT partition of event_logs'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'run bin/setup-database first (or bin/repartition cleanup)';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Rows and checksum per partition before any change.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('before', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: the calendar month starting at the highest upper bound of the
--    range partitions (weekly partitions of a split month end at its last
--    day, so this is always a month start).
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE add_plan ON COMMIT DROP AS
SELECT format('event_logs_%s', to_char(last.upper_bound, 'YYYY_MM')) AS partition_name,
       last.upper_bound                                         AS range_from,
       last.upper_bound + interval '1 month'                    AS range_to
  FROM (SELECT max(p.range_to) AS upper_bound
          FROM partition_demo.range_partitions('event_logs') AS p) AS last;

DO $$
DECLARE
    p record;
BEGIN
    SELECT * INTO STRICT p FROM pg_temp.add_plan;
    IF p.range_from IS NULL OR p.range_from <> date_trunc('month', p.range_from) THEN
        RAISE EXCEPTION 'cannot find the next month of event_logs (highest upper bound: %)', p.range_from
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'the monthly layout of event_logs is not the one this demo creates; run bin/repartition cleanup';
    END IF;
    PERFORM partition_demo.assert_names_free(ARRAY[p.partition_name],
                                             format('add partition %s to event_logs', p.partition_name));
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. The new month as a standalone table, like a partition of event_logs.
--    Its indexes are built now, before the attach: ATTACH adopts matching
--    indexes instead of building them while it holds its strongest locks.
-- -----------------------------------------------------------------------------
SELECT partition_demo.create_range_table('event_logs', p.partition_name, p.range_from, p.range_to)
  FROM pg_temp.add_plan AS p;

-- -----------------------------------------------------------------------------
-- @step: 4. Move the month's rows out of DEFAULT in one statement: a DELETE whose
--    RETURNING feeds the INSERT. Writers, of DEFAULT too, are held off by
--    the locks of step 0, so no new row of the month can reach DEFAULT before
--    the attach.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    p     record;
    moved bigint;
BEGIN
    SELECT * INTO STRICT p FROM pg_temp.add_plan;
    EXECUTE format(
        'WITH moved AS (
             DELETE FROM ONLY event_logs_default AS d
              WHERE d.created_at >= $1 AND d.created_at < $2
          RETURNING d.id, d.event_type, d.user_id, d.event_data, d.ip_address, d.created_at)
         INSERT INTO %I (id, event_type, user_id, event_data, ip_address, created_at)
         SELECT id, event_type, user_id, event_data, ip_address, created_at
           FROM moved',
        p.partition_name)
    USING p.range_from, p.range_to;
    GET DIAGNOSTICS moved = ROW_COUNT;
    RAISE NOTICE 'created % and moved % rows of its month out of event_logs_default into it',
        p.partition_name, moved;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Attach (and drop the CHECK, now implied by the partition bound).
-- -----------------------------------------------------------------------------
SELECT partition_demo.attach_range_table('event_logs', quote_ident(p.partition_name)::regclass,
                                         p.range_from, p.range_to)
  FROM pg_temp.add_plan AS p;

-- -----------------------------------------------------------------------------
-- @step: 6. Test insert through the parent: tuple routing must put a row of the new
--    month into the new partition. The row is deleted again (its id is spent,
--    which sequences allow), so the data stays exactly as it was.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    p record;
    t record;
BEGIN
    SELECT * INTO STRICT p FROM pg_temp.add_plan;
    INSERT INTO event_logs (event_type, user_id, event_data, created_at)
    VALUES ('repartition_test', 0, '{"scenario": "add"}', p.range_from + interval '14 days')
    RETURNING id, created_at, tableoid::regclass AS landed_in INTO t;

    IF t.landed_in <> quote_ident(p.partition_name)::regclass THEN
        RAISE EXCEPTION 'test insert dated % landed in %, not in %', t.created_at, t.landed_in, p.partition_name
            USING ERRCODE = 'internal_error';
    END IF;
    DELETE FROM event_logs AS e WHERE e.id = t.id AND e.created_at = t.created_at;
    RAISE NOTICE 'test insert: a row dated % landed in %, then was removed', t.created_at, t.landed_in;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 7. Verify: event_logs, every partition scanned again, holds exactly the
--    rows of step 1 (a moved row counts once, wherever it is), or everything
--    is rolled back.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.assert_conserved();

SELECT partition_demo.register_created('repartition/10_add_new_partition.sql');
