-- =============================================================================
-- scripts/repartition/11_split_partition.sql -- split the newest monthly
-- partition of event_logs into weekly partitions.
-- =============================================================================
-- Which month: the newest one (the month of the highest partition bound), so
-- after `add` it is the month just added, else event_logs_2024_03. When that
-- month is split already, the file says so and changes nothing.
--
-- Weeks: days 1-7, 8-14, 15-21, 22-28 and 29 to the end of the month, named
-- <month>_w1 .. _w5 (event_logs_2024_03_w1 ...). They never cross the month
-- bound (docs/spec-notes.md §10: a week reaching into the next month would overlap its
-- partition); the last one is shorter, and February of a common year has 4.
--
-- Steps (one transaction: all or nothing):
--   0. lock + guard    EXCLUSIVE on event_logs and every partition of it:
--                      writers wait, also those writing straight into a
--                      partition; readers go on; the project must have
--                      created event_logs and every partition (the month is
--                      dropped at the end: never a table of someone else's)
--   1. snapshot        rows and checksum of every partition (for step 9)
--   2. plan            the month and its weeks (temporary table split_plan);
--                      a table named like a week is refused
--   2b. native         ALTER TABLE ... SPLIT PARTITION where the server has it
--                      (PostgreSQL 19); then steps 3-8 have nothing to do
--   3. weekly tables   standalone, shaped like partitions (columns, defaults,
--                      the parent's indexes, CHECK = the week's bound); they
--                      play the part of the spec's temp table
--   4. copy            each week's rows from the month partition, still
--                      attached and readable
--   5. verify          the weeks together hold exactly the month's rows
--   6. detach          the month partition (ACCESS EXCLUSIVE from here on)
--   7. attach          the weekly tables as partitions
--   8. drop            the detached month
--   9. verify          event_logs, scanned again, holds exactly the rows of
--                      step 1
--
-- The spec's order (temp table -> detach -> create weekly -> copy -> cleanup)
-- copies while the month is detached, under ACCESS EXCLUSIVE. Here the copy
-- runs first, while readers still read the month; the ACCESS EXCLUSIVE window
-- (steps 6-8) only swaps catalog entries and scans DEFAULT once per week for
-- ATTACH. Writers wait during the whole transaction (EXCLUSIVE on the parent
-- and on every partition, for sessions that write into the month or DEFAULT
-- by name): a row written to the month after the copy would be lost, and one
-- written while it is detached would land in DEFAULT and make the weekly
-- attach fail (docs/spec-notes.md §10). A waiting INSERT routes its row after the
-- commit, with the new layout: into the right week.
--
-- bin/repartition split runs it in one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/11_split_partition.sql
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
--    the order of an INSERT through the parent: no one may write into the
--    month or DEFAULT by name either. Then check that it is range-partitioned
--    and, with ATTACH and DETACH held off by the lock, that every partition
--    is the project's.
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;

SELECT partition_demo.range_key_column('event_logs') AS partition_key;
SELECT partition_demo.assert_ours('event_logs', 'split a partition of');

-- -----------------------------------------------------------------------------
-- @step: 1. Rows and checksum per partition before any change.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('before', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: one row per week of the newest month, if a single partition covers
--    exactly that month; no row if the month is split already.
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE split_plan ON COMMIT DROP AS
WITH parts AS (
    SELECT p.partition, p.range_from, p.range_to
      FROM partition_demo.range_partitions('event_logs') AS p
     WHERE NOT p.is_default
),
newest AS (
    SELECT date_trunc('month', max(parts.range_from)) AS month_start FROM parts
),
month_partition AS (
    SELECT parts.partition, newest.month_start,
           newest.month_start + interval '1 month' AS month_end
      FROM parts
      JOIN newest
        ON parts.range_from = newest.month_start
       AND parts.range_to = newest.month_start + interval '1 month'
)
SELECT m.partition                                            AS month_partition,
       format('event_logs_%s_w%s', to_char(m.month_start, 'YYYY_MM'), w.n) AS week_name,
       m.month_start + (w.n - 1) * interval '7 days'          AS range_from,
       least(m.month_start + w.n * interval '7 days', m.month_end) AS range_to
  FROM month_partition AS m
 CROSS JOIN generate_series(1, 5) AS w(n)
 WHERE m.month_start + (w.n - 1) * interval '7 days' < m.month_end;

DO $$
DECLARE
    month_partition regclass;
    week_count      integer;
    weeks           text[];
    newest          record;
BEGIN
    SELECT s.month_partition, count(*) OVER () INTO month_partition, week_count
      FROM pg_temp.split_plan AS s LIMIT 1;

    IF month_partition IS NULL THEN
        SELECT date_trunc('month', max(p.range_from)) AS month_start, count(*) AS parts,
               string_agg(p.partition::text, ', ' ORDER BY p.range_from) AS names
          INTO newest
          FROM partition_demo.range_partitions('event_logs') AS p
         WHERE NOT p.is_default
           AND date_trunc('month', p.range_from) =
               (SELECT date_trunc('month', max(q.range_from))
                  FROM partition_demo.range_partitions('event_logs') AS q WHERE NOT q.is_default);
        RAISE NOTICE 'nothing to do: the newest month of event_logs (%) is split already into % partitions: %',
            to_char(newest.month_start, 'YYYY-MM'), newest.parts, newest.names;
        RETURN;
    END IF;

    SELECT array_agg(s.week_name ORDER BY s.range_from) INTO weeks
      FROM pg_temp.split_plan AS s;
    PERFORM partition_demo.assert_names_free(weeks, format('split %s into weeks', month_partition));

    RAISE NOTICE 'splitting % into % weekly partitions', month_partition, week_count;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 2b. Native split where the server has it (PostgreSQL 19). ALTER TABLE
--    SPLIT PARTITION was added during 17's development and reverted before
--    its release; 15-18 do not have it. One statement creates the weeks from the
--    parent's template (columns, defaults, indexes) and routes the month's
--    rows into them. It holds ACCESS EXCLUSIVE on event_logs for the whole
--    split, readers included, where steps 3-8 let readers go on during the
--    copy: the price of one statement. It is tried in a subtransaction: on a
--    server without it the statement is a syntax error, rolled back alone,
--    and steps 3-8 do the split by hand. After a native split the plan is
--    emptied, so steps 3-8 have nothing to do; step 9 verifies either way.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    month_partition regclass;
    weeks           text;
    s               record;
BEGIN
    SELECT p.month_partition,
           string_agg(format('PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                             p.week_name, p.range_from, p.range_to), ', ' ORDER BY p.range_from)
      INTO month_partition, weeks
      FROM pg_temp.split_plan AS p
     GROUP BY p.month_partition;
    IF month_partition IS NULL THEN
        RETURN;
    END IF;

    BEGIN
        EXECUTE format('ALTER TABLE event_logs SPLIT PARTITION %s INTO (%s)', month_partition, weeks);
    EXCEPTION WHEN syntax_error OR feature_not_supported THEN
        IF current_setting('server_version_num')::integer >= 190000 THEN
            RAISE NOTICE 'native SPLIT PARTITION refused (%), splitting by hand', SQLERRM;
        END IF;
        RETURN;
    END;

    FOR s IN SELECT p.week_name FROM pg_temp.split_plan AS p ORDER BY p.range_from LOOP
        EXECUTE format('ANALYZE %I', s.week_name);
    END LOOP;
    RAISE NOTICE 'split % natively (ALTER TABLE ... SPLIT PARTITION, PostgreSQL %)',
        month_partition, current_setting('server_version');
    DELETE FROM pg_temp.split_plan;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. The weekly tables, standalone for now.
-- -----------------------------------------------------------------------------
SELECT partition_demo.create_range_table('event_logs', s.week_name, s.range_from, s.range_to)
  FROM pg_temp.split_plan AS s
 ORDER BY s.range_from;

-- -----------------------------------------------------------------------------
-- @step: 4. Copy each week's rows out of the month partition (explicit columns), and
--    give the new tables statistics before they serve queries.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    s      record;
    copied bigint;
    report text[] := '{}';
BEGIN
    FOR s IN SELECT * FROM pg_temp.split_plan ORDER BY range_from LOOP
        EXECUTE format(
            'INSERT INTO %I (id, event_type, user_id, event_data, ip_address, created_at)
             SELECT m.id, m.event_type, m.user_id, m.event_data, m.ip_address, m.created_at
               FROM ONLY %s AS m
              WHERE m.created_at >= $1 AND m.created_at < $2',
            s.week_name, s.month_partition)
        USING s.range_from, s.range_to;
        GET DIAGNOSTICS copied = ROW_COUNT;
        report := report || format('%s %s', s.week_name, copied);
        EXECUTE format('ANALYZE %I', s.week_name);
    END LOOP;
    IF cardinality(report) > 0 THEN
        RAISE NOTICE 'copied rows per week: %', array_to_string(report, ', ');
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Verify before touching the month: the weeks together hold exactly its
--    rows (count and checksum; the checksum is a sum, so it adds up). The
--    month is not scanned again: measure() remembers it from step 1, and
--    nobody can have written to it since (step 0 locked it).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    month_partition regclass;
    weeks           regclass[];
    m               record;
    w               record;
BEGIN
    SELECT s.month_partition INTO month_partition FROM pg_temp.split_plan AS s LIMIT 1;
    SELECT array_agg(quote_ident(s.week_name)::regclass ORDER BY s.range_from) INTO weeks
      FROM pg_temp.split_plan AS s;
    IF month_partition IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO STRICT m FROM partition_demo.measure_sum(ARRAY[month_partition], 'event_logs');
    SELECT * INTO STRICT w FROM partition_demo.measure_sum(weeks, 'event_logs');
    PERFORM partition_demo.assert_same_fingerprint(
        format('the weekly tables hold exactly the rows of %s', month_partition),
        m.row_count, m.checksum, w.row_count, w.checksum);
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 6. Detach the month. From here until COMMIT the parent is ACCESS EXCLUSIVE
--    (non-concurrent DETACH): readers wait too, so keep this part short.
--    DETACH ... CONCURRENTLY is no option: it refuses to run in a transaction
--    block and when a DEFAULT partition exists (docs/spec-notes.md §11).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    month_partition regclass;
BEGIN
    SELECT s.month_partition INTO month_partition FROM pg_temp.split_plan AS s LIMIT 1;
    IF month_partition IS NOT NULL THEN
        EXECUTE format('ALTER TABLE event_logs DETACH PARTITION %s', month_partition);
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 7. Attach the weeks (the CHECK of each spares its scan; DEFAULT is scanned
--    and holds no row of the month, since the month had its own partition).
-- -----------------------------------------------------------------------------
SELECT partition_demo.attach_range_table('event_logs', quote_ident(s.week_name)::regclass,
                                         s.range_from, s.range_to)
  FROM pg_temp.split_plan AS s
 ORDER BY s.range_from;

-- -----------------------------------------------------------------------------
-- @step: 8. Drop the detached month: its rows are in the weeks (verified in step 5).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    month_partition regclass;
BEGIN
    SELECT s.month_partition INTO month_partition FROM pg_temp.split_plan AS s LIMIT 1;
    IF month_partition IS NOT NULL THEN
        RAISE NOTICE 'dropping the detached %', month_partition;
        EXECUTE format('DROP TABLE %s', month_partition);
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 9. Verify: event_logs, every partition scanned again, holds exactly the
--    rows of step 1, or roll back.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.assert_conserved();

SELECT partition_demo.register_created('repartition/11_split_partition.sql');
