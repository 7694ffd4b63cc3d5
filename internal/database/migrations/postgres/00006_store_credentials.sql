-- +goose Up
-- Stores become platform-neutral: the Shopify-only columns give way to one credentials blob the
-- platform defines and checks (for Shopify: shop_domain, access_token, api_secret), encrypted by
-- the app; shop_domain becomes address, the display-only name of the store on its platform.
-- Existing credentials are moved into the blob here in plain JSON, and sealed by the app when it
-- first starts with its key (a migration has no key).
ALTER TABLE stores RENAME COLUMN shop_domain TO address;
ALTER TABLE stores ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
UPDATE stores SET credentials = json_build_object('shop_domain', address, 'access_token', access_token, 'api_secret', api_secret)::text;
ALTER TABLE stores DROP COLUMN access_token;
ALTER TABLE stores DROP COLUMN api_secret;

-- +goose Down
-- The credentials may be sealed by then: the Shopify columns come back from plain-text blobs
-- only; a sealed blob leaves them empty, and the store needs its credentials entered again.
ALTER TABLE stores ADD COLUMN access_token TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN api_secret TEXT NOT NULL DEFAULT '';
UPDATE stores SET access_token = COALESCE(credentials::json ->> 'access_token', ''),
    api_secret = COALESCE(credentials::json ->> 'api_secret', '') WHERE credentials LIKE '{%';
ALTER TABLE stores DROP COLUMN credentials;
ALTER TABLE stores RENAME COLUMN address TO shop_domain;
