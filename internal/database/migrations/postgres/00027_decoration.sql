-- +goose Up
-- Decoration and supplier data per store (internal/decoration), which the store's orders carry to
-- the back office's sales order lines. logos are the designs a store decorates products with;
-- name_key is the name folded by the hub (strings.ToLower), so names are unique per store
-- whatever their case, on both databases alike. (id, store_id) is unique so that a placement can
-- only name a logo of its own store.
CREATE TABLE logos (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    name                TEXT NOT NULL CHECK (name <> ''),
    name_key            TEXT NOT NULL CHECK (name_key <> ''),
    decoration_method   TEXT NOT NULL DEFAULT '',
    decoration_supplier TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (store_id, name_key),
    UNIQUE (id, store_id)
);
CREATE INDEX logos_account_idx ON logos (account_id, store_id);

-- A product's decoration and supplier, by (store, the platform's product id): what a line of
-- the product carries when its logo does not say.
CREATE TABLE product_decorations (
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    product_id          TEXT NOT NULL CHECK (product_id <> ''),
    supplier            TEXT NOT NULL DEFAULT '',
    decoration_method   TEXT NOT NULL DEFAULT '',
    decoration_supplier TEXT NOT NULL DEFAULT '',
    design_name         TEXT NOT NULL DEFAULT '',
    decoration_location TEXT NOT NULL DEFAULT '',
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, product_id)
);
CREATE INDEX product_decorations_account_idx ON product_decorations (account_id, store_id);

-- A product's logo placements: a logo of the same store at a location, in the order given.
-- Deleting a logo deletes its placements; deleting a product's decoration deletes its placements.
CREATE TABLE logo_placements (
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id     BIGINT NOT NULL,
    product_id   TEXT NOT NULL,
    position     INTEGER NOT NULL,
    logo_id      BIGINT NOT NULL,
    location     TEXT NOT NULL CHECK (location <> ''),
    location_key TEXT NOT NULL CHECK (location_key <> ''),
    PRIMARY KEY (store_id, product_id, position),
    UNIQUE (store_id, product_id, logo_id, location_key),
    FOREIGN KEY (store_id, product_id) REFERENCES product_decorations (store_id, product_id) ON DELETE CASCADE,
    FOREIGN KEY (logo_id, store_id) REFERENCES logos (id, store_id) ON DELETE CASCADE
);
CREATE INDEX logo_placements_logo_idx ON logo_placements (logo_id);

-- +goose Down
DROP TABLE logo_placements;
DROP TABLE product_decorations;
DROP TABLE logos;
