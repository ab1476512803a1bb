-- The persister's progress: the highest seq committed per pair, written in the same transaction
-- as the ticks. After a restart the persister skips what is already here, and the server
-- continues numbering after it.
CREATE TABLE quflx_tick_checkpoints (
    pair        text        PRIMARY KEY,
    last_seq    bigint      NOT NULL CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
