-- +goose Up
-- Cancellations, edits and flags (issue 10): what a connection does when a pushed order is
-- cancelled on either side (NULL: the default, cancel_source / flag), and the flags an order
-- carries for a person (a source order cancelled, a destination order cancelled after its push
-- that was not cancelled at the source, a line edited after the push), each cleared by a person.
-- dedupe_key makes raising a flag idempotent: a duplicate delivery raises no second flag.
ALTER TABLE order_settings ADD COLUMN on_destination_cancel TEXT;
ALTER TABLE order_settings ADD COLUMN on_source_cancel TEXT;

CREATE TABLE order_flags (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    source_store_id BIGINT,
    detail          TEXT NOT NULL DEFAULT '',
    dedupe_key      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    cleared_at      TIMESTAMPTZ,
    cleared_by      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX order_flags_dedupe_idx ON order_flags (order_id, dedupe_key);
CREATE INDEX order_flags_open_idx ON order_flags (account_id, order_id) WHERE cleared_at IS NULL;
CREATE INDEX order_pushes_source_order_idx ON order_pushes (source_store_id, source_order_id);

-- +goose Down
DROP INDEX order_pushes_source_order_idx;
DROP TABLE order_flags;
ALTER TABLE order_settings DROP COLUMN on_source_cancel;
ALTER TABLE order_settings DROP COLUMN on_destination_cancel;
