-- +goose Up
-- Two changes of one resource within one second carry the same updated_at (second resolution on
-- some platforms): processing breaks the tie on the platform's trigger time, kept here from the
-- event last applied, and when that ties too (or is unknown) it compares what the events say
-- (content, a fingerprint of the applied state) and, when they differ, reads the resource again
-- from the platform instead of guessing.
ALTER TABLE inbound_resources ADD COLUMN triggered_at TIMESTAMPTZ;
ALTER TABLE inbound_resources ADD COLUMN content TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE inbound_resources DROP COLUMN content;
ALTER TABLE inbound_resources DROP COLUMN triggered_at;
