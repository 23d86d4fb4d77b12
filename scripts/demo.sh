#!/usr/bin/env bash
# Runs the portal with demo data on the embedded default: SQLite and a Celery worker on a
# server-less (file system) broker. Ctrl-C stops the web server and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
export PORTAL_DATA_DIR="${PORTAL_DATA_DIR:-$PWD/var}"
port="${PORT:-8000}"
mkdir -p "$PORTAL_DATA_DIR/broker/queue" "$PORTAL_DATA_DIR/broker/processed"

.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo

.venv/bin/celery -A portal worker --beat --pool=solo --loglevel=INFO \
  --schedule "$PORTAL_DATA_DIR/celerybeat-schedule" >"$PORTAL_DATA_DIR/worker.log" 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null; echo; echo "停止しました。"' EXIT INT TERM

cat <<MSG

  ポータル:       http://127.0.0.1:$port/
  管理画面:       http://127.0.0.1:$port/admin/
  Celery worker:  実行中（ログ: $PORTAL_DATA_DIR/worker.log）
  Ctrl-C で Web サーバーと worker を停止します。

MSG
.venv/bin/python manage.py runserver "127.0.0.1:$port"
