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
-- The range table is built beside the live hash table, filled from it while
-- it serves, and swapped in with catalog work only:
--
--   guard    users_distributed hash- (or already range-) partitioned, the
--            project's with every partition (partition_demo.assert_ours),
--            ids of an integer type; no online scenario in progress
--   lock     (offline only) EXCLUSIVE on users_distributed and its
--            partitions: writers wait, readers go on; rows and checksums
--   create   the plan (the ranges, temporary table migrate_plan; none when
--            users_distributed is range-partitioned already; the new names
--            must be free, the id sequence the project's);
--            users_distributed_range PARTITION BY RANGE (id) and its
--            partitions, empty, id fed by the same sequence; the plan
--            recorded (partition_demo.online_plan: every row of the hash
--            table goes to the range table, route true)
--   copy     (offline only) every row, ids included
--   keys     primary key and indexes after the copy (one sort each instead
--            of row by row), ANALYZE (autovacuum never analyzes a parent)
--   verify   (offline only) the range table holds exactly the hash table's rows
--   swap     the username triggers and the sequence (OWNED BY) move to the
--            range table; the hash table becomes users_distributed_hash and
--            refuses writes from now on, the range table users_distributed,
--            with the canonical constraint and index names
--   verify   (offline only) users_distributed, scanned again, holds exactly
--            the rows it held at the lock
--   finish   ANALYZE of any partition not analyzed yet
--
-- bin/repartition migrate runs it ONLINE: the sections in the steps of
-- scripts/online/00_online_functions.sql (row capture triggers on
-- users_distributed, cloned to every partition, so writes into
-- users_distributed_p0 .. _p3 by name are captured too, and an id change,
-- which moves a row between hash partitions, logs both ids; batched copy;
-- replay; comparison at one snapshot; the swap in one short transaction:
-- ACCESS EXCLUSIVE on users_distributed and its partitions, catalog only;
-- docs/repartition.md has the locks). bin/repartition --offline migrate runs the whole file in one
-- transaction, as does psql:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/repartition/13_migrate_strategy.sql
-- (after scripts/lib/partition_demo.sql and scripts/online/00_online_functions.sql).
--
-- Username uniqueness (docs/spec-notes.md §12). The side table
-- users_distributed_usernames and its trigger function stay as they are. The
-- triggers stay on the live hash table until the swap, so the side table
-- follows the live table at every moment (a rename or delete during the copy
-- updates it at once; the range table, which gets its rows only from the
-- engine, has no triggers until then: its rows are those of the hash table
-- when it is swapped in), and move to the range table in the swap.
--
-- Sequence (docs/spec-notes.md §4). No new sequence: the new table's id default is
-- nextval('users_distributed_id_seq'), so ids simply continue. OWNED BY moves
-- to the live table, so dropping the backup can never drop the sequence.
--
-- Names (docs/spec-notes.md §12). users_distributed_old is setup's plain table; the
-- replaced hash table is users_distributed_hash. Its partitions keep their
-- names users_distributed_p0 .. _p3, which the range partitions do not use.
-- A session that writes into users_distributed_p1 by name (queued behind the
-- swap, or any time later) would write into the backup, and its rows would
-- not be in users_distributed: so the backup and each of its partitions
-- refuse every write (a statement trigger, SQLSTATE 55006, naming
-- users_distributed) until bin/repartition cleanup swaps it back or drops it.
--
-- Writers that wait. An INSERT queued behind the swap's lock on
-- users_distributed resolves the name again after the COMMIT (PostgreSQL
-- re-checks a name after waiting for its lock, and prepared statements are
-- re-planned) and lands in the range table.
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

DO $$
DECLARE
    strategy "char";
    id_type  regtype;
BEGIN
    PERFORM partition_demo.online_assert_idle('users_distributed');
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
-- @step: 1. Offline: lock the parent, then (LOCK TABLE recurses) its partitions,
--    so that no direct writes happen either; rows and checksum per partition
--    before any change.
-- @online: lock
-- -----------------------------------------------------------------------------
LOCK TABLE users_distributed IN EXCLUSIVE MODE;
SELECT partition_demo.snapshot('before', 'users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 2. Plan: five ranges, or none if users_distributed is range-partitioned
--    already. NULL stands for MINVALUE / MAXVALUE.
-- @online: create
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
--    partitions, empty, beside the live table; the move recorded as the plan.
--    No primary key or index yet: they are built after the copy.
-- -----------------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_temp.migrate_plan) THEN
        RETURN;
    END IF;

    CREATE TABLE users_distributed_range (
        LIKE users_distributed INCLUDING DEFAULTS
    ) PARTITION BY RANGE (id);

    FOR r IN SELECT * FROM pg_temp.migrate_plan ORDER BY range_from NULLS FIRST LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF users_distributed_range FOR VALUES FROM (%s) TO (%s)',
                       r.partition_name,
                       coalesce(r.range_from::text, 'MINVALUE'),
                       coalesce(r.range_to::text, 'MAXVALUE'));
    END LOOP;

    PERFORM partition_demo.online_plan('users_distributed', 'migrate', 'users_distributed',
        sources => ARRAY['users_distributed'::regclass],
        targets => ARRAY['users_distributed_range'::regclass],
        routes  => ARRAY['true'],
        details => jsonb_build_object('ranges',
            (SELECT jsonb_agg(jsonb_build_object('name', m.partition_name, 'range_from', m.range_from,
                                                 'range_to', m.range_to) ORDER BY m.range_from NULLS FIRST)
               FROM pg_temp.migrate_plan AS m)));
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 4. Offline: copy every row, ids included (explicit columns).
-- @online: copy
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_copy_all('users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 5. Primary key and indexes on the parent (they cascade to every
--    partition), built once the rows are in; statistics now, before the
--    swap: autovacuum never analyzes a partitioned parent itself. Only the
--    range table is locked (ACCESS EXCLUSIVE): nobody else uses it yet.
-- @online: keys
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF partition_demo.online_plan_details('users_distributed') IS NULL THEN
        RETURN;
    END IF;
    ALTER TABLE users_distributed_range ADD CONSTRAINT users_distributed_range_pkey PRIMARY KEY (id);
    CREATE INDEX idx_users_distributed_range_username ON users_distributed_range (username);
    CREATE INDEX idx_users_distributed_range_email    ON users_distributed_range (email);
    ANALYZE users_distributed_range;
END
$$;

-- -----------------------------------------------------------------------------
-- @step: 6. Offline: the range table holds exactly the rows of users_distributed
--    (count and checksum over all columns), or everything is rolled back.
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.online_assert_moved('users_distributed');

-- -----------------------------------------------------------------------------
-- @step: 7. Swap, catalog only (ACCESS EXCLUSIVE on both tables from the first
--    DROP TRIGGER until COMMIT). The username triggers and the sequence move
--    to the range table; the hash table becomes users_distributed_hash, a
--    backup that refuses writes, the range table users_distributed, both with
--    their constraint and index names (RENAME TABLE leaves those behind,
--    docs/spec-notes.md §5).
-- @online: swap
-- -----------------------------------------------------------------------------
DO $$
BEGIN
    IF partition_demo.online_plan_details('users_distributed') IS NULL THEN
        RETURN;
    END IF;
    -- online, this runs long after the guard: checked again
    PERFORM partition_demo.assert_ours('users_distributed', 'change the partitioning of');

    DROP TRIGGER users_distributed_username_unique ON users_distributed;
    DROP TRIGGER users_distributed_username_truncate ON users_distributed;
    -- the side table holds the names of the hash table's rows, which are the
    -- range table's (compared just before): nothing to register
    CREATE TRIGGER users_distributed_username_unique
        AFTER INSERT OR UPDATE OF username, id OR DELETE ON users_distributed_range
        FOR EACH ROW EXECUTE FUNCTION partition_demo.users_distributed_register_username();
    CREATE TRIGGER users_distributed_username_truncate
        AFTER TRUNCATE ON users_distributed_range
        FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.users_distributed_unregister_truncated();
    ALTER SEQUENCE users_distributed_id_seq OWNED BY users_distributed_range.id;

    ALTER TABLE users_distributed RENAME TO users_distributed_hash;
    ALTER TABLE users_distributed_hash RENAME CONSTRAINT users_distributed_pkey TO users_distributed_hash_pkey;
    ALTER INDEX idx_users_distributed_username RENAME TO idx_users_distributed_hash_username;
    ALTER INDEX idx_users_distributed_email    RENAME TO idx_users_distributed_hash_email;

    ALTER TABLE users_distributed_range RENAME TO users_distributed;
    ALTER TABLE users_distributed RENAME CONSTRAINT users_distributed_range_pkey TO users_distributed_pkey;
    ALTER INDEX idx_users_distributed_range_username RENAME TO idx_users_distributed_username;
    ALTER INDEX idx_users_distributed_range_email    RENAME TO idx_users_distributed_email;

    -- a write into users_distributed_p1 by name, queued behind this lock or
    -- made later, fails instead of landing in the backup
    PERFORM partition_demo.backup_refuse_writes('users_distributed_hash', 'users_distributed', 'migrate');

    RAISE NOTICE 'users_distributed is now range-partitioned on id; the hash table is kept as users_distributed_hash until cleanup (it takes no writes)';
END
$$;

SELECT partition_demo.online_plan_done('users_distributed');
SELECT partition_demo.register_created('repartition/13_migrate_strategy.sql');

-- -----------------------------------------------------------------------------
-- @step: 8. Offline: users_distributed (now the range table), scanned again, holds
--    exactly the rows of step 1, or everything is rolled back. Online, the
--    swap compared every row, those written meanwhile included
--    (scripts/online/00_online_functions.sql).
-- @online: verify
-- -----------------------------------------------------------------------------
SELECT partition_demo.snapshot('after', 'users_distributed');
SELECT partition_demo.assert_conserved();

-- -----------------------------------------------------------------------------
-- @online: finish
-- -----------------------------------------------------------------------------
SELECT partition_demo.analyze_new_partitions('users_distributed');
