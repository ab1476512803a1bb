-- Every tick QuFLX Stream accepted, exactly once. (pair, seq) is the key: seq is 1, 2, 3, ...
-- per pair without gaps, so a batch delivered twice changes nothing and a gap would be visible.
CREATE TABLE historical_ticks (
    pair        text             NOT NULL CHECK (char_length(pair) BETWEEN 1 AND 32),
    seq         bigint           NOT NULL CHECK (seq > 0),
    price       double precision NOT NULL,
    timestamp   bigint           NOT NULL,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT historical_ticks_pkey PRIMARY KEY (pair, seq)
);
COMMENT ON TABLE historical_ticks IS 'Every accepted tick once; written by quflx serve with COPY';
COMMENT ON COLUMN historical_ticks.seq IS 'per-pair sequence number: 1, 2, 3, ... without gaps';
COMMENT ON COLUMN historical_ticks.timestamp IS 'tick time, Unix milliseconds (UTC)';
COMMENT ON COLUMN historical_ticks.created_at IS 'when the row was committed';

-- The history path aggregates the ticks of a time range of one pair when no candles exist.
CREATE INDEX historical_ticks_pair_timestamp ON historical_ticks (pair, timestamp);
