"""Test settings: the same settings module, with the few values a test run must pin."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-not-secret")
os.environ.setdefault("PORTAL_HTTPS", "false")
os.environ.setdefault("PORTAL_MASTER_KEYS", "test:" + "dGVzdC1vbmx5LW1hc3Rlci1rZXktMDEyMzQ1Njc4OWE=")
os.environ.setdefault("PORTAL_DATA_DIR", tempfile.mkdtemp(prefix="portal-test-"))
os.environ.setdefault("PORTAL_BACKUP_DIR", tempfile.mkdtemp(prefix="portal-test-backups-"))

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Tasks run in the test process unless a test asks for the real broker (fixture `real_broker`):
# tests that need a real worker start one and switch this off.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
