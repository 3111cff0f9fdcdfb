-- =============================================================================
-- scripts/02_hash_partitions.sql -- migrate users_distributed (plain) to a
-- table HASH-partitioned on id into 4 partitions, keeping usernames globally
-- unique.
-- =============================================================================
-- Steps (one transaction: all or nothing):
--   0. guard + lock     refuse if users_distributed is missing or already
--                       partitioned
--   1. create           users_distributed_partitioned (no keys yet)
--   2. partitions       users_distributed_p0 .. _p3 (MODULUS 4)
--   3. migrate          INSERT ... SELECT with explicit columns; ids preserved
--   4. keys, indexes    primary key and indexes on the parent, built after
--                       the copy (cascade to every partition)
--   5. verify           same row count and content checksum, or roll back
--   6. usernames        side table users_distributed_usernames + trigger
--   7. renames          users_distributed -> users_distributed_old (with its
--                       pkey, unique constraint, indexes), then
--                       users_distributed_partitioned -> users_distributed
--   8. sequences        the live table keeps its sequence (moved to the new
--                       column), the plain _old one gets a new one
--
-- Why no UNIQUE (username): PostgreSQL rejects it on this table ("unique
-- constraint on partitioned table must include all partitioning columns"),
-- and a unique index per partition is not global: the same name could exist
-- once in each partition. Step 6b keeps the rule with a side table whose
-- primary key is the global unique index (docs/spec-notes.md §1).
--
-- bin/setup-database wraps this file in BEGIN ... COMMIT. By hand:
--     psql -v ON_ERROR_STOP=1 -1 -f scripts/02_hash_partitions.sql
-- Needs scripts/lib/partition_demo.sql (helpers and the trigger function).
-- =============================================================================

-- -----------------------------------------------------------------------------
-- 0. Guard: only a plain users_distributed can be migrated, and no leftover of
--    an earlier attempt may be in the way.
-- -----------------------------------------------------------------------------
-- @online: guard
-- Everything this file creates is recorded as the project's (see the end of [swap]).
SELECT partition_demo.track_begin();

-- refused unless users_distributed is the project's plain table, and every name
-- this file creates is free (see partition_demo.assert_migratable())
SELECT partition_demo.assert_migratable('users_distributed',
    ARRAY['users_distributed_partitioned', 'users_distributed_old', 'users_distributed_usernames',
          'users_distributed_partitioned_id_seq', 'users_distributed_old_id_seq', 'users_distributed_p0',
          'users_distributed_p1', 'users_distributed_p2', 'users_distributed_p3']);

-- EXCLUSIVE: readers go on reading users_distributed during the copy, writers
-- wait. A row written after the copy would otherwise stay behind in
-- users_distributed_old at the rename. A waiting INSERT resolves the name
-- again after COMMIT and lands in the new partitioned table.
-- Every lock wait from here on is bounded (SQLSTATE 55P03 when it expires):
-- bin/setup-database sets lock_timeout for the file's transaction
-- (--lock-timeout) and runs the file again, with backoff; run by hand, the
-- wait is 2 s unless the session has a lock_timeout of its own.
-- @online: lock
SELECT partition_demo.bound_lock_waits();
LOCK TABLE users_distributed IN EXCLUSIVE MODE;

-- -----------------------------------------------------------------------------
-- 1. The partitioned table. The partition key id is the whole primary key (step 4);
--    username is NOT NULL but its uniqueness is enforced in step 6.
-- -----------------------------------------------------------------------------
-- @online: create
CREATE TABLE users_distributed_partitioned (
    id                 SERIAL,
    username           VARCHAR(50)  NOT NULL,
    email              VARCHAR(100) NOT NULL,
    country_code       VARCHAR(2),
    registration_date  DATE        DEFAULT CURRENT_DATE,
    status             VARCHAR(20) DEFAULT 'active'
) PARTITION BY HASH (id);

-- -----------------------------------------------------------------------------
-- 2. Four hash partitions: sequential ids spread roughly (not exactly) evenly.
--    Hash partitioning has no DEFAULT: every id maps to exactly one remainder.
-- -----------------------------------------------------------------------------
CREATE TABLE users_distributed_p0 PARTITION OF users_distributed_partitioned
    FOR VALUES WITH (MODULUS 4, REMAINDER 0);

CREATE TABLE users_distributed_p1 PARTITION OF users_distributed_partitioned
    FOR VALUES WITH (MODULUS 4, REMAINDER 1);

CREATE TABLE users_distributed_p2 PARTITION OF users_distributed_partitioned
    FOR VALUES WITH (MODULUS 4, REMAINDER 2);

CREATE TABLE users_distributed_p3 PARTITION OF users_distributed_partitioned
    FOR VALUES WITH (MODULUS 4, REMAINDER 3);

-- -----------------------------------------------------------------------------
-- 3. Copy every row, ids included, with explicit column lists (docs/spec-notes.md §6).
-- -----------------------------------------------------------------------------
-- @online: copy
-- @bench: copy begin
INSERT INTO users_distributed_partitioned (id, username, email, country_code, registration_date, status)
SELECT id, username, email, country_code, registration_date, status
FROM users_distributed;
-- @bench: copy end

-- -----------------------------------------------------------------------------
-- 4. Primary key and indexes, built AFTER the copy (the fast path): one
--    sorted build per partition instead of maintaining every index row
--    by row during the copy (make bench measures both orders). Still in
--    this transaction and before the verification: nobody ever sees the
--    table without them, and a duplicate key fails the migration here.
--    Indexes on the parent (cascade to all partitions, docs/spec-notes.md §7). The
--    username index serves lookups by name (hash on id cannot prune them, so
--    each partition's index is probed); it is not, and cannot be, unique.
-- -----------------------------------------------------------------------------
-- @online: keys
-- @bench: keys begin
ALTER TABLE users_distributed_partitioned ADD PRIMARY KEY (id);
CREATE INDEX idx_users_distributed_partitioned_username ON users_distributed_partitioned (username);
CREATE INDEX idx_users_distributed_partitioned_email    ON users_distributed_partitioned (email);
-- @bench: keys end

-- -----------------------------------------------------------------------------
-- 5. Verify: same row count and checksum over all columns, or roll back.
-- -----------------------------------------------------------------------------
-- @online: verify
SELECT partition_demo.assert_same_rows('users_distributed', 'users_distributed_partitioned');

-- -----------------------------------------------------------------------------
-- 6. Global username uniqueness.
--    users_distributed_usernames holds one row per user; its PRIMARY KEY
--    (username) is the global unique index PostgreSQL cannot build on a table
--    hash-partitioned by id. The AFTER ROW trigger (function in
--    scripts/lib/partition_demo.sql) registers the name on INSERT, moves it on
--    UPDATE and unregisters it on DELETE. A duplicate fails with SQLSTATE
--    23505; two sessions inserting the same new name serialize on the primary
--    key entry: the second waits until the first commits, then fails (or
--    succeeds if the first rolled back).
--    The side table is filled with one set-based INSERT before the trigger
--    exists, so the migration pays no per-row trigger cost; the copied names
--    are unique already (they came from a UNIQUE column).
-- -----------------------------------------------------------------------------
-- @online: create
CREATE TABLE users_distributed_usernames (
    username  VARCHAR(50) NOT NULL,
    user_id   INTEGER     NOT NULL
);

COMMENT ON TABLE users_distributed_usernames IS
    'global unique index on users_distributed.username (maintained by trigger users_distributed_username_unique)';

-- @online: derived
-- @bench: copy begin
INSERT INTO users_distributed_usernames (username, user_id)
SELECT username, id
FROM users_distributed_partitioned;
-- @bench: copy end

-- The key after the fill, as in step 4: one sorted build.
-- @bench: keys begin
ALTER TABLE users_distributed_usernames ADD PRIMARY KEY (username);
-- @bench: keys end

-- A row trigger on the partitioned parent is cloned to every partition,
-- present and future. UPDATE OF also lists id: a changed id must re-register
-- the name under the new id, or a later DELETE could not unregister it.
CREATE TRIGGER users_distributed_username_unique
    AFTER INSERT OR UPDATE OF username, id OR DELETE ON users_distributed_partitioned
    FOR EACH ROW EXECUTE FUNCTION partition_demo.users_distributed_register_username();

-- TRUNCATE fires no row trigger: a statement trigger drops the names of the
-- truncated users, or none of them could ever be inserted again.
CREATE TRIGGER users_distributed_username_truncate
    AFTER TRUNCATE ON users_distributed_partitioned
    FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.users_distributed_unregister_truncated();

-- -----------------------------------------------------------------------------
-- 7. Renames (docs/spec-notes.md §5): old objects to *_old names first, then the new
--    table's objects to the canonical names. Renaming a constraint renames
--    its index too; defaults reference sequences by OID.
-- -----------------------------------------------------------------------------
-- @online: swap
ALTER TABLE users_distributed RENAME TO users_distributed_old;
ALTER TABLE users_distributed_old RENAME CONSTRAINT users_distributed_pkey TO users_distributed_old_pkey;
ALTER TABLE users_distributed_old RENAME CONSTRAINT users_distributed_username_key TO users_distributed_old_username_key;
ALTER INDEX idx_users_distributed_username RENAME TO idx_users_distributed_old_username;
ALTER INDEX idx_users_distributed_email    RENAME TO idx_users_distributed_old_email;

ALTER TABLE users_distributed_partitioned RENAME TO users_distributed;
ALTER TABLE users_distributed RENAME CONSTRAINT users_distributed_partitioned_pkey TO users_distributed_pkey;
ALTER INDEX idx_users_distributed_partitioned_username RENAME TO idx_users_distributed_username;
ALTER INDEX idx_users_distributed_partitioned_email    RENAME TO idx_users_distributed_email;

-- -----------------------------------------------------------------------------
-- 8. Sequences. The live table keeps the very sequence that has always fed
--    it, users_distributed_id_seq: a writer may hold ids drawn from it before the swap
--    and insert them after (bin/load-data draws its ids in a statement of
--    their own, and a nextval() waiting on this transaction's locks draws from
--    the sequence it resolved before, by OID, after the COMMIT). A sequence of
--    the new table's own would hand those ids out a second time. So the new
--    SERIAL's sequence is dropped, the old one moves to the new column
--    (OWNED BY) and is only ever moved forward, past max(id) (docs/spec-notes.md §4).
--    The plain users_distributed_old gets a sequence of its own, past its max(id).
-- -----------------------------------------------------------------------------
ALTER TABLE users_distributed ALTER COLUMN id SET DEFAULT nextval('users_distributed_id_seq'::regclass);
ALTER SEQUENCE users_distributed_id_seq OWNED BY users_distributed.id;
-- (online, this runs long after the guard: the name is checked again)
SELECT partition_demo.assert_ours('users_distributed_partitioned_id_seq', 'drop');
DROP SEQUENCE users_distributed_partitioned_id_seq;
SELECT partition_demo.sync_sequence('users_distributed_id_seq', 'users_distributed', 'id', 'users_distributed_id_seq')
       AS users_distributed_id_seq_last_value;

CREATE SEQUENCE users_distributed_old_id_seq AS integer OWNED BY users_distributed_old.id;
ALTER TABLE users_distributed_old ALTER COLUMN id SET DEFAULT nextval('users_distributed_old_id_seq'::regclass);
SELECT partition_demo.sync_sequence('users_distributed_old_id_seq', 'users_distributed_old', 'id')
       AS users_distributed_old_id_seq_last_value;

-- The tables and sequences created above are the project's: recorded by
-- OID, so that bin/setup-database --reset drops them, and only them.
SELECT partition_demo.register_created('02_hash_partitions.sql');

-- @online: finish
-- Autovacuum never analyzes a partitioned parent itself, only its leaves.
ANALYZE users_distributed;
ANALYZE users_distributed_usernames;

DO $$
BEGIN
    RAISE NOTICE 'users_distributed is now hash-partitioned on id (% partitions), usernames unique via users_distributed_usernames; the plain table is kept as users_distributed_old',
        (SELECT count(*) FROM pg_catalog.pg_partition_tree('users_distributed') WHERE isleaf);
END
$$;
