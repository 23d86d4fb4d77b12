#!/usr/bin/env bash
# Runs the whole test suite. PostgreSQL and Redis are used when DATABASE_URL and REDIS_URL are
# set, SQLite (and no Redis) otherwise. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
