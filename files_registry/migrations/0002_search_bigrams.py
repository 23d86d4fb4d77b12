"""PostgreSQL only: a GIN index of character bigrams that narrows Japanese substring search.

See files_registry/search.py. The column is kept by a trigger from search_text, so no Python
code writes it and SQLite (which scans search_text) needs nothing.
"""

from django.db import migrations

from portal.migration_operations import RunSQLOnPostgreSQL

FORWARD = r"""
CREATE OR REPLACE FUNCTION files_registry_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(t, i, 2))), ''::tsvector)
    FROM generate_series(1, length(t) - 1) AS i
$$;

CREATE OR REPLACE FUNCTION files_registry_registerentry_bigrams() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_bigrams := files_registry_bigrams(NEW.search_text);
    RETURN NEW;
END
$$;

ALTER TABLE files_registry_registerentry ADD COLUMN search_bigrams tsvector;
UPDATE files_registry_registerentry SET search_bigrams = files_registry_bigrams(search_text);

CREATE TRIGGER files_registry_registerentry_bigrams
BEFORE INSERT OR UPDATE OF search_text ON files_registry_registerentry
FOR EACH ROW EXECUTE FUNCTION files_registry_registerentry_bigrams();

CREATE INDEX registerentry_search_bigrams ON files_registry_registerentry USING gin (search_bigrams);
"""

BACKWARD = r"""
DROP INDEX IF EXISTS registerentry_search_bigrams;
DROP TRIGGER IF EXISTS files_registry_registerentry_bigrams ON files_registry_registerentry;
ALTER TABLE files_registry_registerentry DROP COLUMN IF EXISTS search_bigrams;
DROP FUNCTION IF EXISTS files_registry_registerentry_bigrams();
DROP FUNCTION IF EXISTS files_registry_bigrams(text);
"""


class Migration(migrations.Migration):
    dependencies = [("files_registry", "0001_initial")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
