-- +goose Up
-- Stores' platform is any registered platform: the application checks the name against the
-- platforms it has, so adding a platform needs no migration.
ALTER TABLE stores DROP CONSTRAINT stores_platform_check;
ALTER TABLE stores ADD CONSTRAINT stores_platform_check CHECK (platform <> '');

-- +goose Down
-- Stores of platforms other than Shopify must be deleted first.
ALTER TABLE stores DROP CONSTRAINT stores_platform_check;
ALTER TABLE stores ADD CONSTRAINT stores_platform_check CHECK (platform IN ('shopify'));
