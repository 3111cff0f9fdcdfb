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
-- bound (docs/spec-notes.md §10: a week reaching into the next month would
-- overlap its partition); the last one is shorter, and February of a common
-- year has 4.
--
-- The weeks are built beside the month, filled from it while it is still
-- attached and readable, and swapped in with catalog work only:
--
--   guard    event_logs range-partitioned, every partition the project's
--            (the month is dropped at the end: never a table of someone
--            else's); no online scenario in progress
--   lock     (offline only) EXCLUSIVE on event_logs and every partition:
--            writers wait, readers go on; rows and checksums per partition
--   create   the plan (the month and its weeks, temporary table split_plan;
--            a table named like a week is refused); offline, the native
--            ALTER TABLE ... SPLIT PARTITION where the server has it
--            (PostgreSQL 19; then the rest has nothing to do); the weekly
--            tables, standalone, shaped like partitions (columns, defaults,
--            the parent's indexes, CHECK = the week's bound); online, on
--            DEFAULT a CHECK "outside the month", NOT VALID (a moment of
--            ACCESS EXCLUSIVE on DEFAULT, no scan); the plan recorded
--            (partition_demo.online_plan: the month's rows go to their week)
--   copy     (offline only) the month's rows into their weeks
--   keys     DEFAULT's CHECK validated (SHARE UPDATE EXCLUSIVE: writers go
--            on); it holds, since DEFAULT cannot hold a row of the month
--   verify   (offline only) the weeks together hold exactly the month's rows
--   swap     DETACH the month, ATTACH the weeks (their CHECKs and DEFAULT's
--            prove the bounds: nothing is scanned), DROP the month, DEFAULT's
--            CHECK dropped
--   verify   (offline only) event_logs, scanned again, holds exactly the
--            rows it held at the lock
--   finish   ANALYZE the weeks
--
-- bin/repartition split runs it ONLINE: the sections in the steps of
-- scripts/online/00_online_functions.sql (capture triggers on the month;
-- batched copy; replay; comparison at one snapshot; the swap in one short
-- transaction, ACCESS EXCLUSIVE on event_logs and the month;
-- docs/repartition.md has the locks). bin/repartition --offline split runs
-- the whole file in one transaction, as does psql:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/11_split_partition.sql
-- (after scripts/lib/partition_demo.sql and scripts/online/00_online_functions.sql).
--
-- The spec's order (temp table -> detach -> create weekly -> copy -> cleanup)
-- copies while the month is detached, under ACCESS EXCLUSIVE, and a row
-- written into the month after its copy would be lost. Here the copy runs
-- first, every write to the month meanwhile is captured and replayed, and a
-- writer that waited for the swap routes its row after COMMIT into the
-- right week.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- @step: 0. Check the layout; nothing is locked yet.
-- @online: guard
-- -----------------------------------------------------------------------------
-- Every lock wait is bounded (SQLSTATE 55P03 when it expires): bin/repartition
-- sets lock_timeout for each transaction (--lock-timeout) and tries again,
-- with backoff; run by hand, the wait is 2 s unless the session has one.
SELECT partition_demo.bound_lock_waits();

-- Tables this scenario creates are recorded as the project's at its end
-- (bin/setup-database --reset drops those, and only those).
SELECT partition_demo.track_begin();

SELECT partition_demo.online_assert_idle('event_logs');
SELECT partition_demo.range_key_column('event_logs') AS partition_key;
SELECT partition_demo.assert_ours('event_logs', 'split a partition of');

-- -----------------------------------------------------------------------------
-- @step: 1. Offline: lock the parent, then (LOCK TABLE recurses) each of its
--    partitions, in the order of an INSERT through the parent: no one may
--    write into the month or DEFAULT by name either; rows and checksum per
--    partition before any change.
-- @online: lock
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;
SELECT partition_demo.snapshot('before', 'event_logs');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: one row per week of the newest month, if a single partition covers
--    exactly that month; no row if the month is split already.
-- @online: create
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
       m.month_start, m.month_end,
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
-- @step: 2b. Offline, native split where the server has it (PostgreSQL 19).
--    ALTER TABLE SPLIT PARTITION was added during 17's development and
--    reverted before its release; 15-18 do not have it. One statement
--    creates the weeks from the parent's template (columns, defaults,
--    indexes) and routes the month's rows into them, holding ACCESS EXCLUSIVE
--    on event_logs for the whole split, readers included: online never uses
--    it. It is tried in a subtransaction: on a server without it the
--    statement is a syntax error, rolled back alone, and the split is done by
--    hand. After a native split the plan is emptied: the rest has nothing to
--    do, the last step verifies either way.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    month_partition regclass;
    weeks           text;
    s               record;
BEGIN
    IF partition_demo.online_preparing() THEN
        RETURN;
    END IF;
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
-- @step: 3. The weekly tables, standalone for now; online, on DEFAULT a CHECK
--    outside the month, NOT VALID (validated in step 5), so that attaching the
--    weeks need not scan DEFAULT; the plan.
-- -----------------------------------------------------------------------------
SELECT partition_demo.create_range_table('event_logs', s.week_name, s.range_from, s.range_to)
  FROM pg_temp.split_plan AS s
 ORDER BY s.range_from;

-- Online only: the offline form holds its locks to COMMIT, and ACCESS
-- EXCLUSIVE on DEFAULT from here would stop its readers for the whole copy;
-- there ATTACH scans DEFAULT, at the end, as it always did.
SELECT partition_demo.add_outside_check('event_logs', 'event_logs_default_outside_split',
                                        s.month_start, s.month_end)
  FROM pg_temp.split_plan AS s
 WHERE partition_demo.online_preparing()
 LIMIT 1;

SELECT partition_demo.online_plan('event_logs', 'split', 'event_logs',
           sources => ARRAY[min(s.month_partition::text)::regclass],
           targets => array_agg(quote_ident(s.week_name)::regclass ORDER BY s.range_from),
           routes  => array_agg(partition_demo.range_route('event_logs', s.range_from, s.range_to)
                                ORDER BY s.range_from),
           details => jsonb_build_object(
               'month', min(s.month_partition::text),
               'weeks', jsonb_agg(jsonb_build_object('name', s.week_name, 'range_from', s.range_from,
                                                     'range_to', s.range_to) ORDER BY s.range_from),
               'constraints_to_drop', jsonb_build_array(jsonb_build_object(
                   'table', 'event_logs_default', 'name', 'event_logs_default_outside_split'))))
  FROM pg_temp.split_plan AS s
HAVING count(*) > 0;

-- -----------------------------------------------------------------------------
-- @step: 4. Offline: copy each week's rows out of the month partition.
-- @online: copy
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_copy_all('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 5. DEFAULT's CHECK validated: a scan of DEFAULT under SHARE UPDATE
--    EXCLUSIVE (writers go on).
-- @online: keys
-- -----------------------------------------------------------------------------
SELECT partition_demo.validate_check('event_logs_default', 'event_logs_default_outside_split');

-- -----------------------------------------------------------------------------
-- @step: 6. Offline: the weeks together hold exactly the month's rows (count and
--    checksum; the checksum is a sum, so it adds up).
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_assert_moved('event_logs');

-- -----------------------------------------------------------------------------
-- @step: 7. Swap, catalog only: the month out, the weeks in (their CHECKs and
--    DEFAULT's spare every scan), the month dropped (every row of it is in the
--    weeks), DEFAULT's CHECK dropped. From the DETACH to COMMIT the parent is
--    ACCESS EXCLUSIVE: readers wait too. DETACH ... CONCURRENTLY is no
--    option: it refuses to run in a transaction block and when a DEFAULT
--    partition exists (docs/spec-notes.md §11).
-- @online: swap
-- -----------------------------------------------------------------------------
SELECT partition_demo.assert_ours('event_logs', 'split a partition of');

SELECT partition_demo.detach_partition('event_logs', partition_demo.online_plan_detail('event_logs', 'month'));

SELECT partition_demo.attach_range_table('event_logs', quote_ident(w.name)::regclass, w.range_from, w.range_to)
  FROM jsonb_to_recordset(partition_demo.online_plan_details('event_logs') -> 'weeks')
       AS w(name text, range_from timestamp, range_to timestamp)
 ORDER BY w.range_from;

SELECT partition_demo.drop_detached('event_logs', partition_demo.online_plan_detail('event_logs', 'month'));

SELECT partition_demo.drop_check('event_logs_default', 'event_logs_default_outside_split');

SELECT partition_demo.online_plan_done('event_logs');
SELECT partition_demo.register_created('repartition/11_split_partition.sql');

-- -----------------------------------------------------------------------------
-- @step: 8. Offline: event_logs, every partition scanned again, holds exactly the
--    rows of step 1, or roll back. Online, the swap compared every row moved,
--    those written meanwhile included.
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.assert_conserved();

-- -----------------------------------------------------------------------------
-- @online: finish
-- -----------------------------------------------------------------------------
SELECT partition_demo.analyze_new_partitions('event_logs');
