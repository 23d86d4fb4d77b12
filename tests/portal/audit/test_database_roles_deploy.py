"""The production database set-up end to end, as docker-compose.yml runs it (seed 004 第12条2項), on a
scratch database of this PostgreSQL server: deploy/postgres/initdb/10-portal-roles.sh as the superuser,
`migrate` and `grant_database_roles` as the owner (the migrate service), then each role's
`check --deploy --database default` (the start of web, worker, archiver and beat) and its reach.

Role names get a random suffix (roles are cluster-wide); everything is dropped afterwards."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-portal-roles.sh"
ROLES = ("portal_owner", "portal_app", "portal_archiver")

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"] or shutil.which("psql") is None,
    reason="needs PostgreSQL and psql",
)


def _server() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": str(db.get("PORT") or 5432), "user": db.get("USER")}


def _admin(sql: str) -> None:
    server = _server()
    password = settings.DATABASES["default"].get("PASSWORD") or None
    with psycopg.connect(
        host=server["host"], port=server["port"], user=server["user"], password=password, dbname="postgres"
    ) as connection:
        connection.autocommit = True
        connection.execute(sql)


class Deployment:
    def __init__(self, tmp_path: Path):
        suffix = secrets.token_hex(4)
        self.database = f"portal_roles_{suffix}"
        self.roles = {role: f"{role}_{suffix}" for role in ROLES}
        self.passwords = {role: secrets.token_hex(16) for role in ROLES}
        self.data_dir = tmp_path / "data"

    def url(self, role: str) -> str:
        server = _server()
        user, password = self.roles[role], self.passwords[role]
        return f"postgres://{user}:{password}@{server['host']}:{server['port']}/{self.database}"

    def init_script(self) -> subprocess.CompletedProcess:
        script = INIT_SCRIPT.read_text()
        for role, unique in self.roles.items():
            script = re.sub(rf"\b{role}\b", unique, script)
        server = _server()
        environment = {
            **os.environ,
            "PGHOST": server["host"],
            "PGPORT": server["port"],
            "PGPASSWORD": settings.DATABASES["default"].get("PASSWORD") or "",
            "POSTGRES_USER": server["user"],
            "POSTGRES_DB": self.database,
            "POSTGRES_OWNER_PASSWORD": self.passwords["portal_owner"],
            "POSTGRES_APP_PASSWORD": self.passwords["portal_app"],
            "POSTGRES_ARCHIVER_PASSWORD": self.passwords["portal_archiver"],
        }
        return subprocess.run(["/bin/bash", "-c", script], env=environment, capture_output=True, text=True)  # noqa: S603

    def manage(self, role: str, *arguments: str) -> subprocess.CompletedProcess:
        # as a deployed process starts: not with what earlier tests of this run put into os.environ
        # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses)
        inherited = {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        environment = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "portal.settings_test",
            "DATABASE_URL": self.url(role),
            "PORTAL_DATA_DIR": str(self.data_dir),
        }
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
        )

    def psql(self, role: str, sql: str) -> subprocess.CompletedProcess:
        command = ["psql", "-X", "-v", "ON_ERROR_STOP=1", self.url(role), "-c", sql]
        return subprocess.run(command, capture_output=True, text=True)  # noqa: S603


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("roles"))
    _admin(f"CREATE DATABASE {deployment.database}")
    try:
        initialised = deployment.init_script()
        assert initialised.returncode == 0, initialised.stderr
        migrated = deployment.manage("portal_owner", "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        granted = deployment.manage(
            "portal_owner",
            "grant_database_roles",
            "--app-role",
            deployment.roles["portal_app"],
            "--archiver-role",
            deployment.roles["portal_archiver"],
        )
        assert granted.returncode == 0, granted.stderr
        yield deployment
    finally:
        _admin(f"DROP DATABASE IF EXISTS {deployment.database} WITH (FORCE)")
        for role in deployment.roles.values():
            _admin(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.parametrize("role", ["portal_app", "portal_archiver"])
def test_the_app_and_archiver_roles_pass_the_deploy_check(deployment, role):
    result = deployment.manage(role, "check", "--deploy", "--database", "default")

    assert result.returncode == 0, result.stderr
    assert "portal.E001" not in result.stdout + result.stderr


def test_the_owner_fails_the_deploy_check(deployment):
    result = deployment.manage("portal_owner", "check", "--deploy", "--database", "default")

    assert result.returncode == 1
    assert (
        f"(portal.E001) Database 'default': the role {deployment.roles['portal_owner']} owns audit_accessrecord"
        in result.stderr
    )


def test_the_app_role_works_but_cannot_remove_records_or_change_the_schema(deployment):
    exported = deployment.manage("portal_app", "export_access_chain_head")

    assert exported.returncode == 0, exported.stderr
    assert (
        "permission denied for table audit_accessrecord"
        in deployment.psql("portal_app", "DELETE FROM audit_accessrecord").stderr
    )
    assert (
        "permission denied for function audit_access_records_purge"
        in deployment.psql("portal_app", "SELECT audit_access_records_purge(1)").stderr
    )
    assert "permission denied for schema public" in deployment.psql("portal_app", "CREATE TABLE x (a int)").stderr


def test_the_archiver_runs_the_archive_and_reaches_nothing_else(deployment):
    archived = deployment.manage("portal_archiver", "archive_access_records")

    assert archived.returncode == 0, archived.stderr
    assert (
        "permission denied for table accounts_user"
        in deployment.psql("portal_archiver", "SELECT count(*) FROM accounts_user").stderr
    )
