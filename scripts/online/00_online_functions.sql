-- =============================================================================
-- scripts/online/00_online_functions.sql -- the SQL side of an ONLINE migration:
-- a plain table becomes its partitioned form while other sessions keep
-- inserting, updating and deleting its rows (bin/setup-database --online).
-- =============================================================================
-- The partitioned table, its partitions, keys, indexes and names come from the
-- same migration script as offline (01..04): its statements are marked with
-- "-- @online: <section>" and bin/setup-database runs the sections in this order
-- around the functions below:
--
--   prepare  [guard] online_begin_prepare() [create] online_start(), one short
--            transaction:
--            capture triggers on the plain table, so every change from now on
--            leaves its row id in partition_demo.online_changes (the table's
--            lock while creating them is SHARE ROW EXCLUSIVE, bounded by
--            lock_timeout and retried)
--   copy     online_copy_batch() until done: rows up to the id that was
--            highest at prepare time, in id ranges, one transaction each,
--            under ACCESS SHARE only (writers go on)
--   keys     [keys] online_drop_changed() [derived] online_keys_built():
--            primary key and indexes built after the copy, as offline; rows
--            changed since prepare left to the replay, so that what [derived]
--            builds from the rows (the username side table) is consistent
--   replay   online_replay() until caught up: for each changed id, its row
--            is deleted from the partitioned table and copied again from the
--            plain one as it is NOW; a later change logs the id again
--   verify   online_verify_snapshot() in a REPEATABLE READ transaction: count
--            and checksum of both tables at one snapshot S over every row
--            whose id has no change waiting; the ids waiting are kept
--   swap     online_lock_and_verify() [swap] online_finish(): ACCESS
--            EXCLUSIVE on the table and every source (readers and writers
--            wait a few milliseconds; see that function), replay the last
--            changes, compare count and checksum of the rows changed since S
--            (rows not changed since S were compared at S), renames and
--            sequence as offline, capture removed; one transaction with a
--            short lock_timeout, retried rather than queued behind a long
--            transaction
--   finish   [finish]   ANALYZE, as offline
--
-- Why this is exact: a row id is either unchanged since S (then its row was
-- equal in both tables at S and still is, in both) or it is in the change log
-- after S (then its row is compared under the lock); the two parts together
-- cover every row of both tables. The checksum is the same as offline: the
-- sum of 64-bit hashes of each row's text form (table_fingerprint()).
--
-- The key of a change is the column id, the primary key of all four plain
-- tables; online_start() refuses a table whose primary key is anything else.
-- Safe to run again (CREATE ... IF NOT EXISTS, CREATE OR REPLACE); loaded by
-- bin/setup-database after scripts/lib/partition_demo.sql.
-- =============================================================================

SET LOCAL client_min_messages = warning;

-- what this file creates is recorded as the project's (register_created() at the end)
SELECT partition_demo.track_begin();

-- One row per table being migrated online; gone once the swap committed.
CREATE TABLE IF NOT EXISTS partition_demo.online_migrations (
    table_name     text        PRIMARY KEY,   -- canonical name, e.g. event_logs
    source         regclass    NOT NULL,      -- the plain table (its OID survives renames)
    target         regclass    NOT NULL,      -- <table>_partitioned
    phase          text        NOT NULL CHECK (phase IN ('copying', 'replaying')),
    copied_up_to   bigint      NOT NULL,      -- ids <= this are copied
    copy_end       bigint      NOT NULL,      -- max(id) at prepare; later ids come from the log
    rows_copied    bigint      NOT NULL DEFAULT 0,
    drop_on_abort  regclass[]  NOT NULL,      -- tables this migration created
    verified_at    pg_snapshot,               -- snapshot S of the last full comparison
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The change log. Only the id is logged, not the row: replay copies the row as
-- it is when replayed, so the order of changes to one id never matters.
CREATE TABLE IF NOT EXISTS partition_demo.online_changes (
    change_id   bigserial PRIMARY KEY,
    table_name  text    NOT NULL,
    row_id      bigint  NOT NULL,
    writer_xid  xid8    NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    replayed    boolean NOT NULL DEFAULT false
);

-- A migration replaces the rows of its sources with those of its targets: the
-- conversions of setup-database move one plain table into its partitioned
-- form (sources {event_logs}, targets {event_logs_partitioned}, route true);
-- the re-partitioning scenarios move partitions into new tables beside them
-- (add: sources {event_logs_default}, targets {the new month, a new DEFAULT
-- without it}, each target with the route, a condition on the row, that says
-- which rows it takes). source is the table whose writers the swap stops.
-- Only when a column is missing (a database set up by an earlier version):
-- ALTER TABLE takes ACCESS EXCLUSIVE, which would wait for a migration in
-- progress that this file is loaded beside.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
                    WHERE a.attrelid = 'partition_demo.online_migrations'::regclass
                      AND a.attname = 'routes' AND NOT a.attisdropped) THEN
        ALTER TABLE partition_demo.online_migrations
            ADD COLUMN IF NOT EXISTS operation text,
            ADD COLUMN IF NOT EXISTS sources   regclass[],
            ADD COLUMN IF NOT EXISTS targets   regclass[],
            ADD COLUMN IF NOT EXISTS routes    text[];
        UPDATE partition_demo.online_migrations AS o
           SET operation = 'convert', sources = ARRAY[o.source], targets = ARRAY[o.target],
               routes = ARRAY['true'];
    END IF;
END
$$;

-- What a scenario's [create] section plans, for online_start() and for its
-- [swap] section, which runs in another transaction (online) or the same one
-- (offline); removed by online_plan_done() or online_abort().
CREATE TABLE IF NOT EXISTS partition_demo.online_plans (
    table_name  text       PRIMARY KEY,
    operation   text       NOT NULL,      -- the scenario: add, split, ...
    source      regclass   NOT NULL,      -- the table whose writers the swap stops
    sources     regclass[] NOT NULL,
    targets     regclass[] NOT NULL,
    routes      text[]     NOT NULL,      -- one condition per target, over the rows' columns
    details     jsonb      NOT NULL DEFAULT '{}',
    CHECK (cardinality(targets) = cardinality(routes) AND cardinality(sources) > 0)
);

CREATE INDEX IF NOT EXISTS online_changes_waiting
    ON partition_demo.online_changes (table_name, change_id) WHERE NOT replayed;

-- Ids with a change waiting at snapshot S: left out of the comparison at S,
-- compared under the lock instead.
CREATE TABLE IF NOT EXISTS partition_demo.online_unverified (
    table_name  text   NOT NULL,
    row_id      bigint NOT NULL,
    PRIMARY KEY (table_name, row_id)
);

-- -----------------------------------------------------------------------------
-- Capture: statement-level triggers with transition tables, so that a COPY or
-- a multi-row INSERT of thousands of rows logs them in one INSERT ... SELECT.
-- TG_ARGV[0] is the canonical table name. An UPDATE logs old and new id (an id
-- may change).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_capture()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO partition_demo.online_changes (table_name, row_id)
        SELECT TG_ARGV[0], n.id FROM captured_new AS n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO partition_demo.online_changes (table_name, row_id)
        SELECT TG_ARGV[0], n.id FROM captured_new AS n
        UNION
        SELECT TG_ARGV[0], o.id FROM captured_old AS o;
    ELSE
        INSERT INTO partition_demo.online_changes (table_name, row_id)
        SELECT TG_ARGV[0], o.id FROM captured_old AS o;
    END IF;
    RETURN NULL;
END
$$;

-- TRUNCATE fires no row-level capture: refused while the migration runs.
CREATE OR REPLACE FUNCTION partition_demo.online_refuse_truncate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE of % is refused: an online migration of it is in progress', TG_ARGV[0]
        USING ERRCODE = 'object_in_use',
              HINT = 'let bin/setup-database --online finish, or run bin/setup-database --abort first';
END
$$;

-- Row-level capture, for a source that is a partition or partitioned: a
-- statement trigger on a partition fires only for statements naming it, a
-- row trigger for every row that reaches it, through the parent or by name
-- (and, on a partitioned table, it is cloned to every partition). An UPDATE
-- that moves a row between partitions fires DELETE on one and INSERT on the
-- other: both ids are logged wherever the row went.
CREATE OR REPLACE FUNCTION partition_demo.online_capture_row()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO partition_demo.online_changes (table_name, row_id) VALUES (TG_ARGV[0], OLD.id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id) THEN
        INSERT INTO partition_demo.online_changes (table_name, row_id) VALUES (TG_ARGV[0], NEW.id);
    END IF;
    RETURN NULL;
END
$$;

-- A re-partitioning's targets are standalone tables until the swap, which
-- anyone could write to by name (a session that writes into
-- event_logs_2024_05 today would write into the table being built for it):
-- such writes are refused, so that the targets hold only what the engine
-- copied and replayed (the comparisons would refuse the swap otherwise).
-- The engine's own statements say so with partition_demo.online_engine.
CREATE OR REPLACE FUNCTION partition_demo.online_guard_target()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF coalesce(current_setting('partition_demo.online_engine', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is being built by an online % of %: it takes no writes until it is swapped in',
        TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0]
        USING ERRCODE = 'object_in_use',
              HINT = format('write to %s; the rows reach this table through it', TG_ARGV[0]);
END
$$;

-- -----------------------------------------------------------------------------
-- online_begin_prepare(table_name): first statement of the prepare
-- transaction. Refuses a table whose migration is recorded already, and
-- remembers which tables exist (partition_demo.track_begin()), so that
-- online_start() can record the tables the [create] section made, as the
-- project's and as those --abort drops.
-- -----------------------------------------------------------------------------
DROP FUNCTION IF EXISTS partition_demo.online_begin_prepare();
CREATE OR REPLACE FUNCTION partition_demo.online_begin_prepare(table_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM partition_demo.online_assert_idle(table_name);
    PERFORM partition_demo.track_begin();
    -- what the scenarios ask with online_preparing(): their [create] section
    -- runs online (the native SPLIT PARTITION, which holds ACCESS EXCLUSIVE
    -- for the whole split, is for the offline form only)
    PERFORM set_config('partition_demo.online_prepare', 'on', true);
END
$$;

-- online_assert_idle(table_name): raises while an online migration of the
-- table (by setup-database or bin/repartition) is started and not swapped;
-- the guard of every scenario asks, offline too.
CREATE OR REPLACE FUNCTION partition_demo.online_assert_idle(table_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    op text;
BEGIN
    SELECT o.operation INTO op FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_assert_idle.table_name;
    IF FOUND THEN
        RAISE EXCEPTION 'an online % of % is in progress already', CASE op WHEN 'convert' THEN 'migration' ELSE op END, table_name
            USING ERRCODE = 'object_in_use',
                  HINT = CASE op WHEN 'convert'
                      THEN 'resume it with bin/setup-database --online, or remove it with bin/setup-database --abort'
                      ELSE format('resume it with bin/repartition %s, or remove it with bin/repartition --abort', op) END;
    END IF;
END
$$;

-- -----------------------------------------------------------------------------
-- online_plan(table_name, operation, source, sources, targets, routes,
-- details): what a scenario's [create] section has built: the targets that
-- are to replace the sources, and for each target its route (a condition on
-- a row's columns, built by the scenario with %L for every value; each row
-- of the sources must meet exactly one, which the comparisons check: a row
-- routed twice or nowhere changes the count). details: what the [swap]
-- section needs (names, bounds), read with online_plan_detail().
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_plan(
    table_name text, operation text, source regclass, sources regclass[], targets regclass[],
    routes text[], details jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql
AS $$
    INSERT INTO partition_demo.online_plans (table_name, operation, source, sources, targets, routes, details)
    VALUES (table_name, operation, source, sources, targets, routes, details);
$$;

CREATE OR REPLACE FUNCTION partition_demo.online_plan_details(table_name text)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
    SELECT p.details FROM partition_demo.online_plans AS p
     WHERE p.table_name = online_plan_details.table_name;
$$;

CREATE OR REPLACE FUNCTION partition_demo.online_plan_detail(table_name text, key text)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT p.details ->> key FROM partition_demo.online_plans AS p
     WHERE p.table_name = online_plan_detail.table_name;
$$;

-- The last statement of a scenario's [swap] section: the plan is carried out.
CREATE OR REPLACE FUNCTION partition_demo.online_plan_done(table_name text)
RETURNS void
LANGUAGE sql
AS $$
    DELETE FROM partition_demo.online_plans AS p WHERE p.table_name = online_plan_done.table_name;
$$;

-- The plan of table_name as a migration record: for the offline form of a
-- scenario, whose copy and comparison use the same functions as online.
CREATE OR REPLACE FUNCTION partition_demo.online_planned(table_name text)
RETURNS partition_demo.online_migrations
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    p partition_demo.online_plans;
    m partition_demo.online_migrations;
BEGIN
    SELECT * INTO STRICT p FROM partition_demo.online_plans AS x WHERE x.table_name = online_planned.table_name;
    m.table_name := p.table_name;
    m.operation := p.operation;
    m.source := p.source;
    m.target := p.targets[1];
    m.sources := p.sources;
    m.targets := p.targets;
    m.routes := p.routes;
    RETURN m;
END
$$;

-- -----------------------------------------------------------------------------
-- Groups. A migration may move the rows of tables of different shapes at
-- once (cleanup: event_logs' partitions and archive, and users_distributed,
-- swapped back together): the plan's details give each source and each
-- target a group ("source_groups", "target_groups", numbers), and a target
-- takes rows from the sources of its group only, over their columns. Without
-- them every source and target is in group 1. Row ids of different groups
-- share the change log: an id logged by one group is replayed and compared in
-- every group, which only costs a lookup where it has no row.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_groups(m partition_demo.online_migrations, which text)
RETURNS integer[]
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(
        (SELECT array_agg(g::integer ORDER BY n)
           FROM partition_demo.online_plans AS p
          CROSS JOIN LATERAL jsonb_array_elements_text(p.details -> which) WITH ORDINALITY AS x(g, n)
          WHERE p.table_name = m.table_name AND jsonb_typeof(p.details -> which) = 'array'),
        array_fill(1, ARRAY[cardinality(CASE which WHEN 'target_groups' THEN m.targets ELSE m.sources END)]));
$$;

-- the group of target i
CREATE OR REPLACE FUNCTION partition_demo.online_target_group(m partition_demo.online_migrations, i integer)
RETURNS integer
LANGUAGE sql
STABLE
AS $$
    SELECT (partition_demo.online_groups(m, 'target_groups'))[i];
$$;

-- the sources of group grp (NULL: every source), in the plan's order
CREATE OR REPLACE FUNCTION partition_demo.online_group_sources(m partition_demo.online_migrations, grp integer)
RETURNS regclass[]
LANGUAGE sql
STABLE
AS $$
    SELECT array_agg(x.src ORDER BY x.n)
      FROM unnest(m.sources, partition_demo.online_groups(m, 'source_groups')) WITH ORDINALITY AS x(src, g, n)
     WHERE grp IS NULL OR x.g = grp;
$$;

-- the targets of group grp
CREATE OR REPLACE FUNCTION partition_demo.online_group_targets(m partition_demo.online_migrations, grp integer)
RETURNS regclass[]
LANGUAGE sql
STABLE
AS $$
    SELECT array_agg(x.tgt ORDER BY x.n)
      FROM unnest(m.targets, partition_demo.online_groups(m, 'target_groups')) WITH ORDINALITY AS x(tgt, g, n)
     WHERE x.g = grp;
$$;

-- -----------------------------------------------------------------------------
-- online_rows(m, cols, grp): the rows of the sources (of group grp; NULL:
-- all), as a FROM item "s" with the columns cols (a partition's columns are
-- the parent's by name, not always by number). Every row of every source,
-- once.
-- -----------------------------------------------------------------------------
DROP FUNCTION IF EXISTS partition_demo.online_rows(partition_demo.online_migrations, text);
CREATE OR REPLACE FUNCTION partition_demo.online_rows(m partition_demo.online_migrations, cols text,
                                                      grp integer DEFAULT NULL)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT format('(%s) AS s',
                  string_agg(format('SELECT %s FROM %s', cols, src), ' UNION ALL ' ORDER BY n))
      FROM unnest(partition_demo.online_group_sources(m, grp)) WITH ORDINALITY AS x(src, n);
$$;

-- The columns compared and copied: those of the group's first source (the
-- table the migration is about: a partition of it, or the table itself).
DROP FUNCTION IF EXISTS partition_demo.online_columns(partition_demo.online_migrations, text);
CREATE OR REPLACE FUNCTION partition_demo.online_columns(m partition_demo.online_migrations, prefix text DEFAULT '',
                                                         grp integer DEFAULT NULL)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT string_agg(prefix || format('%I', c), ', ')
      FROM unnest(partition_demo.table_columns((partition_demo.online_group_sources(m, grp))[1])) AS c;
$$;

-- online_capture_on(m): capture triggers on every source. A plain table gets
-- statement triggers with transition tables (a COPY of thousands of rows
-- logs them in one INSERT); a partition or partitioned table row triggers
-- (see online_capture_row). TRUNCATE is refused on every leaf.
CREATE OR REPLACE FUNCTION partition_demo.online_capture_on(m partition_demo.online_migrations)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    src  regclass;
    leaf regclass;
    plain boolean;
BEGIN
    FOREACH src IN ARRAY m.sources LOOP
        SELECT c.relkind = 'r' AND NOT c.relispartition INTO STRICT plain
          FROM pg_catalog.pg_class AS c WHERE c.oid = src;
        IF plain THEN
            EXECUTE format('CREATE TRIGGER online_capture_insert AFTER INSERT ON %s
                                REFERENCING NEW TABLE AS captured_new
                                FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.online_capture(%L)',
                           src, m.table_name);
            EXECUTE format('CREATE TRIGGER online_capture_update AFTER UPDATE ON %s
                                REFERENCING OLD TABLE AS captured_old NEW TABLE AS captured_new
                                FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.online_capture(%L)',
                           src, m.table_name);
            EXECUTE format('CREATE TRIGGER online_capture_delete AFTER DELETE ON %s
                                REFERENCING OLD TABLE AS captured_old
                                FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.online_capture(%L)',
                           src, m.table_name);
        ELSE
            EXECUTE format('CREATE TRIGGER online_capture_row AFTER INSERT OR UPDATE OR DELETE ON %s
                                FOR EACH ROW EXECUTE FUNCTION partition_demo.online_capture_row(%L)',
                           src, m.table_name);
        END IF;
        FOR leaf IN SELECT t.relid FROM pg_catalog.pg_partition_tree(src) AS t WHERE t.isleaf
                    UNION SELECT src WHERE plain LOOP
            EXECUTE format('CREATE TRIGGER online_refuse_truncate BEFORE TRUNCATE ON %s
                                FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.online_refuse_truncate(%L)',
                           leaf, m.table_name);
        END LOOP;
    END LOOP;
END
$$;

-- -----------------------------------------------------------------------------
-- online_start(table_name): after the [create] section, in the same
-- transaction: checks the sources, installs the capture triggers and
-- records the migration: the one online_plan() recorded, or else the
-- conversion of the plain table table_name into <table_name>_partitioned.
-- Returns the targets, for the program's message.
-- -----------------------------------------------------------------------------
-- earlier versions returned bigint, then void, which CREATE OR REPLACE cannot change
DROP FUNCTION IF EXISTS partition_demo.online_start(text);
CREATE FUNCTION partition_demo.online_start(table_name text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    m        partition_demo.online_migrations;
    src      regclass;
    key_cols text[];
    created  regclass[];
    min_id   bigint;
    max_id   bigint;
BEGIN
    IF EXISTS (SELECT FROM partition_demo.online_plans AS p WHERE p.table_name = online_start.table_name) THEN
        m := partition_demo.online_planned(table_name);
    ELSIF EXISTS (SELECT FROM pg_catalog.pg_class AS c
                   WHERE c.oid = to_regclass(table_name) AND c.relkind = 'p') THEN
        -- a scenario that planned nothing (its [create] section said why)
        RETURN NULL;
    ELSE
        m.table_name := table_name;
        m.operation := 'convert';
        m.source := to_regclass(table_name);
        m.target := to_regclass(table_name || '_partitioned');
        IF m.source IS NULL OR m.target IS NULL THEN
            RAISE EXCEPTION 'online_start(%): % or %_partitioned is missing', table_name, table_name, table_name
                USING ERRCODE = 'undefined_table';
        END IF;
        m.sources := ARRAY[m.source];
        m.targets := ARRAY[m.target];
        m.routes := ARRAY['true'];
    END IF;

    -- replay and comparison find a row by its id: every source needs a
    -- primary key on id (alone, or id first, as event_logs' (id, created_at))
    FOREACH src IN ARRAY m.sources LOOP
        SELECT array_agg(a.attname::text ORDER BY k.ord) INTO key_cols
          FROM pg_catalog.pg_index AS i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_catalog.pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = src AND i.indisprimary;
        IF key_cols IS NULL OR key_cols[1] <> 'id' OR (m.operation = 'convert' AND key_cols <> ARRAY['id']) THEN
            RAISE EXCEPTION 'an online migration needs a primary key on id alone; % has %', src, key_cols
                USING ERRCODE = 'feature_not_supported';
        END IF;
    END LOOP;

    -- new since online_begin_prepare() AND written by this transaction: a
    -- table another session commits meanwhile is not ours to drop
    SELECT array_agg(c.oid::regclass ORDER BY c.oid) INTO created
      FROM pg_catalog.pg_class AS c
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND c.relpersistence <> 't'
       AND partition_demo.written_by_this_transaction(c.xmin)
       AND NOT EXISTS (SELECT FROM pg_temp.project_objects_before AS b
                        WHERE b.classid = 'pg_catalog.pg_class'::regclass AND b.objid = c.oid);
    PERFORM partition_demo.register_created(format('%s (online prepare)', table_name));

    -- CREATE TRIGGER takes SHARE ROW EXCLUSIVE: it waits for the writers in
    -- progress (bounded by the caller's lock_timeout), and every write that
    -- commits after this transaction is captured.
    PERFORM partition_demo.online_capture_on(m);
    IF m.operation <> 'convert' THEN
        FOREACH src IN ARRAY m.targets LOOP
            EXECUTE format('CREATE TRIGGER online_guard_target BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                                FOR EACH STATEMENT EXECUTE FUNCTION partition_demo.online_guard_target(%L, %L)',
                           src, m.table_name, m.operation);
        END LOOP;
    END IF;

    -- Read after the triggers exist: a row committed before is copied, a
    -- row committed after (whatever its id) is in the log.
    EXECUTE format('SELECT coalesce(min(id), 1) - 1, coalesce(max(id), 0) FROM %s',
                   partition_demo.online_rows(m, 'id'))
        INTO min_id, max_id;

    INSERT INTO partition_demo.online_migrations
           (table_name, source, target, phase, copied_up_to, copy_end, drop_on_abort,
            operation, sources, targets, routes)
    VALUES (table_name, m.source, m.target, 'copying', min_id, max_id,
            coalesce(created, m.targets), m.operation, m.sources, m.targets, m.routes);
    RETURN array_to_string(m.targets, ', ');
END
$$;

-- -----------------------------------------------------------------------------
-- online_copy_ids(m, after, upto): copies the sources' rows with ids in
-- (after, upto] into the targets, each target the rows of its route; NULL
-- bounds: every row. Returns the rows copied.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_copy_ids(m partition_demo.online_migrations,
                                                          after bigint, upto bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    cols  text;
    grp   integer;
    total bigint := 0;
    n     bigint;
BEGIN
    PERFORM set_config('partition_demo.online_engine', 'on', true);
    FOR i IN 1 .. cardinality(m.targets) LOOP
        grp := partition_demo.online_target_group(m, i);
        cols := partition_demo.online_columns(m, '', grp);
        EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE (%s) %s',
                       m.targets[i], cols, cols, partition_demo.online_rows(m, cols, grp), m.routes[i],
                       CASE WHEN after IS NULL THEN '' ELSE 'AND s.id > $1 AND s.id <= $2' END)
            USING after, upto;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
    END LOOP;
    PERFORM set_config('partition_demo.online_engine', 'off', true);
    RETURN total;
END
$$;

-- -----------------------------------------------------------------------------
-- online_copy_batch(table_name, batch_ids): copies the rows with ids in the
-- next range of batch_ids ids and records the progress in the same
-- transaction (a killed batch is simply done again). Only ACCESS SHARE on
-- the sources. Returns the rows copied, the id reached and the last id.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_copy_batch(table_name text, batch_ids bigint)
RETURNS TABLE (rows_copied bigint, copied_up_to bigint, copy_end bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    m       partition_demo.online_migrations;
    upto    bigint;
    next_id bigint;
    n       bigint;
BEGIN
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_copy_batch.table_name FOR UPDATE;
    IF m.phase <> 'copying' OR m.copied_up_to >= m.copy_end THEN
        RETURN QUERY SELECT 0::bigint, m.copied_up_to, m.copy_end;
        RETURN;
    END IF;

    -- a range starts at the next id there is: ids with gaps of millions (a
    -- sequence moved on, users near the top of the id type) are not walked
    -- through batch by batch, empty (one index probe per source partition)
    EXECUTE format('SELECT min(s.id) FROM %s WHERE s.id > $1', partition_demo.online_rows(m, 'id'))
       INTO next_id USING m.copied_up_to;
    -- in numeric: near the largest bigint the sum overflows
    upto := least(greatest(m.copied_up_to, coalesce(next_id, m.copy_end) - 1)::numeric
                  + greatest(batch_ids, 1), m.copy_end)::bigint;
    n := partition_demo.online_copy_ids(m, m.copied_up_to, upto);

    UPDATE partition_demo.online_migrations AS o
       SET copied_up_to = upto, rows_copied = o.rows_copied + n, updated_at = clock_timestamp()
     WHERE o.table_name = online_copy_batch.table_name;
    RETURN QUERY SELECT n, upto, m.copy_end;
END
$$;

-- The [copy] section of a scenario run offline: every row at once.
CREATE OR REPLACE FUNCTION partition_demo.online_copy_all(table_name text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    m   partition_demo.online_migrations;
    n   bigint;
    tgt regclass;
    c   bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM partition_demo.online_plans AS p WHERE p.table_name = online_copy_all.table_name) THEN
        RETURN 0;   -- nothing planned: the scenario has nothing to do
    END IF;
    m := partition_demo.online_planned(table_name);
    n := partition_demo.online_copy_ids(m, NULL, NULL);
    FOREACH tgt IN ARRAY m.targets LOOP
        EXECUTE format('SELECT count(*) FROM %s', tgt) INTO c;
        RAISE NOTICE 'copied % rows into %', c, tgt;
    END LOOP;
    RETURN n;
END
$$;

-- -----------------------------------------------------------------------------
-- online_drop_changed(table_name): between the [keys] and the [derived]
-- sections, in their transaction: removes from the targets the rows of every
-- id changed since prepare (replay copies them again as they are then). The
-- rows left are unchanged since prepare, so they are one state of the
-- sources: a side table built from them (the usernames, unique in the plain
-- table) is consistent, where a row copied before a user gave up a name and
-- one copied after another user took it would both hold that name.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_drop_changed(table_name text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    m     partition_demo.online_migrations;
    ids   bigint[];
    tgt   regclass;
    n     bigint;
    total bigint := 0;
BEGIN
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_drop_changed.table_name;
    SELECT array_agg(DISTINCT c.row_id) INTO ids FROM partition_demo.online_changes AS c
     WHERE c.table_name = online_drop_changed.table_name AND NOT c.replayed;
    PERFORM set_config('partition_demo.online_engine', 'on', true);
    FOREACH tgt IN ARRAY m.targets LOOP
        EXECUTE format('DELETE FROM %s WHERE id = ANY ($1)', tgt) USING coalesce(ids, '{}');
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
    END LOOP;
    PERFORM set_config('partition_demo.online_engine', 'off', true);
    RETURN total;
END
$$;

-- After the [derived] section, in its transaction.
CREATE OR REPLACE FUNCTION partition_demo.online_keys_built(table_name text)
RETURNS void
LANGUAGE sql
AS $$
    UPDATE partition_demo.online_migrations AS o
       SET phase = 'replaying', updated_at = clock_timestamp()
     WHERE o.table_name = online_keys_built.table_name AND o.phase = 'copying'
       AND o.copied_up_to >= o.copy_end;
$$;

-- -----------------------------------------------------------------------------
-- online_replay_ids(m, ids): makes the rows of these ids in the targets what
-- they are in the sources now (absent = deleted), each target the rows of
-- its route. Only rows that differ are touched (a row copied after its
-- change is right already): they are deleted first, from every target, then
-- copied again, so every old username is unregistered by the trigger of
-- users_distributed before a new one is registered (one UPDATE would fire
-- the row triggers in row order, and a name passed from one user to another
-- could collide). The setting tells that trigger that its side table follows
-- the partitioned table here.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_replay_ids(m partition_demo.online_migrations,
                                                            ids bigint[])
RETURNS void
LANGUAGE plpgsql
-- A few ids against a table of millions: always by index. Without this the
-- planner, which has no statistics on the new table yet, chose full scans
-- with hash anti-joins (0.8 s for 250 ids at 200,000 rows, under the lock).
-- No JIT: the penalty of a disabled plan type makes costs look huge, and
-- compiling took 0.25 s of the lock for a scan of a few rows.
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $$
DECLARE
    grp      integer;
    cols     text;
    s_row    text;
    t_row    text;
BEGIN
    PERFORM set_config('partition_demo.online_replay', 'on', true);
    PERFORM set_config('partition_demo.online_engine', 'on', true);
    -- the same text form as the checksum: equal here means equal there
    FOR i IN 1 .. cardinality(m.targets) LOOP
        grp := partition_demo.online_target_group(m, i);
        EXECUTE format('DELETE FROM %s AS t WHERE t.id = ANY ($1)
                          AND NOT EXISTS (SELECT FROM %s WHERE s.id = t.id AND (%s)
                                             AND ROW(%s)::text = ROW(%s)::text)',
                       m.targets[i],
                       partition_demo.online_rows(m, partition_demo.online_columns(m, '', grp), grp),
                       m.routes[i], partition_demo.online_columns(m, 's.', grp),
                       partition_demo.online_columns(m, 't.', grp))
            USING ids;
    END LOOP;
    FOR i IN 1 .. cardinality(m.targets) LOOP
        grp := partition_demo.online_target_group(m, i);
        cols := partition_demo.online_columns(m, '', grp);
        s_row := partition_demo.online_columns(m, 's.', grp);
        t_row := partition_demo.online_columns(m, 't.', grp);
        EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE s.id = ANY ($1) AND (%s)
                          AND NOT EXISTS (SELECT FROM %s AS t
                                           WHERE t.id = s.id AND ROW(%s)::text = ROW(%s)::text)',
                       m.targets[i], cols, s_row, partition_demo.online_rows(m, cols, grp), m.routes[i],
                       m.targets[i], t_row, s_row)
            USING ids;
    END LOOP;
    PERFORM set_config('partition_demo.online_engine', 'off', true);
    PERFORM set_config('partition_demo.online_replay', 'off', true);
END
$$;

-- -----------------------------------------------------------------------------
-- online_replay(table_name, max_changes): replays up to max_changes logged
-- changes, oldest first. Returns how many it took, or -1 when replaying them
-- now would break a unique rule (a user took a name another user gave up in
-- a change not replayed yet): nothing is replayed then, and the final step
-- replays everything at once under its lock, where the plain table's rows
-- are all consistent with each other.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_replay(table_name text, max_changes integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    m      partition_demo.online_migrations;
    ids    bigint[];
    taken  integer;
BEGIN
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_replay.table_name;
    IF m.phase <> 'replaying' THEN
        RAISE EXCEPTION 'online_replay(%): the copy is not finished', table_name
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    BEGIN
        WITH batch AS (
            SELECT c.change_id FROM partition_demo.online_changes AS c
             WHERE c.table_name = online_replay.table_name AND NOT c.replayed
             ORDER BY c.change_id
             LIMIT CASE WHEN max_changes > 0 THEN max_changes END
        ), taken_now AS (
            UPDATE partition_demo.online_changes AS c SET replayed = true
              FROM batch WHERE c.change_id = batch.change_id
            RETURNING c.row_id
        )
        SELECT array_agg(DISTINCT t.row_id), count(*) INTO ids, taken FROM taken_now AS t;

        IF taken > 0 THEN
            PERFORM partition_demo.online_replay_ids(m, ids);
        END IF;
    EXCEPTION WHEN unique_violation THEN
        RETURN -1;
    END;
    RETURN taken;
END
$$;

-- Changes logged and not yet replayed.
CREATE OR REPLACE FUNCTION partition_demo.online_waiting(table_name text)
RETURNS bigint
LANGUAGE sql
STABLE
AS $$
    SELECT count(*) FROM partition_demo.online_changes AS c
     WHERE c.table_name = online_waiting.table_name AND NOT c.replayed;
$$;

-- -----------------------------------------------------------------------------
-- online_assert_same(m, ids, inside, what): raises unless, in each group,
-- the targets together hold the same rows as the sources together, among
-- those whose id is (inside) or is not (not inside) in ids; returns how
-- many rows that is. The checksums are sums, so the tables' add up. Leaves
-- "source rows, checksum, target rows, checksum" (over every group) in the
-- transaction's setting partition_demo.online_compared (the program's
-- report reads it).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_assert_same(m partition_demo.online_migrations,
                                                             ids bigint[], inside boolean,
                                                             what text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    grp     integer;
    cols    text[];
    sources regclass[];
    targets regclass[];
    s       record;
    t       record;
    src_rows bigint := 0;
    src_sum  numeric := 0;
    total    bigint := 0;
    tgt_sum  numeric := 0;
BEGIN
    -- every group of a source or a target: one without targets loses rows
    FOR grp IN SELECT DISTINCT g
                 FROM unnest(partition_demo.online_groups(m, 'source_groups')
                             || partition_demo.online_groups(m, 'target_groups')) AS g
                ORDER BY 1 LOOP
        sources := partition_demo.online_group_sources(m, grp);
        targets := partition_demo.online_group_targets(m, grp);
        cols := partition_demo.table_columns(coalesce(sources[1], targets[1]));
        SELECT coalesce(sum(f.row_count), 0)::bigint AS row_count, coalesce(sum(f.checksum), 0) AS checksum
          INTO STRICT s
          FROM unnest(sources) AS x(rel)
         CROSS JOIN LATERAL partition_demo.table_fingerprint(x.rel, cols, coalesce(ids, '{}'), inside) AS f;
        SELECT coalesce(sum(f.row_count), 0)::bigint AS row_count, coalesce(sum(f.checksum), 0) AS checksum
          INTO STRICT t
          FROM unnest(targets) AS x(rel)
         CROSS JOIN LATERAL partition_demo.table_fingerprint(x.rel, cols, coalesce(ids, '{}'), inside) AS f;
        src_rows := src_rows + s.row_count;
        src_sum := src_sum + s.checksum;
        total := total + t.row_count;
        tgt_sum := tgt_sum + t.checksum;
        -- what was compared, for bin/repartition's report (read in this transaction)
        PERFORM set_config('partition_demo.online_compared',
                           format('%s %s %s %s', src_rows, src_sum, total, tgt_sum), true);
        PERFORM partition_demo.assert_same_fingerprint(
            format('%s holds exactly the rows of %s, among the %s',
                   array_to_string(targets, ' + '), array_to_string(sources, ' + '), what),
            s.row_count, s.checksum, t.row_count, t.checksum);
    END LOOP;
    RETURN total;
END
$$;

-- The [verify] section of a scenario run offline: every row compared.
CREATE OR REPLACE FUNCTION partition_demo.online_assert_moved(table_name text)
RETURNS bigint
LANGUAGE sql
AS $$
    SELECT coalesce((SELECT partition_demo.online_assert_same(partition_demo.online_planned(table_name), '{}', false, 'rows')
                      WHERE EXISTS (SELECT FROM partition_demo.online_plans AS p
                                     WHERE p.table_name = online_assert_moved.table_name)), 0);
$$;

-- -----------------------------------------------------------------------------
-- online_verify_snapshot(table_name): in a REPEATABLE READ transaction (one
-- snapshot S for every statement): compares every row whose id has no change
-- waiting, keeps the waiting ids for the final step, and forgets the changes
-- already replayed (each of them is older than S). Returns the rows compared.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_verify_snapshot(table_name text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    m        partition_demo.online_migrations;
    waiting  bigint[];
    compared bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'repeatable read' THEN
        RAISE EXCEPTION 'online_verify_snapshot() must run in a REPEATABLE READ transaction'
            USING ERRCODE = 'active_sql_transaction';
    END IF;
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_verify_snapshot.table_name;

    DELETE FROM partition_demo.online_unverified AS u WHERE u.table_name = online_verify_snapshot.table_name;
    INSERT INTO partition_demo.online_unverified (table_name, row_id)
    SELECT DISTINCT c.table_name, c.row_id FROM partition_demo.online_changes AS c
     WHERE c.table_name = online_verify_snapshot.table_name AND NOT c.replayed;
    SELECT array_agg(u.row_id) INTO waiting FROM partition_demo.online_unverified AS u
     WHERE u.table_name = online_verify_snapshot.table_name;

    compared := partition_demo.online_assert_same(m, waiting, false, 'rows without waiting changes');

    DELETE FROM partition_demo.online_changes AS c
     WHERE c.table_name = online_verify_snapshot.table_name AND c.replayed;
    UPDATE partition_demo.online_migrations AS o
       SET verified_at = pg_catalog.pg_current_snapshot(), updated_at = clock_timestamp()
     WHERE o.table_name = online_verify_snapshot.table_name;
    RETURN compared;
END
$$;

-- -----------------------------------------------------------------------------
-- online_lock_and_verify(table_name): the first statement of the swap
-- transaction. Takes ACCESS EXCLUSIVE on the table (ONLY: readers and
-- writers through it wait) and on every source (those by name wait too), so
-- from here to COMMIT nothing changes the rows compared. Not EXCLUSIVE first
-- and ACCESS EXCLUSIVE at the DETACH or RENAME: a transaction that read the
-- table (ACCESS SHARE, which EXCLUSIVE lets in) and then writes it (a
-- statement as common as UPDATE ... FROM (SELECT ... FROM the table)) waits
-- for the swap while holding what the swap's upgrade needs: a deadlock, one
-- of the two aborted (seen by the chaos test). Readers wait a few
-- milliseconds longer: the replay and comparison below, of the few rows
-- changed since the snapshot. Replays every waiting change and compares the
-- rows of every id changed since the snapshot of online_verify_snapshot().
-- Returns the rows compared here.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_lock_and_verify(table_name text)
RETURNS bigint
LANGUAGE plpgsql
-- the changed rows are looked up by index (see online_replay_ids)
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $$
DECLARE
    m        partition_demo.online_migrations;
    src      regclass;
    changed  bigint[];
    waiting  bigint[];
BEGIN
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_lock_and_verify.table_name;
    IF m.phase <> 'replaying' OR m.verified_at IS NULL THEN
        RAISE EXCEPTION 'online_lock_and_verify(%): copy or comparison not done', table_name
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    -- the order of an INSERT through the parent: the parent, then its partitions
    EXECUTE format('LOCK TABLE ONLY %s IN ACCESS EXCLUSIVE MODE', m.source);
    FOREACH src IN ARRAY m.sources LOOP
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', src);
    END LOOP;
    -- the [swap] section creates a sequence; it records it at its end
    PERFORM partition_demo.track_begin();

    WITH taken AS (
        UPDATE partition_demo.online_changes AS c SET replayed = true
         WHERE c.table_name = online_lock_and_verify.table_name AND NOT c.replayed
        RETURNING c.row_id
    )
    SELECT array_agg(DISTINCT t.row_id) INTO waiting FROM taken AS t;
    IF waiting IS NOT NULL THEN
        PERFORM partition_demo.online_replay_ids(m, waiting);
    END IF;

    -- changed since S: waiting at S, or written by a transaction S did not see
    SELECT array_agg(DISTINCT x.row_id) INTO changed FROM (
        SELECT u.row_id FROM partition_demo.online_unverified AS u
         WHERE u.table_name = online_lock_and_verify.table_name
        UNION ALL
        SELECT c.row_id FROM partition_demo.online_changes AS c
         WHERE c.table_name = online_lock_and_verify.table_name
           AND NOT pg_catalog.pg_visible_in_snapshot(c.writer_xid, m.verified_at)
    ) AS x;

    RETURN partition_demo.online_assert_same(m, changed, true, 'rows changed since the comparison');
END
$$;

-- -----------------------------------------------------------------------------
-- online_finish(table_name): last statement before COMMIT of the swap: the
-- capture triggers leave the sources that are left (renamed or detached),
-- the bookkeeping goes.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_forget(m partition_demo.online_migrations)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    src  regclass;
    trg  record;
BEGIN
    FOREACH src IN ARRAY coalesce(m.sources, ARRAY[m.source]) LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.oid = src);
        -- the engine's own triggers, those it created (not the clones on partitions)
        FOR trg IN SELECT g.tgrelid::regclass AS rel, g.tgname
                     FROM pg_catalog.pg_trigger AS g
                    WHERE g.tgname IN ('online_capture_insert', 'online_capture_update',
                                       'online_capture_delete', 'online_capture_row',
                                       'online_refuse_truncate')
                      AND g.tgparentid = 0
                      AND g.tgrelid IN (SELECT t.relid FROM pg_catalog.pg_partition_tree(src) AS t
                                        UNION SELECT src) LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', trg.tgname, trg.rel);
        END LOOP;
    END LOOP;
    FOREACH src IN ARRAY coalesce(m.targets, '{}') LOOP
        IF EXISTS (SELECT FROM pg_catalog.pg_trigger AS g
                    WHERE g.tgrelid = src AND g.tgname = 'online_guard_target') THEN
            EXECUTE format('DROP TRIGGER online_guard_target ON %s', src);
        END IF;
    END LOOP;
    DELETE FROM partition_demo.online_changes AS c WHERE c.table_name = m.table_name;
    DELETE FROM partition_demo.online_unverified AS u WHERE u.table_name = m.table_name;
    DELETE FROM partition_demo.online_migrations AS o WHERE o.table_name = m.table_name;
    DELETE FROM partition_demo.online_plans AS p WHERE p.table_name = m.table_name;
END
$$;

CREATE OR REPLACE FUNCTION partition_demo.online_finish(table_name text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    m partition_demo.online_migrations;
BEGIN
    SELECT * INTO STRICT m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_finish.table_name;
    PERFORM partition_demo.online_forget(m);
END
$$;

-- -----------------------------------------------------------------------------
-- online_abort(table_name): removes what a half-done online migration left:
-- capture triggers, logged changes, the targets and any other table its
-- [create] section made. The sources, which kept every row and every write
-- throughout, are not touched. Returns the tables dropped (NULL when no
-- migration of table_name was in progress).
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION partition_demo.online_abort(table_name text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    m        partition_demo.online_migrations;
    dropped  text[] := '{}';
    tbl      regclass;
    con      record;
BEGIN
    SELECT * INTO m FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_abort.table_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- what the plan put on tables that stay (DEFAULT's CHECK of a split)
    FOR con IN SELECT r.tbl, x.name
               FROM partition_demo.online_plans AS p
              CROSS JOIN LATERAL jsonb_to_recordset(coalesce(p.details -> 'constraints_to_drop', '[]'))
                         AS x("table" text, name text)
              CROSS JOIN LATERAL (SELECT to_regclass(quote_ident(x."table")) AS tbl) AS r
              WHERE p.table_name = online_abort.table_name AND r.tbl IS NOT NULL LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', con.tbl, con.name);
    END LOOP;
    PERFORM partition_demo.online_forget(m);
    FOREACH tbl IN ARRAY m.drop_on_abort LOOP
        -- never a source, nor a table attached meanwhile (only a swap attaches)
        CONTINUE WHEN tbl = ANY (m.sources) OR tbl = m.source;
        IF EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.oid = tbl AND NOT c.relispartition) THEN
            dropped := dropped || tbl::text;
            EXECUTE format('DROP TABLE %s', tbl);
        END IF;
    END LOOP;
    RETURN array_to_string(dropped, ', ');
END
$$;

-- What is in progress, for messages and for deciding where to resume.
CREATE OR REPLACE FUNCTION partition_demo.online_progress(table_name text)
RETURNS TABLE (phase text, rows_copied bigint, copied_up_to bigint, copy_end bigint,
               changes_waiting bigint, started_at timestamptz)
LANGUAGE sql
STABLE
AS $$
    SELECT o.phase, o.rows_copied, o.copied_up_to, o.copy_end,
           partition_demo.online_waiting(o.table_name), o.started_at
      FROM partition_demo.online_migrations AS o
     WHERE o.table_name = online_progress.table_name;
$$;

-- The oldest session holding a lock on the table, for the message of a lock
-- timeout: pid, application_name, state, seconds in its transaction, lock
-- mode, query (60 chars). Used by bin/setup-database (its files, --online),
-- bin/repartition and bin/load-data (src/pg/lock_holder.c). Every file
-- that calls for it ends up taking ACCESS EXCLUSIVE (renames, DROP), which
-- any holder blocks; a read (ACCESS SHARE) is blocked by ACCESS EXCLUSIVE
-- only, which the oldest holder then most likely is.
-- (Dropped first: an older version returned other columns.)
DROP FUNCTION IF EXISTS partition_demo.online_lock_holder(text);
CREATE FUNCTION partition_demo.online_lock_holder(table_name text)
RETURNS TABLE (pid integer, application_name text, state text, xact_seconds text,
               mode text, query text)
LANGUAGE sql
STABLE
AS $$
    SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, '?'),
           coalesce(round(extract(epoch FROM now() - a.xact_start))::text, '?'),
           l.mode, left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 60)
      FROM pg_catalog.pg_locks AS l
      JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
     WHERE l.locktype = 'relation' AND l.granted
       AND l.relation = pg_catalog.to_regclass(online_lock_holder.table_name)
       AND l.pid <> pg_catalog.pg_backend_pid()
     ORDER BY a.xact_start NULLS LAST
     LIMIT 1;
$$;

-- The oldest open transaction of another session in this database, for the
-- message of a lock timeout when no session holds a lock on the tables
-- concerned (a wait on a row, or on a function or schema that another
-- session changed and did not commit yet, as the helpers file can meet):
-- pid, application_name, state, seconds in its transaction, query (60 chars).
-- A lead rather than a proof: the one that blocked us is most often the
-- oldest.
CREATE OR REPLACE FUNCTION partition_demo.oldest_transaction()
RETURNS TABLE (pid integer, application_name text, state text, xact_seconds text,
               query text)
LANGUAGE sql
STABLE
AS $$
    SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, '?'),
           round(extract(epoch FROM now() - a.xact_start))::text,
           left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 60)
      FROM pg_catalog.pg_stat_activity AS a
     WHERE a.datname = pg_catalog.current_database()
       AND a.backend_type = 'client backend'
       AND a.xact_start IS NOT NULL
       AND a.pid <> pg_catalog.pg_backend_pid()
     ORDER BY a.xact_start
     LIMIT 1;
$$;

SELECT partition_demo.register_created('online/00_online_functions.sql');
