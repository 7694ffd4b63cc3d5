-- +goose Up
-- The first answer to an API POST sent with an Idempotency-Key, kept per account and key for 24
-- hours, so that a client retrying after a timeout gets that answer again instead of a second
-- payment. status is 0 while the first request is still running; request_hash tells a retry
-- from a different request that reuses the key.
CREATE TABLE api_idempotency_keys (
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    idem_key     TEXT NOT NULL CHECK (idem_key <> ''),
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    headers      TEXT NOT NULL DEFAULT '{}',
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at);

-- +goose Down
DROP TABLE api_idempotency_keys;
