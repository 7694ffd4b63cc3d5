-- +goose Up
-- The back-office link of a store: where its orders go as jobs with sales orders (the account's
-- own back office, or an external one over the Open API v2 by URL and key, the key sealed), the
-- job settings, and whether it is enabled (after a successful verify with complete settings).
-- send_from: orders placed before it are not sent (the time it was enabled, unless a person
-- chose an earlier start date).
CREATE TABLE backoffice_links (
    store_id          BIGINT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    account_id        BIGINT NOT NULL,
    target            TEXT NOT NULL DEFAULT 'built_in',
    base_url          TEXT NOT NULL DEFAULT '',
    api_key_sealed    TEXT NOT NULL DEFAULT '',
    api_key_hint      TEXT NOT NULL DEFAULT '',
    business_name     TEXT NOT NULL DEFAULT '',
    primary_rep       TEXT NOT NULL DEFAULT '',
    secondary_rep     TEXT NOT NULL DEFAULT '',
    csr               TEXT NOT NULL DEFAULT '',
    job_type          TEXT NOT NULL DEFAULT 'dropship',
    bo_store_id       TEXT NOT NULL DEFAULT '',
    one_contact       BOOLEAN NOT NULL DEFAULT FALSE,
    contact_email     TEXT NOT NULL DEFAULT '',
    logo_property     TEXT NOT NULL DEFAULT '',
    location_property TEXT NOT NULL DEFAULT '',
    enabled           BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at       TIMESTAMPTZ,
    verify_error      TEXT NOT NULL DEFAULT '',
    enabled_at        TIMESTAMPTZ,
    send_from         TIMESTAMPTZ,
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX backoffice_links_enabled_idx ON backoffice_links (store_id) WHERE enabled;

-- What became of each kept order in the back office: pending (a send job waits or retries),
-- sent (with the job), failed (with the reason; a person retries). order_version is the
-- order's version the back office reflects; payment_refs the store transactions recorded as
-- payments; cancel_done whether its cancellation was carried over; lines_digest the
-- lines the back office was last told of (an edit after it is noted on the job).
CREATE TABLE backoffice_sends (
    order_id       BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    account_id     BIGINT NOT NULL,
    store_id       BIGINT NOT NULL,
    status         TEXT NOT NULL,
    error          TEXT NOT NULL DEFAULT '',
    job_id         BIGINT,
    job_number     BIGINT,
    sales_order_id BIGINT,
    target         TEXT NOT NULL DEFAULT '',
    order_version  BIGINT NOT NULL DEFAULT 0,
    payment_refs   TEXT NOT NULL DEFAULT '[]',
    cancel_done    BOOLEAN NOT NULL DEFAULT FALSE,
    lines_digest   TEXT NOT NULL DEFAULT '',
    attempts       BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ
);
CREATE INDEX backoffice_sends_store_idx ON backoffice_sends (account_id, store_id, status);

-- +goose Down
DROP TABLE backoffice_sends;
DROP TABLE backoffice_links;
