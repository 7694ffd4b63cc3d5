-- +goose Up
-- SQLite flavour of ../postgres/00029_backoffice_stock.sql: same tables, columns and constraints.
-- Back-office stock: one inventory item per SKU of an account, what happened to its stock, and
-- the moves that sales orders made (so that committing, relieving and releasing a line happen
-- once however often they are asked for).
-- sku_key is the SKU folded by the back office (strings.ToLower), so a SKU is unique per account
-- whatever its case, on both databases alike. cost and price are BIGINT minor units of currency.
-- on_hand may go below zero (goods relieved that were not counted); available = on_hand -
-- committed is computed, never stored, and may be negative: an oversold item stays visible.
CREATE TABLE backoffice_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sku         TEXT NOT NULL CHECK (sku <> ''),
    sku_key     TEXT NOT NULL CHECK (sku_key <> ''),
    barcode     TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    cost        BIGINT NOT NULL DEFAULT 0 CHECK (cost >= 0),
    price       BIGINT NOT NULL DEFAULT 0 CHECK (price >= 0),
    on_hand     BIGINT NOT NULL DEFAULT 0,
    committed   BIGINT NOT NULL DEFAULT 0 CHECK (committed >= 0),
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (account_id, sku_key)
);
CREATE INDEX backoffice_items_barcode_idx ON backoffice_items (account_id, barcode) WHERE barcode <> '';

-- Every change of an item's stock, with who made it (actor: "user ann@example.com", "api key 4",
-- "sync run 12", "sales order 7"), the counts before and after, and what it refers to.
CREATE TABLE backoffice_stock_history (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    item_id          BIGINT NOT NULL REFERENCES backoffice_items (id) ON DELETE CASCADE,
    at               TIMESTAMP NOT NULL,
    actor            TEXT NOT NULL CHECK (actor <> ''),
    kind             TEXT NOT NULL CHECK (kind IN ('created', 'adjusted', 'set', 'committed', 'relieved',
                         'released', 'imported')),
    on_hand_before   BIGINT NOT NULL,
    on_hand_after    BIGINT NOT NULL,
    committed_before BIGINT NOT NULL,
    committed_after  BIGINT NOT NULL,
    reference        TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backoffice_stock_history_item_idx ON backoffice_stock_history (account_id, item_id, id);

-- The moves that must happen once: a sales order line committed, relieved or released (unique
-- per line and kind), or an adjustment sent with an idempotency key (unique per account and key).
-- quantity is what the move changed, so that a later move undoes exactly that.
CREATE TABLE backoffice_stock_moves (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    item_id    BIGINT REFERENCES backoffice_items (id) ON DELETE CASCADE,
    line_id    BIGINT REFERENCES bo_line_items (id) ON DELETE CASCADE,
    idem_key   TEXT CHECK (idem_key <> ''),
    kind       TEXT NOT NULL CHECK (kind IN ('committed', 'relieved', 'released', 'adjusted', 'set')),
    quantity   BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((line_id IS NULL) <> (idem_key IS NULL)),
    UNIQUE (line_id, kind),
    UNIQUE (account_id, idem_key)
);
CREATE INDEX backoffice_stock_moves_item_idx ON backoffice_stock_moves (item_id);

-- +goose Down
DROP TABLE backoffice_stock_moves;
DROP TABLE backoffice_stock_history;
DROP TABLE backoffice_items;
