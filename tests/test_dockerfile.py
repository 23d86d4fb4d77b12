"""The Dockerfile builds (docker itself is not available here): its collectstatic step is run as the
build runs it, with the image's environment and nothing from the test run, and the image's PostgreSQL
client matches the server of docker-compose.yml (seed 004 第19条: backup and restore)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
SECRETS = ("DJANGO_SECRET_KEY", "PORTAL_MASTER_KEYS", "DJANGO_ALLOWED_HOSTS")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _image_environment() -> dict[str, str]:
    environment = {}
    for instruction, arguments in _instructions():
        if instruction == "ENV":
            environment.update(word.split("=", 1) for word in shlex.split(arguments))
    return environment


def _in(tmp_path: Path, value: str) -> str:
    """An absolute path of the image, moved under tmp_path."""
    return str(tmp_path / value.lstrip("/")) if value.startswith("/") else value


def test_collectstatic_runs_with_the_build_environment_alone(tmp_path):
    (command,) = [arguments for instruction, arguments in _instructions() if "collectstatic" in arguments]
    image = _image_environment()
    environment = {name: _in(tmp_path, value) for name, value in image.items() if name != "PATH"}
    environment["PATH"] = "/usr/bin:/bin"  # nothing of this test run: no DJANGO_SETTINGS_MODULE, no DATABASE_URL
    for path in re.findall(r"(?<![\w.])/(?:tmp|var|app)/[\w./-]+", command):
        command = command.replace(path, _in(tmp_path, path))
    command = re.sub(r"\bpython manage\.py\b", f"{shlex.quote(sys.executable)} manage.py", command)

    result = subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True)  # noqa: S603

    assert result.returncode == 0, result.stderr[-3000:]
    static_root = Path(environment["PORTAL_STATIC_ROOT"])
    assert (static_root / "staticfiles.json").is_file()  # whitenoise's manifest, read at run time
    assert not (tmp_path / "tmp" / "build-data").exists()  # the throwaway data dir is not left in the image
    assert not static_root.is_relative_to(Path(environment["PORTAL_DATA_DIR"]))  # not hidden by the data volume


def test_the_build_secrets_are_throwaway_values_of_one_step():
    image = _image_environment()
    build_args = [arguments for instruction, arguments in _instructions() if instruction == "ARG"]

    assert [name for name in SECRETS if name in image or any(name in argument for argument in build_args)] == []


def test_the_image_has_the_postgresql_client_of_the_compose_server():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    server_major = re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", services["db"]["image"]).group(1)
    (argument,) = [arguments for instruction, arguments in _instructions() if arguments.startswith("POSTGRES_MAJOR=")]
    installs = " ".join(arguments for instruction, arguments in _instructions() if instruction == "RUN")

    assert argument == f"POSTGRES_MAJOR={server_major}"
    assert '"postgresql-client-${POSTGRES_MAJOR}"' in installs
    assert "apt.postgresql.org.sh -y" in installs  # bookworm itself ships an older client


def test_the_build_context_leaves_out_local_environments_and_secrets():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}

    assert {".git", ".venv", "var", "backups", ".env", ".env.*"} <= ignored
