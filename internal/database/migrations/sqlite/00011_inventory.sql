-- +goose Up
-- Inventory follows the source. inventory_source_levels keeps the latest available quantity of
-- each source item at each of its locations, as webhooks (and later reconciliation) tell it: a
-- destination's quantity is the sum over the source's locations, so one location's change needs
-- the others' last known quantities.
CREATE TABLE inventory_source_levels (
    store_id          INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    inventory_item_id TEXT NOT NULL,
    location_id       TEXT NOT NULL,
    available         BIGINT NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (store_id, inventory_item_id, location_id)
);

-- inventory_targets is the quantity each linked destination inventory item must have: decided in
-- the transaction that learnt of the source's change (version counts the decisions), written by
-- the destination store's inventory job, which records what it wrote (written_quantity, the
-- compare-and-set value of the next write) and the version it wrote. A target is pending while
-- written_version < version; a burst of changes to one item makes one write of the last.
CREATE TABLE inventory_targets (
    destination_store_id     INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    inventory_item_id        TEXT NOT NULL,
    account_id               INTEGER NOT NULL,
    connection_id            INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    link_id                  INTEGER NOT NULL REFERENCES product_links (id) ON DELETE CASCADE,
    source_store_id          INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_inventory_item_id TEXT NOT NULL,
    source_quantity          BIGINT NOT NULL,
    desired                  BIGINT NOT NULL CHECK (desired >= 0),
    version                  BIGINT NOT NULL DEFAULT 1,
    written_quantity         BIGINT,
    written_version          BIGINT NOT NULL DEFAULT 0,
    updated_at               TIMESTAMP NOT NULL,
    synced_at                TIMESTAMP,
    PRIMARY KEY (destination_store_id, inventory_item_id)
);
CREATE INDEX inventory_targets_pending_idx ON inventory_targets (destination_store_id, written_version, version);

-- +goose Down
DROP TABLE inventory_targets;
DROP TABLE inventory_source_levels;
