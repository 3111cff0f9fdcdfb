-- bench/sql/partman_migrate.sql: pg_partman's way to partition existing rows:
-- monthly partitions from January 2024 (premake covers the seed's months up
-- to June), then partition_data_proc moves the plain table's rows in batches
-- of one month, committing each, with no wait between batches.
SELECT partman.create_parent('public.event_logs_partman', 'created_at', 'native', 'monthly',
                             p_start_partition := '2024-01-01', p_premake := 6);
CALL partman.partition_data_proc('public.event_logs_partman', p_batch := 100, p_wait := 0,
                                 p_source_table := 'public.event_logs', p_quiet := true);
