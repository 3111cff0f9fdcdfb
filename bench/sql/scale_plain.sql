-- bench/sql/scale_plain.sql - the baseline of bench/scale_bench.sh's planning
-- times: the same table as scale_partitions.sql, plain (no partitions), with
-- the same key, indexes and :rows rows over :parts months; then ANALYZE.
--     psql -v ON_ERROR_STOP=1 -v parts=12 -v rows=120000 -1 -f bench/sql/scale_plain.sql
-- Creates scale.events_plain.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS scale;
DROP TABLE IF EXISTS scale.events_plain;

CREATE TABLE scale.events_plain (
    id          BIGSERIAL,
    event_type  VARCHAR(50) NOT NULL,
    user_id     INTEGER     NOT NULL,
    event_data  JSONB,
    ip_address  INET,
    created_at  TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id, created_at)
);
CREATE INDEX ON scale.events_plain (created_at);
CREATE INDEX ON scale.events_plain (event_type);
CREATE INDEX ON scale.events_plain (user_id);

INSERT INTO scale.events_plain (event_type, user_id, event_data, ip_address, created_at)
SELECT (ARRAY['login', 'logout', 'page_view', 'purchase', 'search'])[1 + i % 5],
       1 + (i * 7919::bigint) % 100000,
       jsonb_build_object('n', i),
       inet '10.0.0.0' + (i % 65536),
       timestamp '2024-01-01' + make_interval(months => i % :parts)
                              + make_interval(secs => (i * 104729::bigint) % (28 * 86400))
  FROM generate_series(1, :rows) AS g(i);

ANALYZE scale.events_plain;
