"""The outbox: e-mails and jobs are stored with the change they belong to and go out after commit,
or, when the broker is down, once it is back: never lost, never sent twice."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import transaction

from portal.models import Notification, NotificationStatus, OutboxTask
from portal.notifications import notify, outbox_enqueue, outbox_relay
from proposals.services.proposals import proposal_submit
from tests.factories.accounts import UserFactory
from tests.factories.proposals import ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_notification_is_stored_sent_once_and_listed(django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            user=user,
            template="proposal_withdrawn",
            context={"receipt_number": "2026-000001", "entry_name": "試験ファイル"},
        )

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == notification.subject
    assert "2026-000001" in notification.body
    assert outbox_relay() == {"sent": 0, "published": 0}
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_sends_nothing():
    user = UserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user=user, template="proposal_withdrawn", context={"receipt_number": "x", "entry_name": "y"})
        raise RuntimeError("the change failed")

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_mail_server_failure_is_retried_by_the_relay(settings, django_capture_on_commit_callbacks):
    user = UserFactory()
    settings.MAILERS = {"default": {"BACKEND": "tests.portal.failing_mail.FailingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            user=user, template="proposal_withdrawn", context={"receipt_number": "x", "entry_name": "y"}
        )
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert outbox_relay()["sent"] == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(mail.outbox) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A real redis-server of our own on a free port, which the test may stop and start."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - the Debian redis-server binary
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def queued(self) -> int:
        return redis.Redis(port=self.port).llen("celery")


def _reset_connections(app) -> None:
    """Drop the app's broker connections so that the next publish uses the current broker_url."""
    from kombu import pools

    pools.reset()  # kombu's registries of connection and producer pools, closed and emptied
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(real_broker):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed: run `make setup` (apt-get install redis-server).")
    server = RedisServer()
    server.start()
    original = real_broker.conf.broker_url
    real_broker.conf.broker_url = f"redis://127.0.0.1:{server.port}/0"
    original_options = real_broker.conf.broker_transport_options
    real_broker.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    _reset_connections(real_broker)
    yield server
    if server.process.poll() is None:
        server.stop()
    real_broker.conf.broker_url = original
    real_broker.conf.broker_transport_options = original_options
    _reset_connections(real_broker)


def test_with_redis_stopped_a_proposal_is_still_receipted_and_its_mail_and_jobs_follow(own_redis):
    proposal = ProposalFactory()
    own_redis.stop()

    started = time.monotonic()
    version = proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    with transaction.atomic():
        outbox_enqueue(task_name="portal.worker_health")
    elapsed = time.monotonic() - started

    assert version.proposal.receipt_number
    assert elapsed < 3, f"submission waited {elapsed:.1f} s for the broker"  # fail fast, do not hang on retries
    assert Notification.objects.get().status == NotificationStatus.PENDING
    assert OutboxTask.objects.get().published_at is None
    assert mail.outbox == []

    own_redis.start()
    first, second = outbox_relay(), outbox_relay()

    assert first == {"sent": 1, "published": 1}
    assert second == {"sent": 0, "published": 0}
    assert len(mail.outbox) == 1 and version.proposal.receipt_number in mail.outbox[0].subject
    assert own_redis.queued() == 1  # the job is on the broker, once


def test_a_job_whose_task_is_not_installed_waits_in_the_outbox(real_broker):
    with transaction.atomic():
        waiting = outbox_enqueue(task_name="anonymizer.not_yet_released", contract_id=1)

    assert outbox_relay()["published"] == 0
    waiting.refresh_from_db()
    assert waiting.published_at is None
