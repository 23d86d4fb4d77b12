"""The temporary files of large uploads (seed 004 第17条: temporary copies removed once not needed).

Django spools an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a plaintext file in FILE_UPLOAD_TEMP_DIR and
removes it when the request ends. A process killed mid-request leaves it behind: the web server and the
workers sweep the folder when they start (portal/wsgi.py, portal/celery.py).
"""

import logging
import time
from pathlib import Path

from django.conf import settings

from portal.sweeps import sweep_record

logger = logging.getLogger(__name__)


def upload_temp_sweep(*, now: float | None = None) -> int:
    """Remove the files in FILE_UPLOAD_TEMP_DIR older than UPLOAD_TEMP_MAX_AGE_SECONDS; returns how many.

    Younger files may belong to an upload still running in another process and are left alone.
    """
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = (time.time() if now is None else now) - settings.UPLOAD_TEMP_MAX_AGE_SECONDS
    removed = 0
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # the request that owned it ended meanwhile
            continue
    return removed


def upload_temp_sweep_at_start(process: str) -> None:
    """Sweep at a process start ("web" or "worker"); a sweep that removed something is recorded
    (portal.sweeps). A failure of either is logged and never keeps the process from starting."""
    try:
        removed = upload_temp_sweep()
    except Exception:
        logger.exception("uploads: the sweep of the temporary upload files at %s start failed", process)
        return
    logger.info("uploads: swept %d temporary upload file(s) left over at %s start", removed, process)
    if removed:
        try:
            sweep_record(trigger=f"{process}_start", counts={"upload_files": removed})
        except Exception:
            logger.exception("uploads: the sweep at %s start could not be recorded", process)
