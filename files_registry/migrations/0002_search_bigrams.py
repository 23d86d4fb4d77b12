"""PostgreSQL only: a GIN index of character bigrams that narrows Japanese substring search.

See files_registry/search.py. The index is on an expression of search_text, so the table holds
no extra column (a stored tsvector doubled the row size and pushed the table out of cache), and
SQLite, which simply scans search_text, needs nothing.
"""

from django.db import migrations

from portal.migration_operations import RunSQLOnPostgreSQL

FORWARD = r"""
CREATE OR REPLACE FUNCTION files_registry_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(t, i, 2))), ''::tsvector)
    FROM generate_series(1, length(t) - 1) AS i
$$;

CREATE INDEX registerentry_search_bigrams ON files_registry_registerentry
USING gin (files_registry_bigrams(search_text));
"""

BACKWARD = r"""
DROP INDEX IF EXISTS registerentry_search_bigrams;
DROP FUNCTION IF EXISTS files_registry_bigrams(text);
"""


class Migration(migrations.Migration):
    dependencies = [("files_registry", "0001_initial")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
