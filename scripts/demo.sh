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

# One worker for everything: on SQLite there are no database roles to keep the archive apart.
.venv/bin/celery -A portal worker --beat --pool=solo --loglevel=INFO -Q celery,audit_archive \
  --schedule "$PORTAL_DATA_DIR/celerybeat-schedule" >"$PORTAL_DATA_DIR/worker.log" 2>&1 &
worker=$!
.venv/bin/python manage.py runserver --noreload "127.0.0.1:$port" &
web=$!
stop() {
  trap - INT TERM EXIT
  kill "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
  echo; echo "停止しました。"
}
trap stop INT TERM EXIT

cat <<MSG

  ポータル:       http://127.0.0.1:$port/
  管理画面:       http://127.0.0.1:$port/admin/
  Celery worker:  実行中（ログ: $PORTAL_DATA_DIR/worker.log）
  Ctrl-C で Web サーバーと worker を停止します。

MSG
# Either process ending (or Ctrl-C) stops both.
wait -n "$web" "$worker" || true
