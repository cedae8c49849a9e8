#!/usr/bin/env bash
# Command one: install, load the demo data, and serve bidbridge on SQLite at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
.venv/bin/bidbridge demo
exec .venv/bin/bidbridge serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
