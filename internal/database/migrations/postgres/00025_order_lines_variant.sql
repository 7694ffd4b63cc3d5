-- +goose Up
-- Orders whose lines a new product link covers are decided again (orders.Service.OnLinked): find
-- them by the lines' variant.
CREATE INDEX order_lines_variant_idx ON order_lines (variant_id);

-- +goose Down
DROP INDEX order_lines_variant_idx;
