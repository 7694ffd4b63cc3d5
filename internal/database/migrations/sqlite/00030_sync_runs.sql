-- +goose Up
-- SQLite flavour of ../postgres/00030_sync_runs.sql: same columns.
-- Sync runs: the sync cycle's steps for an account, in order — (1) orders web → hub, (2) orders
-- hub → back office, (3) data back office → hub, (4) data hub → web — or a chosen subset. One run
-- per account is queued or running at a time; a schedule starts at most one run per slot.
CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    trigger      TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'api', 'cli')),
    steps        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    schedule_id  BIGINT,
    slot_at      TIMESTAMP,
    requested_by TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP
);
CREATE UNIQUE INDEX sync_runs_active_idx ON sync_runs (account_id) WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX sync_runs_slot_idx ON sync_runs (schedule_id, slot_at) WHERE schedule_id IS NOT NULL;
CREATE INDEX sync_runs_account_idx ON sync_runs (account_id, id);

-- Each step of a run: its status, progress (done of total), counts (a JSON object of named
-- counts) and the cursor a step resumes from after a crash.
CREATE TABLE sync_run_steps (
    run_id      BIGINT NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    step        INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    done        BIGINT NOT NULL DEFAULT 0,
    total       BIGINT NOT NULL DEFAULT 0,
    counts      TEXT NOT NULL DEFAULT '{}',
    cursor      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    PRIMARY KEY (run_id, step)
);

-- What went wrong in a step, with the object it concerns (kind and id) and the dashboard page
-- showing it. A step's errors are replaced when the step runs again after a crash.
CREATE TABLE sync_run_errors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      BIGINT NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    step        INTEGER NOT NULL,
    object_kind TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX sync_run_errors_run_idx ON sync_run_errors (run_id, step, id);

-- Where a store's stock comes from: its own platform (the default), or the back office's
-- available quantities, matched by SKU or barcode (step 4 writes them to the store).
CREATE TABLE store_inventory_masters (
    store_id   BIGINT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    master     TEXT NOT NULL CHECK (master IN ('platform', 'back_office')),
    match_by   TEXT NOT NULL CHECK (match_by IN ('sku', 'barcode')),
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX store_inventory_masters_account_idx ON store_inventory_masters (account_id, master);

-- Supplier feeds: files of stock (and prices) a supplier publishes at an HTTPS URL (an
-- optional authorization header sealed) or that a person uploads; step 3 applies them to the
-- back office's items by the mapping and rules (JSON). feed_items remembers which items (by SKU) a feed
-- set, so "missing: zero" zeroes only the feed's own items absent from its latest file.
CREATE TABLE supplier_feeds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id         BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('url', 'upload')),
    url                TEXT NOT NULL DEFAULT '',
    auth_header_sealed TEXT NOT NULL DEFAULT '',
    auth_header_hint   TEXT NOT NULL DEFAULT '',
    format             TEXT NOT NULL DEFAULT '',
    mapping            TEXT NOT NULL DEFAULT '{}',
    rules              TEXT NOT NULL DEFAULT '{}',
    upload             BLOB,
    upload_name        TEXT NOT NULL DEFAULT '',
    enabled            BOOLEAN NOT NULL DEFAULT TRUE,
    last_run_at        TIMESTAMP,
    last_result        TEXT NOT NULL DEFAULT '',
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX supplier_feeds_name_idx ON supplier_feeds (account_id, name);

CREATE TABLE supplier_feed_items (
    feed_id    BIGINT NOT NULL REFERENCES supplier_feeds (id) ON DELETE CASCADE,
    sku        TEXT NOT NULL,
    seen_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (feed_id, sku)
);

-- +goose Down
DROP TABLE supplier_feed_items;
DROP TABLE supplier_feeds;
DROP TABLE store_inventory_masters;
DROP TABLE sync_run_errors;
DROP TABLE sync_run_steps;
DROP TABLE sync_runs;
