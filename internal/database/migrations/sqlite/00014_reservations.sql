-- +goose Up
-- SQLite flavour of ../postgres/00014_reservations.sql: same table, columns and constraints.
-- Inventory reservations: no oversell window. When a destination store's order for a linked
-- variant arrives, the hub reserves the line's quantity against the source item at once (one row
-- per destination store, order and line): every destination of that source item is decided with
-- the held and pushed reservations subtracted, before the source store itself has the order.
-- state: held (reserved, the order is not at the source yet), pushed (the order push created it
-- at the source; pushed_at says when), released (reason and released_at say why and when: the
-- order or line was cancelled, reduced or removed; it will not be pushed; or the source's own
-- quantity reflects it). A released reservation is final. order_updated_at is the order's
-- updated_at of the delivery last applied, so an older delivery never overwrites a newer one.
-- account_id is the destination store's account, which reads them.
CREATE TABLE inventory_reservations (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id               INTEGER NOT NULL,
    connection_id            INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    destination_store_id     INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    order_id                 TEXT NOT NULL,
    order_name               TEXT NOT NULL DEFAULT '',
    line_id                  TEXT NOT NULL,
    destination_variant_id   TEXT NOT NULL,
    source_store_id          INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_inventory_item_id TEXT NOT NULL,
    quantity                 BIGINT NOT NULL CHECK (quantity >= 0),
    state                    TEXT NOT NULL CHECK (state IN ('held', 'pushed', 'released')),
    reason                   TEXT NOT NULL DEFAULT '',
    order_updated_at         TIMESTAMP NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    pushed_at                TIMESTAMP,
    released_at              TIMESTAMP,
    UNIQUE (destination_store_id, order_id, line_id)
);
CREATE INDEX inventory_reservations_source_idx ON inventory_reservations (source_store_id, source_inventory_item_id, state);
CREATE INDEX inventory_reservations_connection_idx ON inventory_reservations (connection_id, state, id);

-- An order's lines are matched to links by the destination variant.
CREATE INDEX product_links_destination_variant_idx ON product_links (destination_store_id, destination_variant_id);

-- +goose Down
DROP INDEX product_links_destination_variant_idx;
DROP TABLE inventory_reservations;
