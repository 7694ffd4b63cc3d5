-- +goose Up
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
    id                       BIGSERIAL PRIMARY KEY,
    account_id               BIGINT NOT NULL,
    connection_id            BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    destination_store_id     BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    order_id                 TEXT NOT NULL,
    order_name               TEXT NOT NULL DEFAULT '',
    line_id                  TEXT NOT NULL,
    destination_variant_id   TEXT NOT NULL,
    source_store_id          BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_inventory_item_id TEXT NOT NULL,
    quantity                 BIGINT NOT NULL CHECK (quantity >= 0),
    state                    TEXT NOT NULL CHECK (state IN ('held', 'pushed', 'released')),
    reason                   TEXT NOT NULL DEFAULT '',
    order_updated_at         TIMESTAMPTZ NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    pushed_at                TIMESTAMPTZ,
    released_at              TIMESTAMPTZ,
    UNIQUE (destination_store_id, order_id, line_id)
);
CREATE INDEX inventory_reservations_source_idx ON inventory_reservations (source_store_id, source_inventory_item_id, state);
CREATE INDEX inventory_reservations_connection_idx ON inventory_reservations (connection_id, state, id);

-- An order's lines are matched to links by the destination variant.
CREATE INDEX product_links_destination_variant_idx ON product_links (destination_store_id, destination_variant_id);

-- +goose Down
DROP INDEX product_links_destination_variant_idx;
DROP TABLE inventory_reservations;
