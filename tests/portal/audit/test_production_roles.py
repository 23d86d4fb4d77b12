"""The production roles (deploy/postgres/grants.sql, applied by `grant_database_roles`), run as shipped
(PostgreSQL; rolled back). The app role cannot change, delete or purge access records; the archiver role
can archive; the deployment check refuses any connection that could rewrite the records.
"""

import secrets

import pytest
from django.core.checks import Error
from django.db import DatabaseError, connection, transaction

from portal.audit.archive import access_records_archive
from portal.audit.database_roles import database_roles_grant
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessArchive, AccessRecord
from portal.audit.services import access_record
from portal.checks import check_database_role
from tests.factories.accounts import UserFactory
from tests.portal.audit.conftest import postgresql_only

pytestmark = [pytest.mark.django_db, postgresql_only]


@pytest.fixture
def roles():
    """The app and archiver roles under unique names (roles are cluster-wide), created and granted with
    deploy/postgres/grants.sql in the test transaction; the test's own role owns the tables."""
    suffix = secrets.token_hex(4)
    names = {"portal_app": f"portal_app_{suffix}", "portal_archiver": f"portal_archiver_{suffix}"}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in names.values():
            cursor.execute(f"CREATE ROLE {name} NOLOGIN")
    database_roles_grant(app_role=names["portal_app"], archiver_role=names["portal_archiver"])
    yield names
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def _as(role: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_grants_let_the_app_append_and_nothing_more(roles, make_records):
    user = UserFactory()
    make_records(1)
    _as(roles["portal_app"])

    record = access_record(actor=user, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
    for sql in (
        "UPDATE audit_accessrecord SET object_repr = 'x'",
        "DELETE FROM audit_accessrecord",
        "TRUNCATE audit_accessrecord",
        "SELECT audit_access_records_purge(1)",
        "INSERT INTO audit_accessarchive (first_position, last_position, previous_hash, last_hash, record_count,"
        " oldest_at, newest_at, file_name, file_sha256, created_at)"
        " VALUES (1, 1, '', '', 1, now(), now(), '', '', now())",
        "ALTER TABLE audit_accessrecord DISABLE TRIGGER USER",
    ):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
            _raw(sql)
    user.delete()  # SET_NULL through the column grant

    assert record.position == 2
    assert list(AccessRecord.objects.order_by("position").values_list("actor_id", flat=True)) == [None, None]


def test_the_grants_let_the_archiver_archive(roles, make_records, clock, settings):
    settings.AUDIT_RETENTION_DAYS = 366
    clock.set(2020, 4, 1, 9, 0)
    make_records(3)
    clock.set(2026, 6, 1, 9, 0)
    make_records(1)
    _as(roles["portal_archiver"])

    archive = access_records_archive(now=clock())

    assert (archive.first_position, archive.last_position) == (1, 3)
    assert list(AccessRecord.objects.order_by("position").values_list("position", flat=True)) == [4, 5]
    assert AccessArchive.objects.count() == 1
    with pytest.raises(DatabaseError, match="permission denied"):
        _raw("DELETE FROM audit_accessrecord WHERE position = 4")


def _problems() -> list[str]:
    errors = check_database_role(databases=["default"])
    assert all(isinstance(error, Error) and error.id == "portal.E001" for error in errors)
    return [error.msg for error in errors]


def test_the_deploy_check_passes_the_app_and_the_archiver_roles(roles):
    _as(roles["portal_app"])
    assert _problems() == []
    _as(roles["portal_archiver"])
    assert _problems() == []


def test_the_deploy_check_runs_only_for_the_databases_it_is_given(roles):
    # `check --deploy` without --database (CI, a build) does not touch the database, as Django's own checks.
    assert check_database_role(databases=None) == []


def test_the_deploy_check_refuses_a_superuser():
    # The test's own connection is the superuser that created the test database.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (superuser,) = cursor.fetchone()

    assert _problems() == [
        f"Database 'default': the role {superuser} is a superuser: it can switch off the triggers that protect "
        "the access records."
    ]


def test_the_deploy_check_refuses_the_owner_and_its_members(roles):
    suffix = secrets.token_hex(4)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE owner_{suffix} NOLOGIN")
        cursor.execute(f"ALTER TABLE audit_accessrecord OWNER TO owner_{suffix}")
        cursor.execute(f"GRANT owner_{suffix} TO {roles['portal_app']}")
    _as(roles["portal_app"])

    assert _problems() == [
        f"Database 'default': the role {roles['portal_app']} owns audit_accessrecord or is a member of its owner "
        f"owner_{suffix}."
    ]


@pytest.mark.parametrize("privilege", ["UPDATE", "DELETE", "TRUNCATE"])
def test_the_deploy_check_refuses_an_app_role_that_may_change_records(roles, privilege):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT {privilege} ON audit_accessarchive TO {roles['portal_app']}")
    _as(roles["portal_app"])

    assert _problems() == [
        f"Database 'default': the role {roles['portal_app']} holds {privilege} on audit_accessarchive."
    ]


def test_the_deploy_check_refuses_a_disabled_trigger(roles):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accessrecord DISABLE TRIGGER audit_accessrecord_append_only")
    _as(roles["portal_app"])

    assert _problems() == ["Database 'default': an append-only trigger of audit_accessrecord is disabled."]
