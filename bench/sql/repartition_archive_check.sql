-- repartition_archive_check.sql - for bench/repartition_bench.sh, between
-- detach and cleanup: the rows of the archived month are in
-- event_logs_archive, where online_mutation_check (tests/lib/row_mutator.sh)
-- does not look, so it counts them as stale (`load-data --verify` looks
-- there itself). This counts, among those, the ones the archive holds as
-- they should be; the bench subtracts them. And it counts the other way
-- round what that check cannot see: rows the mutator deleted that are in
-- the archive. archived_rows (the ledger's rows found in the archive) is
-- reported for the record.
--
--   grep -v '^#' LEDGER | psql -XAtq -v ON_ERROR_STOP=1 -f repartition_archive_check.sql
-- prints one line:
--   archived_rows=N      ledger rows of event_logs not in event_logs, in the
--                        archive with the checksum load-data recorded
--   archived_changes=N   rows the mutator last updated, not in event_logs in
--                        that state, in the archive in that state
--   deleted_archived=N   rows the mutator last deleted, in the archive
-- (all 0 when there is no archive). The archive's own columns (archived_at,
-- source_partition) are left out of the checksum: the row is read back as an
-- event_logs row, as load-data's ledger_checksums() reads it.
CREATE TEMPORARY TABLE bench_ledger (tbl text, id bigint, checksum text);
\copy bench_ledger FROM pstdin
SELECT to_regclass('event_logs_archive') IS NOT NULL AND to_regclass('online_mutations') IS NOT NULL
    AS has_archive \gset
\if :has_archive
WITH last AS (
    SELECT DISTINCT ON (tbl, id) tbl, id, op, val FROM online_mutations ORDER BY tbl, id, seq DESC
)
SELECT format('archived_rows=%s archived_changes=%s deleted_archived=%s',
    (SELECT count(*) FROM bench_ledger AS l
      WHERE l.tbl = 'event_logs'
        AND NOT EXISTS (SELECT FROM event_logs AS e WHERE e.id = l.id)
        AND EXISTS (SELECT FROM event_logs_archive AS a
                     WHERE a.id = l.id
                       AND partition_demo.row_checksum(jsonb_populate_record(NULL::event_logs, to_jsonb(a)))
                           = l.checksum)),
    (SELECT count(*) FROM last AS l
      WHERE l.tbl = 'event_logs' AND l.op = 'u'
        AND NOT EXISTS (SELECT FROM event_logs AS e WHERE e.id = l.id AND e.event_type = l.val)
        AND EXISTS (SELECT FROM event_logs_archive AS a WHERE a.id = l.id AND a.event_type = l.val)),
    (SELECT count(*) FROM last AS l
      WHERE l.tbl = 'event_logs' AND l.op = 'd'
        AND EXISTS (SELECT FROM event_logs_archive AS a WHERE a.id = l.id)));
\else
SELECT 'archived_rows=0 archived_changes=0 deleted_archived=0';
\endif
