"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_upload_temp_at_worker_start(**kwargs) -> None:
    # seed 004 第17条: a web process killed mid-upload leaves a plaintext spool file behind.
    from portal.upload_temp import upload_temp_sweep_at_start

    upload_temp_sweep_at_start("worker")
