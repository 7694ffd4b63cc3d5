-- +goose Up
-- Changes follow: what the hub knows of each linked source product of a connection while its
-- changes are carried to the destination. generation counts the changes announced (a webhook, a
-- reconciliation); done_generation is the last one a follow job carried out, so a burst of edits
-- makes one job and one write, and an edit arriving while the job runs makes it run again.
-- images is the fingerprint of the source images last written (set only when images follow), so
-- unchanged images are not uploaded again.
CREATE TABLE product_follow (
    connection_id      BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_product_id  TEXT NOT NULL,
    generation         BIGINT NOT NULL DEFAULT 0,
    done_generation    BIGINT NOT NULL DEFAULT 0,
    images             TEXT NOT NULL DEFAULT '',
    changed_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, source_product_id)
);

-- Why a link's destination no longer follows its source ('' while it does): the source product
-- was deleted or archived, so the destination product is a draft with no stock.
ALTER TABLE product_links ADD COLUMN follow_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE product_links DROP COLUMN follow_reason;
DROP TABLE product_follow;
