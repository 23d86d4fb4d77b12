"""Fixtures of the access-record tests: private export and archive folders, a movable clock, tampering."""

import datetime

import pytest
from django.db import connection

from portal.audit import services
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import JST, access_record

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.fixture(autouse=True)
def audit_folders(settings, tmp_path):
    settings.AUDIT_HEAD_EXPORT_DIR = tmp_path / "heads"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    settings.AUDIT_HEAD_SYSLOG_ADDRESS = ""
    return tmp_path


class Clock:
    """The server clock of access_record(), set to a Japan-time moment and moved by hand."""

    def __init__(self):
        self.now = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=JST)  # a Wednesday, 10:00

    def set(self, *args) -> datetime.datetime:
        self.now = datetime.datetime(*args, tzinfo=JST)
        return self.now

    def advance(self, **delta) -> datetime.datetime:
        self.now += datetime.timedelta(**delta)
        return self.now

    def __call__(self) -> datetime.datetime:
        return self.now.astimezone(datetime.UTC)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(services, "server_now", clock)
    return clock


@pytest.fixture
def make_records(db):
    def make(count: int, *, actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, **kwargs):
        return [access_record(actor=actor, action=action, result=result, **kwargs) for _ in range(count)]

    return make


@pytest.fixture
def tamper(db):
    """Run raw SQL as an attacker who got past the protections (rolled back with the test).

    PostgreSQL: the table owner switches the triggers off; SQLite: the UPDATE trigger is dropped.
    """

    def run(sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses with FK checks pending
                cursor.execute("ALTER TABLE audit_accessrecord DISABLE TRIGGER USER")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS audit_accessrecord_append_only")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_accessrecord ENABLE TRIGGER USER")

    return run
