"""The database role the app uses cannot change or remove access records (seed 004 第12条2項)."""

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit.chain import CANONICAL_FIELDS
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessArchive, AccessRecord, AccessRecordProtected
from portal.audit.services import access_record
from tests.factories.accounts import UserFactory
from tests.portal.audit.conftest import postgresql_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(make_records):
    return make_records(1)[0]


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_orm_update_of_a_record_is_refused(record):
    with pytest.raises(AccessRecordProtected):
        AccessRecord.objects.filter(pk=record.pk).update(object_repr="書き換え")
    record.object_repr = "書き換え"
    with pytest.raises(AccessRecordProtected):
        record.save()
    with pytest.raises(AccessRecordProtected):
        AccessRecord.objects.bulk_update([record], ["object_repr"])

    assert AccessRecord.objects.get().object_repr == ""


def test_orm_delete_of_a_record_is_refused(record):
    with pytest.raises(AccessRecordProtected):
        AccessRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(AccessRecordProtected):
        record.delete()

    assert AccessRecord.objects.count() == 1


def test_records_are_not_created_around_the_chain():
    with pytest.raises(AccessRecordProtected):
        AccessRecord.objects.create(position=1, occurred_at="2026-01-01T00:00:00Z", action="view", hash="0" * 64)
    with pytest.raises(AccessRecordProtected):
        AccessRecord.objects.bulk_create([AccessRecord(position=1, hash="0" * 64)])

    assert AccessRecord.objects.count() == 0


_UPDATES = [
    ("position", 99),
    ("occurred_at", "2020-01-01 00:00:00"),
    ("actor_user_id", 42),
    ("actor_username", "x"),
    ("actor_name", "x"),
    ("action", "delete"),
    ("result", "refused"),
    ("object_type", "x"),
    ("object_id", "x"),
    ("object_repr", "x"),
    ("ip_address", "192.0.2.1"),
    ("user_agent", "x"),
    ("request_path", "/x"),
    ("detail", '{"rows": 1}'),
    ("hash", "f" * 64),
]


@pytest.mark.parametrize(("column", "value"), _UPDATES)
def test_raw_sql_update_of_any_column_is_refused(record, column, value):
    with pytest.raises(DatabaseError):
        _raw(f"UPDATE audit_accessrecord SET {column} = %s WHERE position = %s", [value, record.position])  # noqa: S608


def test_every_hashed_column_is_covered_by_the_update_refusal():
    covered = {column for column, _ in _UPDATES}

    assert covered == {field.column for field in AccessRecord._meta.concrete_fields} - {"actor_id"}
    assert covered == {*CANONICAL_FIELDS, "hash"}


@postgresql_only
def test_raw_sql_delete_is_refused(record):
    with pytest.raises(DatabaseError, match="アクセス記録は変更・削除できません"):
        _raw("DELETE FROM audit_accessrecord WHERE position = %s", [record.position])

    assert AccessRecord.objects.count() == 1


@postgresql_only
def test_raw_sql_delete_is_refused_even_with_the_purge_setting_for_another_role(record):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: TRUNCATE would refuse for that
        cursor.execute("CREATE ROLE audit_test_app NOLOGIN")
        cursor.execute("GRANT SELECT, DELETE, TRUNCATE ON audit_accessrecord TO audit_test_app")
        cursor.execute("SET LOCAL ROLE audit_test_app")
        cursor.execute("SELECT set_config('portal_audit.purge_through', '999', true)")
        with pytest.raises(DatabaseError, match="アクセス記録は変更・削除できません"), transaction.atomic():
            cursor.execute("DELETE FROM audit_accessrecord")
        with pytest.raises(DatabaseError, match="アクセス記録は変更・削除できません"), transaction.atomic():
            cursor.execute("TRUNCATE audit_accessrecord")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("SELECT audit_access_records_purge(1)")
        cursor.execute("RESET ROLE")

    assert AccessRecord.objects.count() == 1


@postgresql_only
def test_the_purge_function_deletes_nothing_without_a_matching_archive(record):
    with pytest.raises(DatabaseError, match="no access-record archive ends at position 1"):
        _raw("SELECT audit_access_records_purge(%s)", [record.position])

    assert AccessRecord.objects.count() == 1


def test_archive_checkpoints_cannot_be_changed(record):
    archive = AccessArchive(
        first_position=1,
        last_position=1,
        previous_hash="0" * 64,
        last_hash=record.hash,
        record_count=1,
        oldest_at=record.occurred_at,
        newest_at=record.occurred_at,
        file_name="f",
        file_sha256="0" * 64,
        created_at=record.occurred_at,
    )
    archive._chain_sealed = True
    archive.save()

    with pytest.raises(AccessRecordProtected):
        archive.delete()
    with pytest.raises(DatabaseError):
        _raw("UPDATE audit_accessarchive SET last_hash = %s", ["f" * 64])


def test_deleting_a_user_only_clears_the_link(record):
    user = UserFactory()
    user_id = user.pk
    access_record(actor=user, action=AccessAction.SIGN_IN, result=AccessResult.SUCCESS)

    user.delete()

    assert list(AccessRecord.objects.order_by("position").values_list("actor_id", "actor_user_id")) == [
        (None, None),
        (None, user_id),
    ]
