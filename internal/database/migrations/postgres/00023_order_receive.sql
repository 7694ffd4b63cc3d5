-- +goose Up
-- What the source store receives on an order push (issue 10, item 4), and what it got (the report).
-- order_receive_settings: a connection's settings of what a pushed source order carries; no row,
-- the defaults (customer details forwarded, the customer's email, no shipping charged, nothing
-- passed through, lines at the source's price). Amounts are minor units of shipping_currency; a
-- percentage is in hundredths of a percent (2000 = 20 %).
-- orders.shipping_lines / discounts: the destination order's shipping lines and discounts as JSON
-- ('' for none), for a push that passes them through.
-- order_pushes.sent: what the source order has, as the source answered its creation (lines,
-- quantities, prices, shipping, discount, total, JSON), for the pushed-orders report.
CREATE TABLE order_receive_settings (
    connection_id       BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    forward_customer    BOOLEAN NOT NULL DEFAULT TRUE,
    email_contact       TEXT NOT NULL DEFAULT 'customer' CHECK (email_contact IN ('customer', 'store', 'other')),
    contact_email       TEXT NOT NULL DEFAULT '',
    shipping_rule       TEXT NOT NULL DEFAULT 'none' CHECK (shipping_rule IN ('none', 'flat_per_order', 'flat_per_item', 'free_above')),
    shipping_amount     BIGINT NOT NULL DEFAULT 0 CHECK (shipping_amount >= 0),
    free_above_amount   BIGINT NOT NULL DEFAULT 0 CHECK (free_above_amount >= 0),
    shipping_currency   TEXT NOT NULL DEFAULT '',
    pass_shipping_line  BOOLEAN NOT NULL DEFAULT FALSE,
    pass_discounts      BOOLEAN NOT NULL DEFAULT FALSE,
    line_prices         TEXT NOT NULL DEFAULT 'source' CHECK (line_prices IN ('source', 'destination_less')),
    line_discount_bp    BIGINT NOT NULL DEFAULT 0 CHECK (line_discount_bp >= 0 AND line_discount_bp <= 10000),
    updated_at          TIMESTAMPTZ NOT NULL
);
ALTER TABLE orders ADD COLUMN shipping_lines TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN discounts TEXT NOT NULL DEFAULT '';
ALTER TABLE order_pushes ADD COLUMN sent TEXT NOT NULL DEFAULT '';
CREATE INDEX order_pushes_pushed_idx ON order_pushes (connection_id, pushed_at);

-- +goose Down
DROP INDEX order_pushes_pushed_idx;
ALTER TABLE order_pushes DROP COLUMN sent;
ALTER TABLE orders DROP COLUMN discounts;
ALTER TABLE orders DROP COLUMN shipping_lines;
DROP TABLE order_receive_settings;
