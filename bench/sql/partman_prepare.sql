-- bench/sql/partman_prepare.sql: pg_partman 4.7 and an empty monthly
-- partitioned copy of event_logs for it to fill (the partman benchmark).
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- the same columns, defaults and indexes as setup's partitioned event_logs
CREATE TABLE event_logs_partman (
    id          BIGINT      NOT NULL DEFAULT nextval('event_logs_id_seq'),
    event_type  VARCHAR(50) NOT NULL,
    user_id     INTEGER     NOT NULL,
    event_data  JSONB,
    ip_address  INET,
    created_at  TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX ON event_logs_partman (created_at);
CREATE INDEX ON event_logs_partman (event_type);
CREATE INDEX ON event_logs_partman (user_id);
