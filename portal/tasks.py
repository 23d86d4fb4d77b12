"""Cross-cutting Celery tasks."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="portal.worker_health")
def worker_health() -> dict:
    """Answer from a worker: proves the broker, the worker and the result backend work together."""
    return {"ok": True, "answered_at": timezone.now().isoformat()}
