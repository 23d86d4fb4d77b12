"""Notifications: every message is a template, kept in the database (outbox), then e-mailed.

Callers use `notify()` inside their transaction. The message is rendered once, stored, shown on the
person's /mypage/ and sent by a Celery task after commit. When the broker is down the send is
picked up by the periodic relay once it is back (`outbox_relay`), so nothing is lost, and the
row lock plus status make sure nothing is sent twice.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Notification, NotificationStatus, OutboxTask

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def notify(*, user, template: str, context: dict, email: str | None = None, listed: bool = True) -> Notification:
    """Store a message for `user` from templates/email/<template>_subject.txt and <template>.txt.

    Side effect after commit: the send task is queued (best effort; the relay covers failures).
    """
    full_context = {"user": user, "PORTAL_TITLE": settings.PORTAL_TITLE, "AGENCY_NAME": settings.AGENCY_NAME, **context}
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", full_context).split())
    body = render_to_string(f"email/{template}.txt", full_context)
    notification = Notification.objects.create(
        recipient=user, email=email or user.email, subject=subject[:200], body=body, template=template, listed=listed
    )
    transaction.on_commit(lambda: _queue_send(notification.pk))
    return notification


def _queue_send(notification_id: int) -> None:
    from portal.tasks import notification_send

    try:
        notification_send.delay(notification_id=notification_id)
    except Exception as exc:
        logger.warning("notification %s left for the relay: %s", notification_id, exc.__class__.__name__)


def outbox_enqueue(*, task_name: str, **kwargs) -> OutboxTask:
    """Queue a Celery task to run after commit, surviving a broker outage (published by the relay)."""
    task = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: _publish(task.pk))
    return task


def _publish(outbox_task_id: int, *, retry: bool = False) -> bool:
    """Hand one stored task to the broker. From a request: one quick try (the relay covers a
    failure); from the relay: with a short retry, which also replaces a connection that died."""
    from portal.celery import app

    with transaction.atomic():
        task = (
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_task_id, published_at__isnull=True)
            .first()
        )
        if task is None:
            return False
        # Task discovery is lazy outside a worker: import the apps' tasks modules (once; cached after).
        app.loader.import_default_modules()
        if task.task_name not in app.tasks:
            # No installed worker code runs this task yet (e.g. the dataset job before its release):
            # keep it here rather than hand the broker a message every worker would drop.
            return False
        try:
            app.send_task(
                task.task_name,
                kwargs=task.kwargs,
                retry=retry,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception as exc:
            task.attempts += 1
            task.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            task.save(update_fields=["attempts", "last_error"])
            logger.warning("outbox task %s left for the relay: %s", task.pk, task.last_error)
            return False
        task.published_at = timezone.now()
        task.save(update_fields=["published_at"])
        return True


def notification_deliver(notification_id: int) -> bool:
    """Send one pending notification by e-mail; True if this call sent it.

    The row stays locked while sending, so two workers (or a worker and the relay) never both send.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        try:
            EmailMessage(notification.subject, notification.body, to=[notification.email]).send()
        except Exception as exc:
            notification.attempts += 1
            notification.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            return False
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["status", "sent_at", "attempts"])
        return True


def outbox_relay() -> dict:
    """Send every pending notification and publish every pending task (run periodically)."""
    sent = sum(
        notification_deliver(pk)
        for pk in Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True)[:500]
    )
    published = sum(
        _publish(pk, retry=True)
        for pk in OutboxTask.objects.filter(published_at__isnull=True).values_list("pk", flat=True)[:500]
    )
    return {"sent": sent, "published": published}
