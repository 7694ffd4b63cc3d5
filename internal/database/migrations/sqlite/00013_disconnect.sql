-- +goose Up
-- SQLite flavour of ../postgres/00013_disconnect.sql: same columns and table.
-- Disconnect and reconnect. A disconnect ends the connection's product links at once: the link
-- stays, as history, with ended_at and why (ended_reason), and nothing reads an ended link as a
-- link (every reader filters ended_at IS NULL). A reconnect of a "keep" disconnect clears ended_at
-- of the links whose destination product it finds again.
ALTER TABLE product_links ADD COLUMN ended_at TIMESTAMP;
ALTER TABLE product_links ADD COLUMN ended_reason TEXT NOT NULL DEFAULT '';

-- The disconnect action's progress, beside its choice (00009): disconnect_seq numbers the
-- connection's disconnects, so a job of an earlier one knows it is no longer the current one;
-- total, done and failed count its destination products; disconnect_error is the last failure.
ALTER TABLE connections ADD COLUMN disconnect_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN disconnect_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN disconnect_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN disconnect_failed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN disconnect_error TEXT NOT NULL DEFAULT '';

-- The steps of one disconnect: one row per destination product whose links it ended, recorded in
-- the disconnect's transaction; the disconnect job deletes the product or sets its stock to 0 and
-- marks the row done (or failed, with the reason) in the transaction that counts it. A reconnect
-- cancels the rows still pending.
CREATE TABLE disconnect_items (
    connection_id          INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    seq                    BIGINT NOT NULL,
    destination_product_id TEXT NOT NULL,
    state                  TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'cancelled')),
    error                  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (connection_id, seq, destination_product_id)
);

-- +goose Down
DROP TABLE disconnect_items;
ALTER TABLE connections DROP COLUMN disconnect_error;
ALTER TABLE connections DROP COLUMN disconnect_failed;
ALTER TABLE connections DROP COLUMN disconnect_done;
ALTER TABLE connections DROP COLUMN disconnect_total;
ALTER TABLE connections DROP COLUMN disconnect_seq;
ALTER TABLE product_links DROP COLUMN ended_reason;
ALTER TABLE product_links DROP COLUMN ended_at;
