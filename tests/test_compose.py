"""docker-compose.yml describes production: PostgreSQL, Redis, web, worker and beat from one image."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_has_the_production_services():
    services = yaml.safe_load(COMPOSE.read_text())["services"]

    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["web"]["command"].count("gunicorn portal.wsgi") == 1
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]


def test_compose_configures_the_portal_through_the_settings_variables():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    services = yaml.safe_load(COMPOSE.read_text())["services"]

    for name in ("web", "worker", "beat"):
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
        "PORTAL_MASTER_KEYS": "k:" + "A" * 43 + "=",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }

    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, env=environment, capture_output=True, text=True)  # noqa: S603

    assert result.returncode == 0, result.stderr
