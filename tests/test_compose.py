"""docker-compose.yml describes production: PostgreSQL with the portal's three roles, Redis, a syslog
receiver for the chain heads, a one-shot migration, web, worker, the archive worker and beat from one
image (seed 004 第12条: the app connects as a role that cannot change or delete access records)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-portal-roles.sh"
PORTAL_SERVICES = ("migrate", "web", "worker", "archiver", "beat")
RUNNING_SERVICES = ("web", "worker", "archiver", "beat")
DEPLOY_CHECK = "python manage.py check --deploy --database default &&"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _command(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def _database_user(service: dict) -> str:
    return re.fullmatch(r"postgres://(\w+):\$\{\w+:\?[^}]*\}@db:5432/portal", service["environment"]["DATABASE_URL"])[1]


def _mounts(service: dict) -> dict[str, str]:
    """{container path: "source" or "source:mode"} of a service's volumes."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, mode = re.fullmatch(r"(\$\{[^}]*\}|[^:]+):([^:]+)(?::(ro|rw))?", volume).groups()
        mounts[target] = f"{source}:{mode}" if mode else source
    return mounts


def test_compose_has_the_production_services(services):
    assert set(services) == {"db", "redis", "syslog", "migrate", "web", "worker", "archiver", "beat"}
    assert _command(services["web"]).count("exec gunicorn portal.wsgi") == 1
    assert "exec celery -A portal worker -Q celery " in _command(services["worker"])
    assert f"exec celery -A portal worker -Q {settings.AUDIT_ARCHIVE_QUEUE} " in _command(services["archiver"])
    assert "exec celery -A portal beat " in _command(services["beat"])


def test_each_portal_service_connects_as_its_own_role_never_the_superuser(services):
    roles = {name: _database_user(services[name]) for name in PORTAL_SERVICES}

    assert roles == {
        "migrate": "portal_owner",
        "web": "portal_app",
        "worker": "portal_app",
        "archiver": "portal_archiver",
        "beat": "portal_app",
    }
    assert services["db"]["environment"]["POSTGRES_USER"] not in roles.values()


def test_the_database_creates_the_three_roles_with_the_passwords_compose_gives(services):
    db = services["db"]
    script = INIT_SCRIPT.read_text()

    assert _mounts(db)["/docker-entrypoint-initdb.d"] == "./deploy/postgres/initdb:ro"
    assert re.findall(r"CREATE ROLE (\w+) LOGIN PASSWORD :'(\w+)_password'", script) == [
        ("portal_owner", "owner"),
        ("portal_app", "app"),
        ("portal_archiver", "archiver"),
    ]
    for variable in ("POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD", "POSTGRES_ARCHIVER_PASSWORD"):
        assert db["environment"][variable] == f"${{{variable}:?set {variable}}}"
        assert f'-v {variable.removeprefix("POSTGRES_").lower()}="${variable}"' in script
    assert 'ALTER DATABASE :"database" OWNER TO portal_owner;' in script


def test_migrations_and_grants_run_once_as_the_owner_before_the_portal_starts(services):
    migrate = services["migrate"]

    assert _command(migrate) == ("sh -c python manage.py migrate --noinput && python manage.py grant_database_roles")
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    for name in RUNNING_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate --noinput" not in _command(services[name])


def test_every_running_service_refuses_to_start_on_a_role_that_could_rewrite_records(services):
    for name in RUNNING_SERVICES:
        assert _command(services[name]).startswith(f"sh -c {DEPLOY_CHECK} exec "), name


def test_the_archives_are_written_by_the_archiver_alone(services):
    archive = "/var/lib/portal/audit/archive"

    assert {name: _mounts(services[name])[archive] for name in PORTAL_SERVICES} == {
        "migrate": "audit-archive",  # restore writes them back
        "web": "audit-archive:ro",
        "worker": "audit-archive:ro",
        "archiver": "audit-archive",
        "beat": "audit-archive:ro",
    }


def test_the_chain_heads_go_to_a_syslog_volume_no_portal_service_mounts(services):
    syslog = services["syslog"]
    config = (ROOT / "deploy" / "syslog-ng" / "syslog-ng.conf").read_text()

    assert _mounts(syslog)["/var/log/portal"] == "audit-heads"
    assert _mounts(syslog)["/etc/syslog-ng/syslog-ng.conf"] == "./deploy/syslog-ng/syslog-ng.conf:ro"
    assert 'file("/var/log/portal/access-chain-heads.jsonl" template("${MESSAGE}\\n"))' in config
    assert 'program("portal-access-chain-head")' in config
    for name in PORTAL_SERVICES:
        assert services[name]["environment"]["AUDIT_HEAD_SYSLOG_ADDRESS"] == "syslog:514"
        assert "audit-heads" not in " ".join(services[name]["volumes"])


def test_the_breached_password_mirror_is_mounted_read_only(services):
    for name in PORTAL_SERVICES:
        directory = services[name]["environment"]["PASSWORD_BREACHED_HASHES_DIR"]
        assert _mounts(services[name])[directory] == "${PASSWORD_BREACHED_HASHES_HOST_DIR:-./pwned-passwords}:ro"


def test_compose_configures_the_portal_through_the_settings_variables(services):
    settings_source = (ROOT / "portal" / "settings.py").read_text()

    for name in PORTAL_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        for variable in environment:
            assert f'"{variable}"' in settings_source, variable


def _compose_command() -> list[str] | None:
    if compose := shutil.which("docker-compose"):
        return [compose]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:  # noqa: S603
        return [docker, "compose"]
    return None


def test_compose_cli_accepts_the_file():
    command = _compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")
    environment = {
        "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "portal.example.go.jp",
        "POSTGRES_PASSWORD": "p",
        "POSTGRES_OWNER_PASSWORD": "o",
        "POSTGRES_APP_PASSWORD": "a",
        "POSTGRES_ARCHIVER_PASSWORD": "r",
        "PORTAL_MASTER_KEYS": "k:" + "A" * 43 + "=",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }

    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=environment, capture_output=True, text=True)  # noqa: S603

    assert result.returncode == 0, result.stderr
