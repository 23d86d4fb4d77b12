"""Fixtures of the backup tests: a private data dir and backup folder, portal data, fresh databases."""

import hashlib
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from portal.audit.chain import chain_head_export
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from tests.factories.accounts import OrganizationFactory, UserFactory
from tests.factories.registry import AnonymizedDatasetSummaryFactory, RegisterEntryFactory

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")

TABLES = (
    "accounts_organization",
    "accounts_user",
    "files_registry_registerentry",
    "files_registry_anonymizeddatasetsummary",
    "audit_accessrecord",
    "django_migrations",
)


@pytest.fixture
def data_dir(settings, tmp_path):
    """A data dir holding what the portal keeps there, including files the backup must leave out."""
    data = tmp_path / "data"
    settings.DATA_DIR = data
    settings.PROTECTED_MEDIA_ROOT = data / "protected"
    settings.AUDIT_HEAD_EXPORT_DIR = data / "audit" / "heads"
    settings.AUDIT_ARCHIVE_DIR = data / "audit" / "archive"
    settings.AUDIT_HEAD_SYSLOG_ADDRESS = ""
    (data / "protected" / "sources" / "ab").mkdir(parents=True)
    (data / "protected" / "sources" / "ab" / "source-1.enc").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (data / "protected" / "documents").mkdir()
    (data / "protected" / "documents" / "提案書 1.pdf").write_bytes(b"%PDF-1.7 test\n" * 100)
    (data / "protected" / "empty.bin").write_bytes(b"")
    (data / "broker" / "out").mkdir(parents=True)
    (data / "broker" / "out" / "message.msg").write_bytes(b"transient")
    (data / "static").mkdir()
    (data / "static" / "site.css").write_bytes(b"body{}")
    return data


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.PORTAL_BACKUP_DIR = tmp_path / "backups"
    return settings.PORTAL_BACKUP_DIR


@pytest.fixture
def portal_data(transactional_db, data_dir):
    """Committed rows of several tables and an access-record chain whose head was exported."""
    organization = OrganizationFactory(name="統計局統計調査課")
    users = [UserFactory(organization=organization) for _ in range(3)]
    entries = [RegisterEntryFactory(organization=organization) for _ in range(2)]
    AnonymizedDatasetSummaryFactory(entry=entries[0])
    for user in users:
        access_record(actor=user, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=entries[0])
    access_record(actor=None, username="nobody", action=AccessAction.SIGN_IN_FAILED, result=AccessResult.REFUSED)
    chain_head_export()
    return {"users": users, "entries": entries}


def files_digest(data: Path) -> dict[str, str]:
    """{relative name: SHA-256} of the files a backup must carry (broker/ and static/ left out)."""
    return {
        path.relative_to(data).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data.rglob("*"))
        if path.is_file() and path.relative_to(data).parts[0] not in {"broker", "static"}
    }


def tree(path: Path) -> list[str]:
    return sorted(item.relative_to(path).as_posix() for item in path.rglob("*")) if path.exists() else []


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def postgres_url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
    return f"postgres://{settings['USER']}{password}@{host}/{name}"


@pytest.fixture
def fresh_database():
    """Creates empty PostgreSQL databases with unique names (`make()` → name) and drops them afterwards."""
    names = []

    def make() -> str:
        name = f"backup_restore_{uuid.uuid4().hex[:12]}"
        with _admin_connection() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return name

    yield make
    with _admin_connection() as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_rows(name: str, sql: str) -> list[tuple]:
    """The rows of `sql` in database `name` (None for a statement without rows), committed."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=name,
    ) as target:
        cursor = target.execute(sql)
        return cursor.fetchall() if cursor.description else None
