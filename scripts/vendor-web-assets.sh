#!/usr/bin/env bash
# Refresh the vendored htmx from the exact version pinned in web-assets/package-lock.json.
# To move to another htmx release: change the version in web-assets/package.json, run
# `npm install --package-lock-only` there, then this script, and commit all three files.
set -euo pipefail
cd "$(dirname "$0")/../web-assets"
npm ci --no-audit --no-fund --loglevel=error
vendor=../src/bidbridge/web/static/vendor
mkdir -p "$vendor"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$vendor/htmx.LICENSE"
echo "vendored htmx $(node -p 'require("./node_modules/htmx.org/package.json").version') into $vendor"
