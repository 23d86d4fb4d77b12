#!/usr/bin/env bash
# The portal's database roles (seed 004 第12条2項; docs/access-records.md "Production database roles").
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d), as POSTGRES_USER,
# a superuser that only operators use. The portal never connects as a superuser:
#   portal_owner     owns the database and its tables; only the one-shot `migrate` service logs in as it
#   portal_app       the web server, the Celery worker and beat; cannot change or delete access records
#   portal_archiver  the `archiver` worker; moves expired access records to archive files (第12条1項)
# Table privileges are granted after each migration by `python manage.py grant_database_roles`
# (deploy/postgres/grants.sql), run by the migrate service as portal_owner.
set -euo pipefail

for variable in POSTGRES_OWNER_PASSWORD POSTGRES_APP_PASSWORD POSTGRES_ARCHIVER_PASSWORD; do
  if [ -z "${!variable:-}" ]; then
    echo "10-portal-roles.sh: $variable is required" >&2
    exit 1
  fi
done

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$POSTGRES_OWNER_PASSWORD" \
  -v app_password="$POSTGRES_APP_PASSWORD" \
  -v archiver_password="$POSTGRES_ARCHIVER_PASSWORD" \
  -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE portal_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE portal_app LOGIN PASSWORD :'app_password';
CREATE ROLE portal_archiver LOGIN PASSWORD :'archiver_password';

-- The owner of the database owns its public schema (pg_database_owner) and so may create tables there.
ALTER DATABASE :"database" OWNER TO portal_owner;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO portal_owner, portal_app, portal_archiver;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
