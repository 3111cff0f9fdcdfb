-- =============================================================================
-- scripts/repartition/13_migrate_strategy.sql -- change users_distributed from
-- HASH (id, modulus 4) to RANGE (id), keeping the hash table until cleanup.
-- =============================================================================
-- The ranges: four of equal width w, the first from MINVALUE, together
-- covering every id there is (w = (max(id) + 1) / 4 rounded up to two
-- significant digits: 5,000 ids give 1,300; 200,000 give 51,000), then
-- users_distributed_rmax from 4w to MAXVALUE for all future ids. An explicit
-- MAXVALUE bound rather than a DEFAULT partition: the planner prunes it like
-- any range (a DEFAULT is scanned by every query it cannot rule out), and it
-- can be split later like any other partition.
--
-- The bounds are computed in numeric and must fit the id column's type
-- (read from the catalog: smallint, integer or bigint). Near the type's
-- largest value the rounding can put 4w beyond it (integer ids from
-- 2,120,000,000 on give w = 540,000,000 and 4w = 2,160,000,000 >
-- 2,147,483,647): then users_distributed_r4 ends at MAXVALUE, so that it
-- holds every id up to the largest one the type allows, and there is no
-- users_distributed_rmax (nothing would be left for it).
--
-- Steps (one transaction: all or nothing):
--   0. lock + guard    EXCLUSIVE on users_distributed and its partitions:
--                      writers wait, readers go on; the project must have
--                      created them (partition_demo.assert_ours)
--   1. snapshot        rows and checksum of every partition (for step 8)
--   2. plan            the ranges (temporary table migrate_plan); none when
--                      users_distributed is range-partitioned already; the
--                      names of the new tables must be free, and the id
--                      sequence the project's
--   3. create          users_distributed_range PARTITION BY RANGE (id), its
--                      partitions; id takes its values from the same
--                      sequence, users_distributed_id_seq
--   4. copy            INSERT ... SELECT with explicit columns; indexes after
--                      the copy (one sort per index instead of row by row),
--                      then ANALYZE (autovacuum never analyzes a parent)
--   5. verify          same row count and checksum as users_distributed
--   6. usernames       the uniqueness triggers on the new table (after the
--                      copy: every copied name is registered already); the
--                      sequence becomes owned by the new id column
--   7. swap            (ACCESS EXCLUSIVE from here) the hash table loses its
--                      triggers and becomes users_distributed_hash; the new
--                      table becomes users_distributed, with the canonical
--                      constraint and index names
--   8. verify          users_distributed holds exactly the rows of step 1
--
-- Username uniqueness (docs/spec-notes.md §12). The side table
-- users_distributed_usernames and its trigger function stay as they are; the
-- triggers move to the live table. The kept hash copy gets none: a write into
-- the backup must neither register a name nor unregister a live one (the
-- function's unregister step checks users_distributed, which is now
-- the range table, as a second line of defence).
--
-- Sequence (docs/spec-notes.md §4). No new sequence: the new table's id default is
-- nextval('users_distributed_id_seq'), so ids simply continue. OWNED BY moves
-- to the live table, so dropping the backup can never drop the sequence.
--
-- Names (docs/spec-notes.md §12). users_distributed_old is setup's plain table; the
-- replaced hash table is users_distributed_hash. Its partitions keep their
-- names users_distributed_p0 .. _p3, which the range partitions do not use.
--
-- Locks: the copy runs under EXCLUSIVE (readers go on, writers wait); the
-- swap needs ACCESS EXCLUSIVE on both tables for a few catalog updates. A
-- waiting INSERT resolves the name users_distributed again after the commit
-- (PostgreSQL re-checks a name after waiting for its lock, and prepared
-- statements are re-planned) and lands in the range table.
--
-- bin/repartition migrate runs it in one transaction; by hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/13_migrate_strategy.sql
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
-- @step: 0. Lock (the parent, then its partitions: no direct writes either) and check
--    the state.
-- -----------------------------------------------------------------------------
LOCK TABLE users_distributed IN EXCLUSIVE MODE;

DO $$
DECLARE
    strategy "char";
    id_type  regtype;
BEGIN
    SELECT p.partstrat INTO strategy
      FROM pg_catalog.pg_partitioned_table AS p
     WHERE p.partrelid = 'users_distributed'::regclass;

    IF strategy IS DISTINCT FROM 'h' AND strategy IS DISTINCT FROM 'r' THEN
        RAISE EXCEPTION 'users_distributed is neither hash- nor range-partitioned'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'run bin/setup-database first';
    END IF;
    -- its triggers are dropped and it is renamed: only the project's
    PERFORM partition_demo.assert_ours('users_distributed', 'change the partitioning of');
    SELECT a.atttypid::regtype INTO id_type
      FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = 'users_distributed'::regclass AND a.attname = 'id' AND NOT a.attisdropped;
    IF strategy = 'h' AND id_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype) THEN
        RAISE EXCEPTION 'users_distributed.id is of type %, not smallint, integer or bigint', id_type
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'the range bounds are computed for integer ids only';
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 1. Rows and checksum per partition before any change.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('before', 'users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: five ranges, or none if users_distributed is range-partitioned
--    already. NULL stands for MINVALUE / MAXVALUE.
-- -----------------------------------------------------------------------------
CREATE TEMPORARY TABLE migrate_plan ON COMMIT DROP AS
WITH strategy AS (
    SELECT p.partstrat
      FROM pg_catalog.pg_partitioned_table AS p
     WHERE p.partrelid = 'users_distributed'::regclass
),
quarter AS (
    -- numeric: max(id) + 1 itself overflows at the type's largest value
    SELECT greatest((coalesce(max(u.id)::numeric, 0) + 1) / 4, 1) AS ids FROM users_distributed AS u
),
width AS (
    -- round up to two significant digits (at least 1): 1250.25 -> 1300
    SELECT round(ceil(q.ids / g.unit) * g.unit) AS w
      FROM quarter AS q
     CROSS JOIN LATERAL (SELECT greatest(power(10, floor(log(q.ids)) - 1), 1)::numeric AS unit) AS g
),
id_type AS (
    SELECT CASE a.atttypid::regtype
                WHEN 'smallint'::regtype THEN 32767
                WHEN 'integer'::regtype  THEN 2147483647
                WHEN 'bigint'::regtype   THEN 9223372036854775807
           END::numeric AS max_id
      FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = 'users_distributed'::regclass AND a.attname = 'id' AND NOT a.attisdropped
),
ranges AS (
    SELECT n.i,
           CASE WHEN n.i > 1 THEN (n.i - 1) * width.w END AS range_from,
           CASE WHEN n.i <= 4 THEN n.i * width.w END      AS range_to
      FROM width
     CROSS JOIN generate_series(1, 5) AS n(i)
)
SELECT CASE WHEN r.i <= 4 THEN format('users_distributed_r%s', r.i)
            ELSE 'users_distributed_rmax' END                      AS partition_name,
       r.range_from,
       -- an upper bound beyond the type's largest value: MAXVALUE
       CASE WHEN r.range_to <= t.max_id THEN r.range_to END        AS range_to
  FROM strategy
 CROSS JOIN id_type AS t
 CROSS JOIN ranges AS r
 WHERE strategy.partstrat = 'h'
   -- a range that would start beyond it: none (the one before ends at MAXVALUE)
   AND (r.range_from IS NULL OR r.range_from <= t.max_id);

DO $$
DECLARE
    new_names text[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RAISE NOTICE 'nothing to do: users_distributed is range-partitioned already%',
            CASE WHEN to_regclass('users_distributed_hash') IS NOT NULL
                 THEN ' (the hash original is kept as users_distributed_hash until cleanup)' ELSE '' END;
    ELSE
        -- the range table and its partitions are created, the hash table is
        -- renamed to users_distributed_hash, the sequence handed over
        SELECT ARRAY['users_distributed_hash', 'users_distributed_range']
               || array_agg(m.partition_name ORDER BY m.range_from NULLS FIRST)
          INTO new_names FROM pg_temp.migrate_plan AS m;
        PERFORM partition_demo.assert_names_free(new_names, 'change users_distributed to RANGE partitioning',
            'nothing was changed; it is the project''s own, left over: bin/repartition cleanup removes a stale '
            'users_distributed_hash or _range; drop anything else, or run bin/setup-database --reset to start over');
        PERFORM partition_demo.assert_ours(to_regclass('users_distributed_id_seq'),
                                           'make the range table the owner of');
        RAISE NOTICE 'users_distributed: HASH (id) -> RANGE (id), % ranges: %',
            (SELECT count(*) FROM pg_temp.migrate_plan),
            (SELECT string_agg(format('[%s, %s)', coalesce(m.range_from::text, 'MINVALUE'),
                                      coalesce(m.range_to::text, 'MAXVALUE')), ' ' ORDER BY m.range_from NULLS FIRST)
               FROM pg_temp.migrate_plan AS m);
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 3. The range-partitioned table (LIKE the hash table: the same columns,
--    types - id's included, which the bounds were computed for -, NOT NULLs
--    and defaults, so id takes its values from the existing sequence) and its
--    partitions.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;

    CREATE TABLE users_distributed_range (
        LIKE users_distributed INCLUDING DEFAULTS,
        CONSTRAINT users_distributed_range_pkey PRIMARY KEY (id)
    ) PARTITION BY RANGE (id);

    FOR r IN SELECT * FROM pg_temp.migrate_plan ORDER BY range_from NULLS FIRST LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF users_distributed_range FOR VALUES FROM (%s) TO (%s)',
                       r.partition_name,
                       coalesce(r.range_from::text, 'MINVALUE'),
                       coalesce(r.range_to::text, 'MAXVALUE'));
    END LOOP;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 4. Copy every row, ids included (explicit columns), then build the indexes
--    on the parent (they cascade to every partition).
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;

    INSERT INTO users_distributed_range (id, username, email, country_code, registration_date, status)
    SELECT u.id, u.username, u.email, u.country_code, u.registration_date, u.status
      FROM users_distributed AS u;

    CREATE INDEX idx_users_distributed_range_username ON users_distributed_range (username);
    CREATE INDEX idx_users_distributed_range_email    ON users_distributed_range (email);

    -- statistics now, before the swap: autovacuum never analyzes a
    -- partitioned parent itself
    ANALYZE users_distributed_range;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 5. Verify: the new table holds exactly the rows of users_distributed (count
--    and checksum over all columns), or roll back. The hash table is not
--    scanned again (measure() remembers step 1, and step 0 locked it with its
--    partitions).
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    source record;
    copy   record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;
    SELECT * INTO STRICT source FROM partition_demo.measure_sum(ARRAY['users_distributed'::regclass], 'users_distributed');
    SELECT * INTO STRICT copy FROM partition_demo.measure_sum(ARRAY['users_distributed_range'::regclass], 'users_distributed');
    PERFORM partition_demo.assert_same_fingerprint(
        'users_distributed_range holds exactly the rows of users_distributed',
        source.row_count, source.checksum, copy.row_count, copy.checksum);
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 6. Username uniqueness on the new table (the copied names are registered in
--    users_distributed_usernames already), and the sequence's owner.
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;

    CREATE TRIGGER users_distributed_username_unique
        AFTER INSERT OR UPDATE OF username, id OR DELETE ON users_distributed_range
        FOR EACH ROW EXECUTE FUNCTION partition_demo.users_distributed_register_username();
    CREATE TRIGGER users_distributed_username_truncate
        AFTER TRUNCATE ON users_distributed_range
        FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.users_distributed_unregister_truncated();

    ALTER SEQUENCE users_distributed_id_seq OWNED BY users_distributed_range.id;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 7. Swap. ACCESS EXCLUSIVE on both tables until COMMIT: catalog work only.
--    The hash table becomes an inert backup (no triggers), then both are
--    renamed, with their constraint and index names (RENAME TABLE leaves
--    those behind, docs/spec-notes.md §5).
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;

    DROP TRIGGER users_distributed_username_unique ON users_distributed;
    DROP TRIGGER users_distributed_username_truncate ON users_distributed;

    ALTER TABLE users_distributed RENAME TO users_distributed_hash;
    ALTER TABLE users_distributed_hash RENAME CONSTRAINT users_distributed_pkey TO users_distributed_hash_pkey;
    ALTER INDEX idx_users_distributed_username RENAME TO idx_users_distributed_hash_username;
    ALTER INDEX idx_users_distributed_email    RENAME TO idx_users_distributed_hash_email;

    ALTER TABLE users_distributed_range RENAME TO users_distributed;
    ALTER TABLE users_distributed RENAME CONSTRAINT users_distributed_range_pkey TO users_distributed_pkey;
    ALTER INDEX idx_users_distributed_range_username RENAME TO idx_users_distributed_username;
    ALTER INDEX idx_users_distributed_range_email    RENAME TO idx_users_distributed_email;

    RAISE NOTICE 'users_distributed is now range-partitioned on id; the hash table is kept as users_distributed_hash until cleanup';
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 8. Verify: users_distributed (now the range table), scanned again, holds
--    exactly the rows of step 1, or everything is rolled back.
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'users_distributed');
SELECT partition_demo.assert_conserved();

SELECT partition_demo.register_created('repartition/13_migrate_strategy.sql');
