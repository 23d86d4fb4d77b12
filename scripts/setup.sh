#!/usr/bin/env bash
# Installs what the portal needs on this machine: system packages (where missing) and the Python
# environment in .venv/ from the lock file. Usage: scripts/setup.sh [demo|test]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-demo}"

say() { printf '==> %s\n' "$*"; }

# --- System packages -------------------------------------------------------------------------
need=()
# Japanese fonts for PDFs (portal/pdf/fonts.py, docs/pdf.md): documents are printed in BIZ UD明朝;
# the IPAex fonts supply the few characters it lacks.
has_font() {  # FAMILY PACKAGE: Fontconfig knows the family (without fc-list: the package is installed)
  if command -v fc-list >/dev/null 2>&1; then
    fc-list "$1" family 2>/dev/null | grep -q .
  else
    dpkg-query -W -f='${Status}' "$2" 2>/dev/null | grep -q "ok installed"
  fi
}
has_font "BIZ UDMincho" fonts-morisawa-bizud-mincho || need+=(fonts-morisawa-bizud-mincho)
has_font "IPAexMincho" fonts-ipaexfont-mincho || need+=(fonts-ipaexfont)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)                 # PDF checks
if [ "$purpose" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)                     # browser tests
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)             # broker-outage tests
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)                        # locale/ is compiled
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "The portal needs these Debian packages, which are missing: ${need[*]}" >&2
    echo "Install them as root (apt-get install ${need[*]}) and run this again." >&2
    exit 1
  fi
fi

# --- Python 3.12 -------------------------------------------------------------------------------
find_python() {
  for candidate in "${PYTHON:-}" python3.12 "$(pyenv root 2>/dev/null)/versions/"3.12*/bin/python3.12 /usr/bin/python3.12; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
  python=$(find_python) || { echo "Python 3.12 was not found. Install it (e.g. pyenv install 3.12) or set PYTHON=/path/to/python3.12." >&2; exit 1; }
  say "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi
uv_version=$(sed -n 's/^ *"uv==\([0-9.]*\)".*/\1/p' pyproject.toml)
if ! .venv/bin/uv --version 2>/dev/null | grep -q "$uv_version"; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
fi
say "Installing Python packages from uv.lock"
UV_PYTHON_DOWNLOADS=never .venv/bin/uv sync --frozen --quiet --python .venv/bin/python
