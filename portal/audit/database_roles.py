"""The database roles that keep access records append-only for the portal (seed 004 第12条2項).

Production connects the web server, the worker and beat as an app role that may append access records
but never change or delete them, the archive worker as an archiver role, and migrations as the owner
(deploy/postgres/, docs/access-records.md). This module applies the table privileges after a migration
and tells whether a connection is one that could rewrite the records. PostgreSQL only.
"""

from pathlib import Path

from django.conf import settings
from django.db import connections

GRANTS_FILE = Path(settings.BASE_DIR) / "deploy" / "postgres" / "grants.sql"
PROTECTED_TABLES = ("audit_accessrecord", "audit_accessarchive")
APP_ROLE = "portal_app"
ARCHIVER_ROLE = "portal_archiver"


def database_roles_grant(*, app_role: str = APP_ROLE, archiver_role: str = ARCHIVER_ROLE, using: str = "default"):
    """Apply deploy/postgres/grants.sql for the two roles on the `using` connection (its owner role).

    Side effect: GRANT/REVOKE statements, in one transaction. Raises ValueError on a database other
    than PostgreSQL; a missing role or a connection that does not own the tables raises DatabaseError.
    """
    from psycopg import sql

    connection = connections[using]
    if connection.vendor != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    connection.ensure_connection()
    statements = sql.SQL(GRANTS_FILE.read_text(encoding="utf-8")).format(
        app_role=sql.Identifier(app_role), archiver_role=sql.Identifier(archiver_role)
    )
    with connection.cursor() as cursor:
        cursor.execute(statements.as_string(connection.connection))


def connection_privilege_problems(using: str = "default") -> list[str]:
    """Why the `using` connection could rewrite the access records; [] when it cannot (or on SQLite).

    Checked: a superuser role, membership of the tables' owner role (it could SET ROLE to it), any of
    UPDATE, DELETE or TRUNCATE on the records or their archive checkpoints (column UPDATE of actor_id,
    Django's SET_NULL, is not a table privilege and passes), and a disabled append-only trigger.
    Tables that do not exist yet (before the first migration) are skipped.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        if superuser:
            return [f"the role {role} is a superuser: it can switch off the triggers that protect the access records"]
        for table in PROTECTED_TABLES:
            cursor.execute(
                "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'MEMBER'),"
                " has_table_privilege(current_user, oid, 'UPDATE'),"
                " has_table_privilege(current_user, oid, 'DELETE'),"
                " has_table_privilege(current_user, oid, 'TRUNCATE'),"
                " (SELECT count(*) FROM pg_trigger WHERE tgrelid = pg_class.oid AND NOT tgisinternal"
                "  AND tgname LIKE 'audit\\_%%' AND tgenabled = 'D')"
                " FROM pg_class WHERE oid = to_regclass(%s)",
                [table],
            )
            row = cursor.fetchone()
            if row is None:
                continue
            owner, member_of_owner, *privileges, disabled_triggers = row
            if member_of_owner:
                problems.append(f"the role {role} owns {table} or is a member of its owner {owner}")
            granted = [name for name, held in zip(("UPDATE", "DELETE", "TRUNCATE"), privileges, strict=True) if held]
            if granted and not member_of_owner:
                problems.append(f"the role {role} holds {', '.join(granted)} on {table}")
            if disabled_triggers:
                problems.append(f"an append-only trigger of {table} is disabled")
    return problems
