#!/usr/bin/env bash
# Command two: install everything the tests need and run the whole suite, on SQLite and PostgreSQL.
# Needs PostgreSQL at 127.0.0.1:5432 (BIDBRIDGE_TEST_POSTGRES_URL to change), Redis at
# 127.0.0.1:6379, Debian's chromium (browser tests) and nginx (the multi-node test): the last two
# are installed here when missing and we are root. The S3 server (moto) comes with the dev extras.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev,bench scripts/setup-venv.sh
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's ${missing[*]} for the browser and multi-node tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: ${missing[*]} missing; install Debian's ${missing[*]} package(s)" >&2
    exit 1
  fi
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
