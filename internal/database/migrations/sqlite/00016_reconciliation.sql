-- +goose Up
-- SQLite flavour of ../postgres/00016_reconciliation.sql: same tables.
-- Reconciliation: webhooks are at least once and can be dropped, so a periodic run per
-- connection reads both sides (products changed since the last run's cursor, the inventory
-- levels of every linked item; a full pass streams the source's whole catalog) and fixes what
-- drifted. One row per run, of the destination's account (the connection's owner).
CREATE TABLE reconciliations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    connection_id  INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('incremental', 'full')),
    trigger        TEXT NOT NULL CHECK (trigger IN ('schedule', 'demand')),
    state          TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    -- phase is where a running run is (products, export, source, destination); phase_cursor the
    -- last link id or product count done in it, so a run cut off resumes there.
    phase          TEXT NOT NULL DEFAULT '',
    phase_cursor   BIGINT NOT NULL DEFAULT 0,
    -- since is the cursor of the products read: changed since it (null: everything).
    since          TIMESTAMP,
    -- export is the platform's handle of a full pass's export (JSON), so a re-run adopts it.
    export         TEXT NOT NULL DEFAULT '',
    -- page_cursor is the platform's cursor of the next page of changed products.
    page_cursor    TEXT NOT NULL DEFAULT '',
    products_read  BIGINT NOT NULL DEFAULT 0,
    variants_read  BIGINT NOT NULL DEFAULT 0,
    levels_read    BIGINT NOT NULL DEFAULT 0,
    drifts_fixed   BIGINT NOT NULL DEFAULT 0,
    error          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP
);
CREATE INDEX reconciliations_connection_idx ON reconciliations (connection_id, id);
CREATE INDEX reconciliations_active_idx ON reconciliations (state, connection_id);

-- What a run found wrong and fixed: one row per drifted attribute of a link's side.
CREATE TABLE reconciliation_drifts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reconciliation_id INTEGER NOT NULL REFERENCES reconciliations (id) ON DELETE CASCADE,
    connection_id     INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    link_id           INTEGER REFERENCES product_links (id) ON DELETE SET NULL,
    side              TEXT NOT NULL CHECK (side IN ('source', 'destination')),
    attribute         TEXT NOT NULL,
    item_id           TEXT NOT NULL,
    expected          TEXT NOT NULL,
    found             TEXT NOT NULL,
    fixed_at          TIMESTAMP NOT NULL
);
CREATE INDEX reconciliation_drifts_run_idx ON reconciliation_drifts (reconciliation_id, id);

-- How often an account's connections are reconciled (no row: every 15 minutes).
CREATE TABLE reconciliation_settings (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    interval_minutes BIGINT NOT NULL CHECK (interval_minutes BETWEEN 5 AND 1440),
    updated_at       TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE reconciliation_settings;
DROP TABLE reconciliation_drifts;
DROP TABLE reconciliations;
