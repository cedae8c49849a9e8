#!/usr/bin/env bash
# A larger fuzzing run than CI's: schemathesis against both published OpenAPI documents, every
# function, on SQLite and PostgreSQL. Usage: scripts/fuzz.sh [--examples N] [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=2000
if [ "${1:-}" = "--examples" ]; then examples="$2"; shift 2; fi
EXTRAS=dev scripts/setup-venv.sh
export BIDBRIDGE_FUZZ_EXAMPLES="$examples"
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" tests/fuzz "$@"
