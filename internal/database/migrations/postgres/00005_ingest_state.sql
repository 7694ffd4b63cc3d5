-- +goose Up
-- A received webhook is kept raw with the headers its decoding needs, and decoded by its job: one
-- that cannot be decoded is 'failed' with its reason, visible and retryable (retries counts the
-- retries a person or the API asked for). resource_version is the version of its resource it
-- became when processed: the order in which deliveries of one resource were applied.
ALTER TABLE inbound_webhooks ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE inbound_webhooks ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_webhooks ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_webhooks ADD COLUMN resource_version BIGINT;
ALTER TABLE inbound_webhooks DROP CONSTRAINT inbound_webhooks_status_check;
ALTER TABLE inbound_webhooks ADD CONSTRAINT inbound_webhooks_status_check
    CHECK (status IN ('received', 'processed', 'stale', 'failed'));
CREATE INDEX inbound_webhooks_prune_idx ON inbound_webhooks (received_at);

-- The latest state processing knows of each resource a store's webhooks are about (an order, a
-- product, an inventory item at a location). Processing locks its row, so two deliveries of one
-- resource are applied one after the other on every database, and compares against it: older
-- than updated_at is stale, and so is an update made before the resource was deleted.
CREATE TABLE inbound_resources (
    store_id      BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    updated_at    TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ,
    version       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, resource_kind, resource_id)
);

-- What ingest knows of each store's webhooks: whether its platform was asked to deliver them
-- (subscription: not_subscribed, pending, subscribed, failed; detail says why), to which
-- address, and the last problem that stops deliveries (a missing secret), shown on the dashboard.
CREATE TABLE store_webhook_state (
    store_id            BIGINT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subscription        TEXT NOT NULL DEFAULT 'not_subscribed'
                        CHECK (subscription IN ('not_subscribed', 'pending', 'subscribed', 'failed')),
    subscription_detail TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '',
    problem             TEXT NOT NULL DEFAULT '',
    problem_at          TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL
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
DROP INDEX inbound_webhooks_prune_idx;
DELETE FROM inbound_webhooks WHERE status = 'failed';
ALTER TABLE inbound_webhooks DROP CONSTRAINT inbound_webhooks_status_check;
ALTER TABLE inbound_webhooks ADD CONSTRAINT inbound_webhooks_status_check
    CHECK (status IN ('received', 'processed', 'stale'));
ALTER TABLE inbound_webhooks DROP COLUMN resource_version;
ALTER TABLE inbound_webhooks DROP COLUMN retries;
ALTER TABLE inbound_webhooks DROP COLUMN error;
ALTER TABLE inbound_webhooks DROP COLUMN headers;
