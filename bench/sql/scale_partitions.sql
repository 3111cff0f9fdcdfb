-- bench/sql/scale_partitions.sql - an event_logs-like table RANGE-partitioned
-- by month on created_at, with :parts monthly partitions from January 2024
-- on, a DEFAULT partition, the same key and indexes as event_logs, and :rows
-- rows spread evenly over the months; then ANALYZE. For bench/scale_bench.sh:
-- the planning time of a one-month query as the partitions grow.
--     psql -v ON_ERROR_STOP=1 -v parts=120 -v rows=120000 -1 -f bench/sql/scale_partitions.sql
-- Creates scale.events_p<parts> (schema scale, created if missing).
-- Needs max_locks_per_transaction large enough for every partition and index
-- (scale_bench.sh sets 1024).

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS scale;

SELECT set_config('bench.parts', :'parts', false) AS parts,
       set_config('bench.rows', :'rows', false) AS rows;

DO $$
DECLARE
    parts  integer := current_setting('bench.parts')::integer;
    tbl    text := format('events_p%s', parts);
    first  date := date '2024-01-01';
    lo     date;
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS scale.%I', tbl);
    EXECUTE format($t$
        CREATE TABLE scale.%I (
            id          BIGSERIAL,
            event_type  VARCHAR(50) NOT NULL,
            user_id     INTEGER     NOT NULL,
            event_data  JSONB,
            ip_address  INET,
            created_at  TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
            PRIMARY KEY (id, created_at)
        ) PARTITION BY RANGE (created_at)$t$, tbl);
    EXECUTE format('CREATE INDEX ON scale.%I (created_at)', tbl);
    EXECUTE format('CREATE INDEX ON scale.%I (event_type)', tbl);
    EXECUTE format('CREATE INDEX ON scale.%I (user_id)', tbl);
    FOR m IN 0 .. parts - 1 LOOP
        lo := first + make_interval(months => m);
        EXECUTE format('CREATE TABLE scale.%I PARTITION OF scale.%I FOR VALUES FROM (%L) TO (%L)',
                       tbl || to_char(lo, '_YYYY_MM'), tbl, lo, lo + interval '1 month');
    END LOOP;
    EXECUTE format('CREATE TABLE scale.%I PARTITION OF scale.%I DEFAULT', tbl || '_default', tbl);
END
$$;

-- the same rows whatever the number of partitions: row i in month i % parts
SELECT format($q$
    INSERT INTO scale.events_p%1$s (event_type, user_id, event_data, ip_address, created_at)
    SELECT (ARRAY['login', 'logout', 'page_view', 'purchase', 'search'])[1 + i %% 5],
           1 + (i * 7919::bigint) %% 100000,
           jsonb_build_object('n', i),
           inet '10.0.0.0' + (i %% 65536),
           timestamp '2024-01-01' + make_interval(months => i %% %1$s)
                                  + make_interval(secs => (i * 104729::bigint) %% (28 * 86400))
      FROM generate_series(1, %2$s) AS g(i)$q$,
    current_setting('bench.parts'), current_setting('bench.rows')) AS fill \gset
:fill;

ANALYZE scale.events_p:parts;
