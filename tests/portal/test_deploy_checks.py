"""`manage.py check --deploy` names the security set-up production lacks (portal/checks.py): chain heads
only inside the data dir (seed 004 第12条2項), no breached-password mirror (第11条2項). The database role
check (portal.E001) is tested on PostgreSQL in tests/portal/audit/test_production_roles.py."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error, Warning

from portal.checks import check_breached_password_mirror, check_chain_head_export

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings, tmp_path):
    settings.HTTPS = True
    settings.DATA_DIR = tmp_path / "data"
    settings.AUDIT_HEAD_EXPORT_DIR = tmp_path / "data" / "audit" / "heads"
    settings.AUDIT_HEAD_SYSLOG_ADDRESS = ""
    settings.PASSWORD_BREACHED_HASHES_DIR = ""
    return settings


def _ids(messages) -> list[tuple[type, str]]:
    return [(type(message), message.id) for message in messages]


def test_heads_only_inside_the_data_dir_warn(production):
    assert _ids(check_chain_head_export()) == [(Warning, "portal.W002")]


@pytest.mark.parametrize(
    "change",
    [
        {"AUDIT_HEAD_SYSLOG_ADDRESS": "syslog:514"},
        {"AUDIT_HEAD_EXPORT_DIR": Path("/srv/worm/heads")},
    ],
)
def test_heads_sent_to_syslog_or_kept_outside_the_data_dir_pass(production, change):
    for name, value in change.items():
        setattr(production, name, value)

    assert check_chain_head_export() == []


def test_production_without_the_breached_password_mirror_warns(production):
    assert _ids(check_breached_password_mirror()) == [(Warning, "portal.W003")]


def test_a_run_without_https_needs_no_mirror(production):
    production.HTTPS = False

    assert check_breached_password_mirror() == []


def test_a_mirror_that_is_not_a_folder_is_an_error(production, tmp_path):
    production.PASSWORD_BREACHED_HASHES_DIR = str(tmp_path / "not-mounted")

    assert _ids(check_breached_password_mirror()) == [(Error, "portal.E004")]


def test_an_empty_mirror_warns(production, tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "README").write_text("not a prefix file")
    production.PASSWORD_BREACHED_HASHES_DIR = str(tmp_path / "mirror")

    assert _ids(check_breached_password_mirror()) == [(Warning, "portal.W005")]


def test_a_mirror_with_prefix_files_passes(production, tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "00000.txt").write_text("0005AD76BD555C1D6D771DE417A4B87E4B4:10\n")
    production.PASSWORD_BREACHED_HASHES_DIR = str(tmp_path / "mirror")

    assert check_breached_password_mirror() == []


def _check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    """`check --deploy --fail-level WARNING` with production settings (as .ci/run), on a scratch data dir."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": base64.b64encode(os.urandom(45)).decode(),
        "DJANGO_ALLOWED_HOSTS": "portal.example.go.jp",
        "PORTAL_HTTPS": "true",
        "PORTAL_DATA_DIR": str(tmp_path / "data"),
        "PORTAL_MASTER_KEYS": "ci:" + base64.b64encode(os.urandom(32)).decode(),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_check_deploy_fails_production_settings_without_syslog_and_mirror(tmp_path):
    result = _check_deploy(tmp_path)

    assert result.returncode == 1
    assert "(portal.W002)" in result.stderr
    assert "(portal.W003)" in result.stderr


def test_check_deploy_passes_production_settings_with_syslog_and_mirror(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "00000.txt").write_text("")

    result = _check_deploy(
        tmp_path, AUDIT_HEAD_SYSLOG_ADDRESS="127.0.0.1:514", PASSWORD_BREACHED_HASHES_DIR=str(mirror)
    )

    assert result.returncode == 0, result.stderr
