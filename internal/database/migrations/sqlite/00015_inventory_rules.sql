-- +goose Up
-- SQLite flavour of ../postgres/00015_inventory_rules.sql: same column.
-- The inventory rule, per product: a link's own buffer (units held back) overrides its
-- connection's when set; NULL means the connection's buffer applies. (Which source locations
-- count is a connection setting, in connections.settings: source_location_ids.)
ALTER TABLE product_links ADD COLUMN buffer BIGINT CHECK (buffer IS NULL OR buffer >= 0);

-- +goose Down
ALTER TABLE product_links DROP COLUMN buffer;
