"""A real Celery worker, on the broker the settings choose: Redis when REDIS_URL is set (CI),
otherwise the server-less file-system broker that `make demo` uses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_check_worker_gets_an_answer_from_a_real_worker(real_broker, worker, capsys):
    call_command("check_worker", "--timeout", "60")

    assert "worker が応答しました" in capsys.readouterr().out
    assert worker.poll() is None


def test_check_worker_reports_a_missing_worker_in_japanese(real_broker):
    with pytest.raises(CommandError, match="worker が応答しませんでした"):
        call_command("check_worker", "--timeout", "1")
