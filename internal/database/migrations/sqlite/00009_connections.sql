-- +goose Up
-- SQLite flavour of ../postgres/00009_connections.sql: same table, columns and constraints.
-- Connections: a destination store (the reseller) follows a source store (the supplier), which
-- it found by the source's store key; the two may belong to different accounts. Each side's
-- account sees the connection; nothing else of the other side.
--
-- state is derived from the two sides' flags and kept beside them for queries: blocked_at is set
-- by the source's account (only it can clear it), disconnected_at by the destination's (it can
-- reconnect). Blocked wins: a connection both blocked and disconnected is "blocked", and becomes
-- "disconnected" when the source unblocks it. A connection not "connected" syncs and pushes
-- nothing, and keeps its history.
--
-- disconnect_*: what the destination chose when it disconnected (keep or delete the linked
-- products, zero their stock); the disconnect work carries it out and marks it done, and a
-- reconnect before then cancels it.
CREATE TABLE connections (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    destination_store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_store_id         INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    state                   TEXT NOT NULL CHECK (state IN ('connected', 'blocked', 'disconnected')),
    blocked_at              TIMESTAMP,
    disconnected_at         TIMESTAMP,
    settings                TEXT NOT NULL,
    disconnect_products     TEXT NOT NULL DEFAULT '' CHECK (disconnect_products IN ('', 'keep', 'delete')),
    disconnect_zero_stock   BOOLEAN NOT NULL DEFAULT FALSE,
    disconnect_status       TEXT NOT NULL DEFAULT '' CHECK (disconnect_status IN ('', 'pending', 'done', 'cancelled')),
    disconnect_requested_at TIMESTAMP,
    linked_products         BIGINT NOT NULL DEFAULT 0 CHECK (linked_products >= 0),
    pushed_orders           BIGINT NOT NULL DEFAULT 0 CHECK (pushed_orders >= 0),
    version                 BIGINT NOT NULL DEFAULT 1,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    UNIQUE (destination_store_id, source_store_id),
    CHECK (destination_store_id <> source_store_id),
    CHECK ((state = 'blocked') = (blocked_at IS NOT NULL)),
    CHECK ((state = 'disconnected') = (blocked_at IS NULL AND disconnected_at IS NOT NULL))
);
CREATE INDEX connections_source_store_id_idx ON connections (source_store_id, id);

-- +goose Down
DROP TABLE connections;
