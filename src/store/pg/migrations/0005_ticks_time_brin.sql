-- The history fallback scans a time window of historical_ticks. A B-tree on (pair, timestamp)
-- served it but cost half of the sustained COPY throughput (bench/persist.sh: ~97k vs ~195k
-- rows/s on the same machine and run). Ticks arrive in time order, so a BRIN index on the time
-- finds the window's blocks at almost no cost per insert; the newest tick of a pair comes from
-- the primary key (highest seq).
DROP INDEX IF EXISTS historical_ticks_pair_timestamp;
CREATE INDEX historical_ticks_timestamp_brin ON historical_ticks USING brin (timestamp);
