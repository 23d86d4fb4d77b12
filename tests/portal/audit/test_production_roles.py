"""The production role setup of docs/access-records.md, run as written (PostgreSQL; rolled back).

The app role cannot change, delete or purge access records; the archiver role can archive.
"""

import re
import secrets
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit.archive import access_records_archive
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessArchive, AccessRecord
from portal.audit.services import access_record
from tests.factories.accounts import UserFactory
from tests.portal.audit.conftest import postgresql_only

pytestmark = [pytest.mark.django_db, postgresql_only]

DOCS = Path(__file__).resolve().parents[3] / "docs" / "access-records.md"


def _documented_grants() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Production database roles") :]
    sql = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    sql = re.sub(r"--[^\n]*", "", sql)
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


@pytest.fixture
def roles():
    """The documented roles under unique names (roles are cluster-wide), created in the test transaction."""
    suffix = secrets.token_hex(4)
    names = {name: f"{name}_{suffix}" for name in ("portal_owner", "portal_app", "portal_archiver")}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in _documented_grants():
            statement = statement.replace("LOGIN PASSWORD '…'", "NOLOGIN")
            for name, unique in names.items():
                statement = re.sub(rf"\b{name}\b", unique, statement)
            cursor.execute(statement)
    yield names
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def _as(role: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_documented_grants_let_the_app_append_and_nothing_more(roles, make_records):
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


def test_the_documented_grants_let_the_archiver_archive(roles, make_records, clock, settings):
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
