-- =============================================================================
-- scripts/repartition/14_cleanup_repartition.sql -- undo the re-partitioning
-- scenarios: back to the layout right after bin/setup-database, with every
-- row, including the rows written since.
-- =============================================================================
-- Target state (as 01_range_partitions.sql and 02_hash_partitions.sql left it):
--   event_logs         RANGE by month: event_logs_2024_01, _02, _03 and
--                      event_logs_default, and no other partition;
--                      event_logs_archive gone, its rows back in event_logs
--   users_distributed  HASH (id) MODULUS 4 (users_distributed_p0 .. _p3) with
--                      the username triggers and the id sequence;
--                      users_distributed_hash / _range gone
-- orders_by_region and sales_data are not touched by any scenario.
--
-- It works from whatever state the scenarios leave, in any order and number
-- of runs: a canonical month may be whole, split into weeks, archived (and
-- have new rows in DEFAULT since, docs/spec-notes.md §11), or both; any number of
-- months may have been added. Where rows go:
--   rows of Jan-Mar 2024   into their month partition, rebuilt if needed from
--                          its weekly partitions, from event_logs_default and
--                          from event_logs_archive
--   any other row          of an added month or of the archive: through the
--                          parent into event_logs_default, as after setup
--   users                  every row of the range table, including users
--                          added since migrate (docs/spec-notes.md §13): the kept hash
--                          table is brought up to date (rows deleted, changed
--                          or added since) and verified, then swapped back
-- With nothing to undo, it says so and changes nothing: safe to run twice.
--
-- Steps (one transaction: all or nothing):
--   0. locks           EXCLUSIVE on event_logs, the archive, users_distributed
--                      and users_distributed_hash, and on every partition of
--                      them: writers wait, also those writing straight into
--                      a partition, DEFAULT, the archive or the backup;
--                      readers go on. Each of them, and a stale
--                      users_distributed_range, must be the project's
--                      (partition_demo.assert_ours): cleanup drops, empties
--                      and writes into tables of the project's only
--   1. snapshot        rows and checksum of every table involved (step 12)
--   2. plan            which canonical months must be rebuilt, which
--                      partitions must go
--   3. month tables    standalone tables for the months to rebuild
--   4. fill            from the weekly partitions (copy), DEFAULT and the
--                      archive (moved); still before any strong lock
--   5. users plan      what to do about users_distributed
--   6. sync            users_distributed_hash := the rows of the live table
--   7. verify          the hash table holds exactly the live rows
--   8. swap            (ACCESS EXCLUSIVE from here) detach the partitions
--                      of event_logs that go, attach the rebuilt months
--   9. re-home         rows of the detached partitions outside Jan-Mar, then
--                      the archive's remaining rows, through the parent (they
--                      land in DEFAULT); drop the detached tables and the
--                      archive
--  10. swap back       (ACCESS EXCLUSIVE) triggers and sequence to the hash
--                      table, renames, drop the range table
--  11. leftovers       a stray users_distributed_hash or _range next to a
--                      live hash table is a stale copy: dropped
--  12. verify          event_logs + event_logs_archive, and users_distributed,
--                      scanned again, hold exactly the rows of step 1
-- The DROPs of steps 9 and 10 are transactional: if step 12 fails, they are
-- rolled back with everything else.
--
-- Locks: as in the scenarios, all copying and checking of both tables happens
-- first, under EXCLUSIVE (readers go on); ACCESS EXCLUSIVE is taken by the
-- first DETACH (step 8) and held until COMMIT, for catalog work, the few rows
-- re-homed into DEFAULT and the final check, which scans both tables again.
-- The rows of added months are copied into DEFAULT inside that window (rows
-- can only move into DEFAULT once no other partition claims their range);
-- those months hold few rows. The EXCLUSIVE locks cover every partition: a
-- session writing into a weekly partition by name while it is copied would
-- otherwise only be waited for by the DETACH, and its writes dropped with
-- the week.
--
-- The archive's rows come back as they are: a DELETE or UPDATE on event_logs
-- between detach and cleanup did not reach them (they were in another
-- table). Apply such a write to event_logs_archive as well before cleanup.
--
-- bin/repartition cleanup runs it in one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/14_cleanup_repartition.sql
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
-- @step: 0. Locks, always in this order (event_logs, then users_distributed), each
--    parent before its children (LOCK TABLE recurses into the partitions).
-- -----------------------------------------------------------------------------
LOCK TABLE event_logs IN EXCLUSIVE MODE;
LOCK TABLE users_distributed IN EXCLUSIVE MODE;

-- Only what this project created is dropped or written to: a partition of
-- event_logs or users_distributed (checked under the locks, which hold off
-- ATTACH and DETACH), an archive or a users_distributed_hash / _range of
-- someone else's (checked before they are locked) stops the cleanup before
-- any change.
DO $$
DECLARE
    archive regclass;
    backup  regclass;
BEGIN
    PERFORM partition_demo.range_key_column('event_logs');   -- raises unless RANGE
    PERFORM partition_demo.assert_ours('event_logs', 'restore');
    PERFORM partition_demo.assert_ours('users_distributed', 'restore');
    archive := partition_demo.assert_ours(to_regclass('event_logs_archive'), 'move the rows back out of and drop');
    IF archive IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', archive);
    END IF;
    backup := partition_demo.assert_ours(to_regclass('users_distributed_hash'), 'swap back or drop');
    IF backup IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', backup);
    END IF;
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_range'), 'drop');
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Rows and checksum before any change (the archive's over the columns of
--    event_logs, so that both add up to one total).
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('before', 'event_logs');
SELECT partition_demo.snapshot('before', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.snapshot('before', 'users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan for event_logs.
--    cleanup_months: the three months of setup, and whether each is in place
--    (a partition of that name with exactly that month's bounds).
--    cleanup_parts: every other range partition, and the canonical month it
--    lies in (NULL: outside Jan-Mar, e.g. an added month).
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE cleanup_months ON COMMIT DROP AS
SELECT format('event_logs_%s', to_char(v.month_start, 'YYYY_MM')) AS partition_name,
       v.month_start                                              AS range_from,
       v.month_start + interval '1 month'                         AS range_to,
       EXISTS (SELECT FROM partition_demo.range_partitions('event_logs') AS p
                WHERE p.partition = to_regclass(format('event_logs_%s', to_char(v.month_start, 'YYYY_MM')))
                  AND p.range_from = v.month_start
                  AND p.range_to = v.month_start + interval '1 month') AS in_place
  FROM (VALUES (timestamp '2024-01-01'), (timestamp '2024-02-01'), (timestamp '2024-03-01'))
       AS v(month_start);

CREATE TEMPORARY TABLE cleanup_parts ON COMMIT DROP AS
SELECT p.partition, c.relname::text AS partition_name, p.range_from, p.range_to,
       m.partition_name AS month_name
  FROM partition_demo.range_partitions('event_logs') AS p
  JOIN pg_catalog.pg_class AS c ON c.oid = p.partition
  LEFT JOIN pg_temp.cleanup_months AS m
         ON p.range_from >= m.range_from AND p.range_to <= m.range_to
 WHERE NOT p.is_default
   AND NOT EXISTS (SELECT FROM pg_temp.cleanup_months AS k
                    WHERE k.in_place AND to_regclass(quote_ident(k.partition_name)) = p.partition);

DO $$
DECLARE
    bad text;
BEGIN
    -- a partition that straddles a canonical month's bound was not made by
    -- the scenarios: refuse rather than guess
    SELECT string_agg(p.partition_name, ', ') INTO bad
      FROM pg_temp.cleanup_parts AS p
     WHERE p.month_name IS NULL
       AND EXISTS (SELECT FROM pg_temp.cleanup_months AS m
                    WHERE p.range_from < m.range_to AND p.range_to > m.range_from);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot restore event_logs: % overlap(s) a month of setup without lying within it', bad
            USING ERRCODE = 'feature_not_supported';
    END IF;

    -- the name of a month to rebuild must be free (a weekly or added
    -- partition never uses it)
    PERFORM partition_demo.assert_names_free(
        (SELECT array_agg(m.partition_name ORDER BY m.range_from) FROM pg_temp.cleanup_months AS m
          WHERE NOT m.in_place),
        'rebuild the months of setup',
        'nothing was changed; it is the project''s own, with other bounds or outside event_logs: '
        'rename or drop it, or run bin/setup-database --reset to start over');

    IF (SELECT bool_and(m.in_place) FROM pg_temp.cleanup_months AS m)
       AND NOT EXISTS (SELECT FROM pg_temp.cleanup_parts)
       AND to_regclass('event_logs_archive') IS NULL THEN
        RAISE NOTICE 'event_logs: nothing to undo (event_logs_2024_01, _02, _03 and event_logs_default, no archive)';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. Standalone tables for the months to rebuild (like partitions: columns,
--    defaults, the parent's indexes, CHECK = the month's bound).
-- -----------------------------------------------------------------------------
SELECT partition_demo.create_range_table('event_logs', m.partition_name, m.range_from, m.range_to)
  FROM pg_temp.cleanup_months AS m
 WHERE NOT m.in_place
 ORDER BY m.range_from;

-- -----------------------------------------------------------------------------
-- @step: 4. Fill them: copy from the weekly partitions (still attached and
--    readable), and move the month's rows out of DEFAULT and out of the
--    archive. A move is one statement, a DELETE whose RETURNING feeds the
--    INSERT: each row is in exactly one place at any time.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    m            record;
    p            record;
    n            bigint;
    from_weeks   bigint;
    from_default bigint;
    from_archive bigint;
BEGIN
    FOR m IN SELECT * FROM pg_temp.cleanup_months WHERE NOT in_place ORDER BY range_from LOOP
        from_weeks := 0;
        FOR p IN SELECT * FROM pg_temp.cleanup_parts WHERE month_name = m.partition_name ORDER BY range_from LOOP
            EXECUTE format(
                'INSERT INTO %I (id, event_type, user_id, event_data, ip_address, created_at)
                 SELECT w.id, w.event_type, w.user_id, w.event_data, w.ip_address, w.created_at
                   FROM ONLY %s AS w',
                m.partition_name, p.partition);
            GET DIAGNOSTICS n = ROW_COUNT;
            from_weeks := from_weeks + n;
        END LOOP;

        EXECUTE format(
            'WITH moved AS (
                 DELETE FROM ONLY event_logs_default AS d
                  WHERE d.created_at >= $1 AND d.created_at < $2
              RETURNING d.id, d.event_type, d.user_id, d.event_data, d.ip_address, d.created_at)
             INSERT INTO %I (id, event_type, user_id, event_data, ip_address, created_at)
             SELECT id, event_type, user_id, event_data, ip_address, created_at FROM moved',
            m.partition_name)
        USING m.range_from, m.range_to;
        GET DIAGNOSTICS from_default = ROW_COUNT;

        from_archive := 0;
        IF to_regclass('event_logs_archive') IS NOT NULL THEN
            EXECUTE format(
                'WITH moved AS (
                     DELETE FROM event_logs_archive AS a
                      WHERE a.created_at >= $1 AND a.created_at < $2
                  RETURNING a.id, a.event_type, a.user_id, a.event_data, a.ip_address, a.created_at)
                 INSERT INTO %I (id, event_type, user_id, event_data, ip_address, created_at)
                 SELECT id, event_type, user_id, event_data, ip_address, created_at FROM moved',
                m.partition_name)
            USING m.range_from, m.range_to;
            GET DIAGNOSTICS from_archive = ROW_COUNT;
        END IF;

        EXECUTE format('ANALYZE %I', m.partition_name);
        RAISE NOTICE 'rebuilt % with % rows: %', m.partition_name, from_weeks + from_default + from_archive,
            coalesce(nullif(concat_ws(', ',
                CASE WHEN from_weeks > 0 THEN format('%s from its weekly partitions', from_weeks) END,
                CASE WHEN from_default > 0 THEN format('%s out of event_logs_default', from_default) END,
                CASE WHEN from_archive > 0 THEN format('%s out of event_logs_archive', from_archive) END), ''),
                'none found');
    END LOOP;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Plan for users_distributed: swap back when it is range-partitioned
--    (after migrate), else nothing to do but drop stale copies (step 11).
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE cleanup_users ON COMMIT DROP AS
SELECT p.partstrat = 'r' AS swap_back,
       to_regclass('users_distributed_hash') IS NOT NULL AS hash_kept
  FROM pg_catalog.pg_partitioned_table AS p
 WHERE p.partrelid = 'users_distributed'::regclass
   AND p.partstrat IN ('h', 'r');

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.cleanup_users) THEN
        RAISE EXCEPTION 'users_distributed is neither hash- nor range-partitioned'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'bin/setup-database --reset starts over';
    END IF;
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RAISE NOTICE 'users_distributed: nothing to undo (hash-partitioned)';
        RETURN;
    END IF;
    -- the sequence goes back to the hash table, a lost one is rebuilt
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_id_seq'), 'make the hash table the owner of');
    IF NOT (SELECT u.hash_kept FROM pg_temp.cleanup_users AS u) THEN
        PERFORM partition_demo.assert_names_free(
            ARRAY['users_distributed_p0', 'users_distributed_p1', 'users_distributed_p2', 'users_distributed_p3'],
            'rebuild the lost users_distributed_hash');
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 6. Bring the hash table up to date with the live range table: every row
--    deleted or changed since migrate goes, every row added or changed comes
--    (compared over all columns; id is the primary key of both). The backup
--    has no username triggers (13_migrate_strategy.sql moved them), so this
--    touches no registration; the triggers by which it refuses writes since
--    migrate go first (they stay gone: it becomes the live table in step 10).
--    If the backup is gone, build a new hash table like 02_hash_partitions.sql
--    did.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    removed bigint;
    added   bigint;
BEGIN
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RETURN;
    END IF;

    IF NOT (SELECT u.hash_kept FROM pg_temp.cleanup_users AS u) THEN
        -- LIKE the live table: its columns and types, id's included
        CREATE TABLE users_distributed_hash (
            LIKE users_distributed INCLUDING DEFAULTS,
            CONSTRAINT users_distributed_hash_pkey PRIMARY KEY (id)
        ) PARTITION BY HASH (id);
        CREATE TABLE users_distributed_p0 PARTITION OF users_distributed_hash FOR VALUES WITH (MODULUS 4, REMAINDER 0);
        CREATE TABLE users_distributed_p1 PARTITION OF users_distributed_hash FOR VALUES WITH (MODULUS 4, REMAINDER 1);
        CREATE TABLE users_distributed_p2 PARTITION OF users_distributed_hash FOR VALUES WITH (MODULUS 4, REMAINDER 2);
        CREATE TABLE users_distributed_p3 PARTITION OF users_distributed_hash FOR VALUES WITH (MODULUS 4, REMAINDER 3);
        CREATE INDEX idx_users_distributed_hash_username ON users_distributed_hash (username);
        CREATE INDEX idx_users_distributed_hash_email    ON users_distributed_hash (email);
        RAISE NOTICE 'users_distributed_hash was gone: built a new hash-partitioned table';
    ELSE
        PERFORM partition_demo.backup_accept_writes('users_distributed_hash');
    END IF;

    -- the ids whose row differs (or exists on one side only): one hash join
    -- on the primary key; ROW(...) IS DISTINCT FROM treats NULLs as equal
    CREATE TEMPORARY TABLE users_delta ON COMMIT DROP AS
    SELECT coalesce(u.id, h.id) AS id, u.id IS NOT NULL AS in_live, h.id IS NOT NULL AS in_hash
      FROM users_distributed AS u
      FULL JOIN users_distributed_hash AS h ON h.id = u.id
     WHERE ROW(u.id, u.username, u.email, u.country_code, u.registration_date, u.status)
           IS DISTINCT FROM
           ROW(h.id, h.username, h.email, h.country_code, h.registration_date, h.status);

    DELETE FROM users_distributed_hash AS h
     WHERE h.id IN (SELECT d.id FROM pg_temp.users_delta AS d WHERE d.in_hash);
    GET DIAGNOSTICS removed = ROW_COUNT;

    INSERT INTO users_distributed_hash (id, username, email, country_code, registration_date, status)
    SELECT u.id, u.username, u.email, u.country_code, u.registration_date, u.status
      FROM users_distributed AS u
     WHERE u.id IN (SELECT d.id FROM pg_temp.users_delta AS d WHERE d.in_live);
    GET DIAGNOSTICS added = ROW_COUNT;

    ANALYZE users_distributed_hash;
    RAISE NOTICE 'users_distributed_hash brought up to date with the writes since migrate: % rows removed, % rows added',
        removed, added;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 7. Verify before the swap: the hash table holds exactly the live rows
--    (the live table is not scanned again, measure() remembers step 1).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    live record;
    copy record;
BEGIN
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RETURN;
    END IF;
    SELECT * INTO STRICT live FROM partition_demo.measure_sum(ARRAY['users_distributed'::regclass], 'users_distributed');
    SELECT * INTO STRICT copy FROM partition_demo.measure_sum(ARRAY['users_distributed_hash'::regclass], 'users_distributed');
    PERFORM partition_demo.assert_same_fingerprint(
        'users_distributed_hash holds exactly the rows of users_distributed',
        live.row_count, live.checksum, copy.row_count, copy.checksum);
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 8. Swap: detach every partition that goes (ACCESS EXCLUSIVE on event_logs
--    from the first DETACH until COMMIT), attach the rebuilt months (DEFAULT
--    is scanned and no longer holds rows of them).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM pg_temp.cleanup_parts ORDER BY range_from LOOP
        EXECUTE format('ALTER TABLE event_logs DETACH PARTITION %s', p.partition);
    END LOOP;
END
$$;

SELECT partition_demo.attach_range_table('event_logs', quote_ident(m.partition_name)::regclass,
                                         m.range_from, m.range_to)
  FROM pg_temp.cleanup_months AS m
 WHERE NOT m.in_place
 ORDER BY m.range_from;

-- -----------------------------------------------------------------------------
-- @step: 9. Re-home the remaining rows through the parent (now only DEFAULT can take
--    them), then drop the detached partitions and the archive.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    p record;
    n bigint;
BEGIN
    FOR p IN SELECT * FROM pg_temp.cleanup_parts ORDER BY range_from LOOP
        IF p.month_name IS NULL THEN
            EXECUTE format(
                'INSERT INTO event_logs (id, event_type, user_id, event_data, ip_address, created_at)
                 SELECT x.id, x.event_type, x.user_id, x.event_data, x.ip_address, x.created_at
                   FROM ONLY %s AS x',
                p.partition);
            GET DIAGNOSTICS n = ROW_COUNT;
            RAISE NOTICE 'removed partition %: % rows back into event_logs_default', p.partition_name, n;
        ELSE
            RAISE NOTICE 'removed partition %: its rows are in %', p.partition_name, p.month_name;
        END IF;
        EXECUTE format('DROP TABLE %s', p.partition);
    END LOOP;

    IF to_regclass('event_logs_archive') IS NOT NULL THEN
        INSERT INTO event_logs (id, event_type, user_id, event_data, ip_address, created_at)
        SELECT a.id, a.event_type, a.user_id, a.event_data, a.ip_address, a.created_at
          FROM event_logs_archive AS a;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN
            RAISE NOTICE 'moved % rows of other months out of event_logs_archive into event_logs', n;
        END IF;
        DROP TABLE event_logs_archive;
        RAISE NOTICE 'dropped event_logs_archive';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 10. Swap back (ACCESS EXCLUSIVE on both tables until COMMIT). Triggers and
--     sequence first, so that the range table can be dropped without taking
--     the sequence along (it owns it since migrate).
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT (SELECT u.swap_back FROM pg_temp.cleanup_users AS u) THEN
        RETURN;
    END IF;

    DROP TRIGGER users_distributed_username_unique ON users_distributed;
    DROP TRIGGER users_distributed_username_truncate ON users_distributed;
    CREATE TRIGGER users_distributed_username_unique
        AFTER INSERT OR UPDATE OF username, id OR DELETE ON users_distributed_hash
        FOR EACH ROW EXECUTE FUNCTION partition_demo.users_distributed_register_username();
    CREATE TRIGGER users_distributed_username_truncate
        AFTER TRUNCATE ON users_distributed_hash
        FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.users_distributed_unregister_truncated();
    ALTER SEQUENCE users_distributed_id_seq OWNED BY users_distributed_hash.id;

    ALTER TABLE users_distributed RENAME TO users_distributed_range;
    ALTER TABLE users_distributed_range RENAME CONSTRAINT users_distributed_pkey TO users_distributed_range_pkey;
    ALTER INDEX idx_users_distributed_username RENAME TO idx_users_distributed_range_username;
    ALTER INDEX idx_users_distributed_email    RENAME TO idx_users_distributed_range_email;

    ALTER TABLE users_distributed_hash RENAME TO users_distributed;
    ALTER TABLE users_distributed RENAME CONSTRAINT users_distributed_hash_pkey TO users_distributed_pkey;
    ALTER INDEX idx_users_distributed_hash_username RENAME TO idx_users_distributed_username;
    ALTER INDEX idx_users_distributed_hash_email    RENAME TO idx_users_distributed_email;

    DROP TABLE users_distributed_range;
    RAISE NOTICE 'users_distributed is hash-partitioned again; dropped the range table';
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 11. Leftovers next to a live hash table are stale copies (the live table is
--     the reference): drop them (a backup's triggers that refuse writes go
--     with it).
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    -- checked in step 0 too, but _range was not locked there
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_hash'), 'drop');
    PERFORM partition_demo.assert_ours(to_regclass('users_distributed_range'), 'drop');
    IF to_regclass('users_distributed_hash') IS NOT NULL THEN
        DROP TABLE users_distributed_hash;
        RAISE NOTICE 'dropped the stale copy users_distributed_hash';
    END IF;
    IF to_regclass('users_distributed_range') IS NOT NULL THEN
        DROP TABLE users_distributed_range;
        RAISE NOTICE 'dropped the stale copy users_distributed_range';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 12. Verify: no row lost, added or changed (every table scanned again), or
--     everything is rolled back.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'event_logs');
SELECT partition_demo.snapshot('after', 'event_logs_archive', 'event_logs', 'event_logs');
SELECT partition_demo.snapshot('after', 'users_distributed');
SELECT partition_demo.assert_conserved();

SELECT partition_demo.register_created('repartition/14_cleanup_repartition.sql');
