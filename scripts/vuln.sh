#!/usr/bin/env bash
# Runs govulncheck against the Go vulnerability database as the Go module proxy serves it (the
# module golang.org/x/vulndb at the version the Makefile pins), turned into the v1 layout by
# scripts/vulndb and cached per version. Fails when the code calls a vulnerable function that is
# not listed, with its reason, in scripts/vuln-accepted.txt, and when a listed one is no longer
# found (so the list cannot go stale).
# Usage (from make vuln): scripts/vuln.sh GOVULNCHECK VULNDB_VERSION VULNDB_SUM CACHE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
govulncheck=$1 version=$2 sum=$3 cache=$4
go=${GO:-go}

db=$("$go" run ./scripts/vulndb -go "$go" -version "$version" -sum "$sum" -cache "$cache")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# JSON output: one message per line, each finding with its trace (function set when called).
"$govulncheck" -db "file://$db" -format json ./... >"$out"

echo "govulncheck $("$govulncheck" -version 2>/dev/null | sed -n 's/^Scanner: //p') with $("$go" env GOVERSION), database golang.org/x/vulndb@$version"
# Every finding, most precise level first: what is called, what is only imported or required.
jq -r --slurp '
	(map(select(.osv) | {key: .osv.id, value: .osv.summary}) | from_entries) as $summary
	| map(select(.finding) | .finding
		| {id: .osv, mod: "\(.trace[0].module)@\(.trace[0].version)", fixed: (.fixed_version // "none"),
		   level: (if .trace[0].function then "called" elif .trace[0].package then "imported" else "required" end)})
	| group_by(.id) | map(min_by(.level | {"called": 0, "imported": 1, "required": 2}[.]))
	| sort_by(.level, .id) | .[]
	| "  \(.level)\t\(.id)\t\(.mod), fixed in \(.fixed): \($summary[.id])"' "$out"

called=$(jq -r 'select(.finding and .finding.trace[0].function) | .finding.osv' "$out" | sort -u)
accepted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' scripts/vuln-accepted.txt | awk '{print $1}' | sort -u)
fail=0
for id in $(comm -23 <(echo "$called") <(echo "$accepted")); do
	[ -n "$id" ] || continue
	echo "FAIL: $id is called and not accepted: upgrade (see 'fixed in' above) or list it in scripts/vuln-accepted.txt with the reason"
	fail=1
done
for id in $(comm -13 <(echo "$called") <(echo "$accepted")); do
	[ -n "$id" ] || continue
	echo "FAIL: $id is listed in scripts/vuln-accepted.txt but no longer found: remove it"
	fail=1
done
if [ "$fail" = 0 ]; then
	echo "ok: no called vulnerability beyond those accepted in scripts/vuln-accepted.txt"
fi
exit "$fail"
