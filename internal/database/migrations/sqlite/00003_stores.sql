-- +goose Up
-- Stores: online shops on a platform, owned by an account. store_key is public: another account
-- enters it to connect to the store. The access token and API secret are credentials: never shown
-- by the API or the dashboard, never logged.
CREATE TABLE stores (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (name <> ''),
    platform     TEXT NOT NULL CHECK (platform IN ('shopify')),
    shop_domain  TEXT NOT NULL CHECK (shop_domain <> ''),
    base_url     TEXT NOT NULL,
    store_key    TEXT NOT NULL UNIQUE,
    access_token TEXT NOT NULL,
    api_secret   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (account_id, platform, shop_domain)
);
CREATE INDEX stores_account_id_idx ON stores (account_id, id);

-- +goose Down
DROP TABLE stores;
