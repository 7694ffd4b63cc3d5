-- +goose Up
-- Every API key has a name now; keys made without one are called "key N" after their ID.
UPDATE api_keys SET name = 'key ' || id WHERE trim(name) = '';

-- Failed logins, counted per subject (a hash of the email, of the client address, or of the pair)
-- in the database, so that every process sharing it throttles alike.
CREATE TABLE login_throttle (
    subject         TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    window_start    TIMESTAMPTZ NOT NULL,
    last_failure_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_throttle_last_failure_at_idx ON login_throttle (last_failure_at);

-- A one-time message for the next page of a session (post-redirect-get), encrypted with a key
-- derived from the session token, which only the browser holds.
ALTER TABLE sessions ADD COLUMN flash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN flash;
DROP TABLE login_throttle;
