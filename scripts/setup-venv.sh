#!/usr/bin/env bash
# Create .venv in the checkout (once) and install bidbridge into it; EXTRAS=dev adds test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
say() { echo "bidbridge setup: $*"; }
if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment .venv (first run only)"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 \
    | grep -v -e "^WARNING: Location" -e "^$" || true
fi
spec="."
[ -n "${EXTRAS:-}" ] && spec=".[${EXTRAS}]"
# Re-install only when the dependency list changed. The base install is part of every install
# with extras, so any stamp of this pyproject.toml will do for it.
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=".venv/.installed-${hash}-${EXTRAS:-base}"
installed=no
if [ -f "$stamp" ] || { [ -z "${EXTRAS:-}" ] && compgen -G ".venv/.installed-${hash}-*" >/dev/null; }
then
  installed=yes
fi
if [ "$installed" = no ]; then
  say "installing bidbridge and its Python packages into .venv${EXTRAS:+ (extras: $EXTRAS)}."
  say "The first time this takes about 1–3 minutes (downloads); later runs skip it until pyproject.toml changes."
  started=$SECONDS
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec" 2>&1 \
    | grep -v -e "^WARNING: Location" -e "^$" || true
  .venv/bin/python -c "import bidbridge"
  touch "$stamp"
  say "done in $((SECONDS - started)) s"
fi
