-- Closed candles, one row per bar; an amended bar (a late tick within the grace window)
-- updates its row. Timestamps are the bar's open time in Unix seconds, as in every candle the
-- server sends (SPEC §1), aligned to the timeframe.
CREATE TABLE candles (
    pair        text             NOT NULL CHECK (char_length(pair) BETWEEN 1 AND 32),
    timeframe   text             NOT NULL
                CHECK (timeframe IN ('1s','5s','15s','30s','1m','5m','15m','30m','1h','4h','1d')),
    timestamp   bigint           NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      bigint           NOT NULL CHECK (volume >= 0),
    updated_at  timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT candles_pkey PRIMARY KEY (pair, timeframe, timestamp)
);
COMMENT ON TABLE candles IS 'Closed candles; the latest N of (pair, timeframe) come from the primary key';
COMMENT ON COLUMN candles.timestamp IS 'bar open time, Unix seconds (UTC), aligned to the timeframe';
COMMENT ON COLUMN candles.volume IS 'number of ticks in the bar';
