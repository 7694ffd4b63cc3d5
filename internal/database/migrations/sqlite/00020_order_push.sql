-- +goose Up
-- SQLite flavour of ../postgres/00020_order_push.sql: same columns.
-- The order push (issue 10): what the push job needs beyond the eligibility kept by 00018.
-- orders.shipping_address is the destination order's shipping address as JSON (the push sends
-- it to the source); order_pushes.shipping_fee_amount is a fee a person entered on a manual push
-- (minor units of the order's currency; NULL: none); queued_at is when a push job was last
-- enqueued (an automatic push enqueues once); uncertain_since is when an attempt's create may
-- have been made without its answer (the next attempt passes it so the platform looks first).
ALTER TABLE orders ADD COLUMN shipping_address TEXT NOT NULL DEFAULT '';
ALTER TABLE order_pushes ADD COLUMN shipping_fee_amount BIGINT;
ALTER TABLE order_pushes ADD COLUMN queued_at TIMESTAMP;
ALTER TABLE order_pushes ADD COLUMN uncertain_since TIMESTAMP;

-- +goose Down
ALTER TABLE order_pushes DROP COLUMN uncertain_since;
ALTER TABLE order_pushes DROP COLUMN queued_at;
ALTER TABLE order_pushes DROP COLUMN shipping_fee_amount;
ALTER TABLE orders DROP COLUMN shipping_address;
