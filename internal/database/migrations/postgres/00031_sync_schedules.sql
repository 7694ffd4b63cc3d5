-- +goose Up
-- The schedules that start an account's sync runs (internal/syncsched). expression is kept as
-- the person wrote it ("every 30 minutes", "daily at 02:00", "weekdays at 07:30", a 5-field cron
-- line); its slots are wall-clock times in time_zone (an IANA name). steps is the sorted list of
-- the cycle's steps a run does ("1,2,3,4"). next_at is the next slot (NULL while disabled): a
-- tick claims a due schedule by compare-and-set on it, so several processes start each slot
-- once. last_slot_at, last_run_id and last_result say what the last claimed slot did.
CREATE TABLE sync_schedules (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expression   TEXT NOT NULL CHECK (expression <> ''),
    time_zone    TEXT NOT NULL CHECK (time_zone <> ''),
    steps        TEXT NOT NULL CHECK (steps <> ''),
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    next_at      TIMESTAMPTZ,
    last_slot_at TIMESTAMPTZ,
    last_run_id  BIGINT,
    last_result  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX sync_schedules_account_idx ON sync_schedules (account_id, id);
CREATE INDEX sync_schedules_due_idx ON sync_schedules (next_at) WHERE enabled;

-- The accounts that were given the default schedule once: its primary key makes EnsureDefault
-- safe under concurrency, and a person who deletes the default does not get it back.
CREATE TABLE sync_schedule_defaults (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE sync_schedule_defaults;
DROP TABLE sync_schedules;
