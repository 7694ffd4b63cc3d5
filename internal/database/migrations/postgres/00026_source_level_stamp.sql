-- +goose Up
-- The platform's own time of a recorded source level (NULL: the platform gave none; updated_at is
-- when the hub recorded it): a push recorded after the source's stock update for it finds that
-- the level already holds the order and releases its reservation at once.
ALTER TABLE inventory_source_levels ADD COLUMN stamped_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE inventory_source_levels DROP COLUMN stamped_at;
