"""Cross-cutting Celery tasks."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="portal.worker_health")
def worker_health() -> dict:
    """Answer from a worker: proves the broker, the worker and the result backend work together."""
    return {"ok": True, "answered_at": timezone.now().isoformat()}


@shared_task(name="portal.notification_send")
def notification_send(*, notification_id: int) -> bool:
    from portal.notifications import notification_deliver

    return notification_deliver(notification_id)


@shared_task(name="portal.outbox_relay")
def outbox_relay() -> dict:
    from portal.notifications import outbox_relay as relay

    return relay()
