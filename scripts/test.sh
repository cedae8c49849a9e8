#!/usr/bin/env bash
# Command two: install everything the tests need and run the whole suite, on SQLite and PostgreSQL.
# Needs PostgreSQL at 127.0.0.1:5432 (BIDBRIDGE_TEST_POSTGRES_URL to change) and, for the browser
# tests, Debian's chromium at /usr/bin/chromium (installed here when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev,bench scripts/setup-venv.sh
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: /usr/bin/chromium is missing; install Debian's chromium package" >&2
    exit 1
  fi
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
