"""Plaintext spool files of large uploads (seed 004 第17条): in a private folder of the data dir, swept of
what a crash left when the web server starts, and never copied into a backup. The worker's sweep at start
is tested with a real worker in tests/anonymizer/test_worker_start.py."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from portal.backup.files import data_files
from portal.upload_temp import upload_temp_sweep

ROOT = Path(__file__).resolve().parents[2]


def _spool(folder: Path, name: str, *, age: float) -> Path:
    path = folder / name
    path.write_text("氏名,住所\n")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_uploads_spool_into_a_private_folder_of_the_data_dir():
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)

    assert folder.is_relative_to(settings.DATA_DIR)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_sweep_removes_spools_older_than_the_longest_upload_only(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.UPLOAD_TEMP_MAX_AGE_SECONDS = 3600
    old = _spool(tmp_path, "old.upload.csv", age=3601)
    running = _spool(tmp_path, "running.upload.csv", age=3000)

    assert upload_temp_sweep() == 1
    assert (old.exists(), running.exists()) == (False, True)


def test_the_sweep_of_a_missing_folder_removes_nothing(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "gone")

    assert upload_temp_sweep() == 0


def test_the_web_server_sweeps_at_start(tmp_path):
    data_dir = tmp_path / "data"
    folder = data_dir / "tmp" / "uploads"
    folder.mkdir(parents=True)
    old = _spool(folder, "old.upload.csv", age=7 * 3600)
    running = _spool(folder, "running.upload.csv", age=60)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "PORTAL_DATA_DIR": str(data_dir),
        "UPLOAD_TEMP_MAX_AGE_SECONDS": str(6 * 3600),
    }

    result = subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "uploads: swept 1 temporary upload file(s) left over at web start" in result.stderr
    assert (old.exists(), running.exists()) == (False, True)


def test_a_backup_never_carries_upload_spools_or_work_copies(tmp_path):
    for name in ("tmp/uploads/a.upload.csv", "work/job-1-1/source.csv", "protected/kept.bin"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")

    assert data_files(tmp_path, excluded=set()) == ["protected/kept.bin"]
