from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from portal.security.demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "デモ環境でのみ、デモ職員の二段階認証の確認コード（現在のもの）を表示します。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("このコマンドはデモ環境（DJANGO_DEBUG=true）でのみ使用できます。")
        self.stdout.write(f"{totp(bytes.fromhex(DEMO_TOTP_KEY_HEX)):06d}")
