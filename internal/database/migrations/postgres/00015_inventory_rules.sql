-- +goose Up
-- The inventory rule, per product: a link's own buffer (units held back) overrides its
-- connection's when set; NULL means the connection's buffer applies. (Which source locations
-- count is a connection setting, in connections.settings: source_location_ids.)
ALTER TABLE product_links ADD COLUMN buffer BIGINT CHECK (buffer IS NULL OR buffer >= 0);

-- Source items just linked whose current levels the hub must read (an import, a map, a
-- reconnect's restore): one row per item, requests counting the asks, so a read that ran while
-- the item was asked for again leaves it to be read again. One inventory_read_source job per
-- source store reads them, 250 a call, and records them as source levels.
CREATE TABLE inventory_source_reads (
    store_id          BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    inventory_item_id TEXT NOT NULL,
    requests          BIGINT NOT NULL DEFAULT 1,
    requested_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, inventory_item_id)
);

-- +goose Down
DROP TABLE inventory_source_reads;
ALTER TABLE product_links DROP COLUMN buffer;
