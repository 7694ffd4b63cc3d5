-- +goose Up
-- A received webhook is kept raw with the headers its decoding needs, and decoded by its job: one
-- that cannot be decoded is 'failed' with its reason, visible and retryable (retries counts the
-- retries a person or the API asked for). resource_version is the version of its resource it
-- became when processed: the order in which deliveries of one resource were applied.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (nothing references it).
CREATE TABLE inbound_webhooks_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,
    platform_topic      TEXT NOT NULL,
    event_id            TEXT NOT NULL CHECK (event_id <> ''),
    resource_kind       TEXT NOT NULL DEFAULT '',
    resource_id         TEXT NOT NULL DEFAULT '',
    resource_updated_at TIMESTAMP,
    triggered_at        TIMESTAMP,
    body                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'stale', 'failed')),
    deliveries          INTEGER NOT NULL DEFAULT 1,
    received_at         TIMESTAMP NOT NULL,
    processed_at        TIMESTAMP,
    headers             TEXT NOT NULL DEFAULT '{}',
    error               TEXT NOT NULL DEFAULT '',
    retries             INTEGER NOT NULL DEFAULT 0,
    resource_version    INTEGER,
    UNIQUE (store_id, event_id)
);
INSERT INTO inbound_webhooks_new (id, account_id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
    resource_updated_at, triggered_at, body, status, deliveries, received_at, processed_at)
SELECT id, account_id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
    resource_updated_at, triggered_at, body, status, deliveries, received_at, processed_at FROM inbound_webhooks;
DROP TABLE inbound_webhooks;
ALTER TABLE inbound_webhooks_new RENAME TO inbound_webhooks;
CREATE INDEX inbound_webhooks_account_idx ON inbound_webhooks (account_id, id);
CREATE INDEX inbound_webhooks_resource_idx ON inbound_webhooks (store_id, resource_kind, resource_id, status);
CREATE INDEX inbound_webhooks_prune_idx ON inbound_webhooks (received_at);

-- The latest state processing knows of each resource a store's webhooks are about (an order, a
-- product, an inventory item at a location). Processing locks its row, so two deliveries of one
-- resource are applied one after the other on every database, and compares against it: older
-- than updated_at is stale, and so is an update made before the resource was deleted.
CREATE TABLE inbound_resources (
    store_id      INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    updated_at    TIMESTAMP,
    deleted_at    TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, resource_kind, resource_id)
);

-- What ingest knows of each store's webhooks: whether its platform was asked to deliver them
-- (subscription: not_subscribed, pending, subscribed, failed; detail says why), to which
-- address, and the last problem that stops deliveries (a missing secret), shown on the dashboard.
CREATE TABLE store_webhook_state (
    store_id            INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subscription        TEXT NOT NULL DEFAULT 'not_subscribed'
                        CHECK (subscription IN ('not_subscribed', 'pending', 'subscribed', 'failed')),
    subscription_detail TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '',
    problem             TEXT NOT NULL DEFAULT '',
    problem_at          TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX store_webhook_state_account_idx ON store_webhook_state (account_id);

-- Pruning finds old events and deliveries by age.
CREATE INDEX events_created_at_idx ON events (created_at);
CREATE INDEX webhook_deliveries_created_at_idx ON webhook_deliveries (created_at);

-- +goose Down
DROP INDEX webhook_deliveries_created_at_idx;
DROP INDEX events_created_at_idx;
DROP TABLE store_webhook_state;
DROP TABLE inbound_resources;
CREATE TABLE inbound_webhooks_old (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    topic               TEXT NOT NULL,
    platform_topic      TEXT NOT NULL,
    event_id            TEXT NOT NULL CHECK (event_id <> ''),
    resource_kind       TEXT NOT NULL DEFAULT '',
    resource_id         TEXT NOT NULL DEFAULT '',
    resource_updated_at TIMESTAMP,
    triggered_at        TIMESTAMP,
    body                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'stale')),
    deliveries          INTEGER NOT NULL DEFAULT 1,
    received_at         TIMESTAMP NOT NULL,
    processed_at        TIMESTAMP,
    UNIQUE (store_id, event_id)
);
INSERT INTO inbound_webhooks_old (id, account_id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
    resource_updated_at, triggered_at, body, status, deliveries, received_at, processed_at)
SELECT id, account_id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
    resource_updated_at, triggered_at, body, status, deliveries, received_at, processed_at FROM inbound_webhooks
WHERE status <> 'failed';
DROP TABLE inbound_webhooks;
ALTER TABLE inbound_webhooks_old RENAME TO inbound_webhooks;
CREATE INDEX inbound_webhooks_account_idx ON inbound_webhooks (account_id, id);
CREATE INDEX inbound_webhooks_resource_idx ON inbound_webhooks (store_id, resource_kind, resource_id, status);
