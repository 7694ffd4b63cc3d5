-- +goose Up
-- Webhooks received from stores' platforms, kept once per event (platforms deliver at least once)
-- before anything acts on them, so a crash after the 200 loses nothing. resource_updated_at lets
-- processing ignore a delivery older than one already processed (platforms do not keep order).
CREATE TABLE inbound_webhooks (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,
    platform_topic      TEXT NOT NULL,
    event_id            TEXT NOT NULL CHECK (event_id <> ''),
    resource_kind       TEXT NOT NULL DEFAULT '',
    resource_id         TEXT NOT NULL DEFAULT '',
    resource_updated_at TIMESTAMPTZ,
    triggered_at        TIMESTAMPTZ,
    body                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'stale')),
    deliveries          INTEGER NOT NULL DEFAULT 1,
    received_at         TIMESTAMPTZ NOT NULL,
    processed_at        TIMESTAMPTZ,
    UNIQUE (store_id, event_id)
);
CREATE INDEX inbound_webhooks_account_idx ON inbound_webhooks (account_id, id);
CREATE INDEX inbound_webhooks_resource_idx ON inbound_webhooks (store_id, resource_kind, resource_id, status);

-- +goose Down
DROP TABLE inbound_webhooks;
