"""Migration operations that only the embedded SQLite runs (PostgreSQL: portal.migration_operations)."""

from django.db import migrations


class RunSQLOnSQLite(migrations.RunSQL):
    """RunSQL that SQLite runs and PostgreSQL skips."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
