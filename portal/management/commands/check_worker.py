from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError

from portal.tasks import worker_health


class Command(BaseCommand):
    help = "Celery worker が応答するか確認します（ブローカー、worker、結果の保存先を通しで確認）。"

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0, help="待つ秒数（既定 30）")

    def handle(self, *args, **options):
        try:
            answer = worker_health.delay().get(timeout=options["timeout"])
        except CeleryTimeoutError:
            raise CommandError(
                f"{options['timeout']}秒以内に worker が応答しませんでした。worker が起動しているか確認してください。"
            ) from None
        except OperationalError as exc:
            raise CommandError(f"ブローカー（{settings.CELERY_BROKER_URL}）に接続できません: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"worker が応答しました（{answer['answered_at']}）。"))
