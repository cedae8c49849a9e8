#!/usr/bin/env bash
# Command one: install, load the demo data, and serve bidbridge on SQLite at http://127.0.0.1:8000.
# HOST and PORT choose the address (HOST=0.0.0.0 listens on every interface).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
case "$HOST" in
  0.0.0.0) browse=127.0.0.1 ;;        # every interface: this machine reaches it on loopback
  ::|"[::]") browse="[::1]" ;;
  *:*) browse="[$HOST]" ;;             # an IPv6 address goes in brackets in a URL
  *) browse=$HOST ;;
esac
scripts/setup-venv.sh
.venv/bin/bidbridge demo --base-url "http://${browse}:${PORT}"
exec .venv/bin/bidbridge serve --host "$HOST" --port "$PORT"
