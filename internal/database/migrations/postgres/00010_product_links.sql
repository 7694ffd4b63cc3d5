-- +goose Up
-- Product links: one row per destination variant that follows a source variant, made by an
-- import (the hub created the destination product) or a map (it already existed and matched by
-- the connection's identifier, or a person picked the pair). Each side's ids are the platform's,
-- opaque. The inventory sync reads links by the source's inventory item (fan-out) and records
-- the quantities it read and wrote; the import records the first ones.
--
-- Quantities are null until read; prices are exact minor units with their currency ('' and 0
-- until known).
CREATE TABLE product_links (
    id                               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id                    BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_store_id                  BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_product_id                TEXT NOT NULL,
    source_variant_id                TEXT NOT NULL,
    source_inventory_item_id         TEXT NOT NULL,
    destination_store_id             BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    destination_product_id           TEXT NOT NULL,
    destination_variant_id           TEXT NOT NULL,
    destination_inventory_item_id    TEXT NOT NULL,
    identifier                       TEXT NOT NULL DEFAULT '',
    source_quantity                  BIGINT,
    destination_quantity             BIGINT,
    source_price_amount              BIGINT NOT NULL DEFAULT 0,
    source_price_currency            TEXT NOT NULL DEFAULT '',
    destination_price_amount         BIGINT NOT NULL DEFAULT 0,
    destination_price_currency       TEXT NOT NULL DEFAULT '',
    synced_at                        TIMESTAMPTZ,
    created_at                       TIMESTAMPTZ NOT NULL,
    UNIQUE (connection_id, source_variant_id),
    UNIQUE (connection_id, destination_variant_id)
);
CREATE INDEX product_links_source_item_idx ON product_links (source_store_id, source_inventory_item_id);
CREATE INDEX product_links_source_product_idx ON product_links (connection_id, source_product_id);
CREATE INDEX product_links_destination_product_idx ON product_links (connection_id, destination_product_id);

-- Import and map runs of a connection, durable jobs with progress. kind import creates (or
-- updates) destination products from the source products named in product_ids (JSON array; all
-- = every source product); kind map matches both catalogs by identifier. requested is known
-- when the run starts (import of named products) or grows as the source catalog is read.
-- errors is a JSON array of {"source_product_id","message"}, bounded by the job. page_cursor and
-- page_done are where the next step resumes: the source page being read (all) and how many of
-- its products (or of product_ids) are done, so a step run again skips what its last attempt
-- committed.
CREATE TABLE imports (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id   BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('import', 'map')),
    all_products    BOOLEAN NOT NULL DEFAULT FALSE,
    product_ids     TEXT NOT NULL DEFAULT '[]',
    requested       BIGINT NOT NULL DEFAULT 0 CHECK (requested >= 0),
    done            BIGINT NOT NULL DEFAULT 0 CHECK (done >= 0),
    failed          BIGINT NOT NULL DEFAULT 0 CHECK (failed >= 0),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
    errors          TEXT NOT NULL DEFAULT '[]',
    page_cursor     TEXT NOT NULL DEFAULT '',
    page_done       BIGINT NOT NULL DEFAULT 0 CHECK (page_done >= 0),
    created_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ
);
CREATE INDEX imports_connection_idx ON imports (connection_id, id);

-- Conflicts: what a map could not link without guessing (kind missing_identifier,
-- duplicate_identifier or variant_count), with the reason in words and the ids on
-- each side (JSON arrays of product ids). A person resolves one by picking the pair to link, or
-- skips it. One open conflict per (connection, kind, identifier, source, destination): a map
-- run again finds it and leaves it as it is.
CREATE TABLE conflicts (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id           BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind                    TEXT NOT NULL CHECK (kind IN ('missing_identifier', 'duplicate_identifier', 'variant_count')),
    reason                  TEXT NOT NULL,
    source_product_ids      TEXT NOT NULL DEFAULT '[]',
    destination_product_ids TEXT NOT NULL DEFAULT '[]',
    identifier              TEXT NOT NULL DEFAULT '',
    fingerprint             TEXT NOT NULL,
    state                   TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'skipped')),
    created_at              TIMESTAMPTZ NOT NULL,
    resolved_at             TIMESTAMPTZ,
    UNIQUE (connection_id, fingerprint)
);
CREATE INDEX conflicts_connection_state_idx ON conflicts (connection_id, state, id);

-- +goose Down
DROP TABLE conflicts;
DROP TABLE imports;
DROP TABLE product_links;
