-- +goose NO TRANSACTION
-- +goose Up
-- Stores' platform is any registered platform: the application checks the name against the
-- platforms it has, so adding a platform needs no migration. SQLite cannot drop a CHECK in
-- place: the table is rebuilt, with foreign keys off so the tables referencing stores keep
-- their rows (a pragma that only takes effect outside a transaction, hence none around the
-- statements; the rebuild itself is one transaction).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE stores_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (name <> ''),
    platform     TEXT NOT NULL CHECK (platform <> ''),
    address      TEXT NOT NULL CHECK (address <> ''),
    base_url     TEXT NOT NULL,
    store_key    TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    credentials  TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, platform, address)
);
INSERT INTO stores_rebuilt (id, account_id, name, platform, address, base_url, store_key, created_at, updated_at, credentials)
SELECT id, account_id, name, platform, address, base_url, store_key, created_at, updated_at, credentials FROM stores;
DROP TABLE stores;
ALTER TABLE stores_rebuilt RENAME TO stores;
CREATE INDEX stores_account_id_idx ON stores (account_id, id);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- Stores of platforms other than Shopify must be deleted first.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE stores_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (name <> ''),
    platform     TEXT NOT NULL CHECK (platform IN ('shopify')),
    address      TEXT NOT NULL CHECK (address <> ''),
    base_url     TEXT NOT NULL,
    store_key    TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    credentials  TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, platform, address)
);
INSERT INTO stores_rebuilt (id, account_id, name, platform, address, base_url, store_key, created_at, updated_at, credentials)
SELECT id, account_id, name, platform, address, base_url, store_key, created_at, updated_at, credentials FROM stores;
DROP TABLE stores;
ALTER TABLE stores_rebuilt RENAME TO stores;
CREATE INDEX stores_account_id_idx ON stores (account_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
