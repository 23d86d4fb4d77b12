from django.core.management.base import BaseCommand

from files_registry.sources import source_files_rewrap
from portal import crypto


class Command(BaseCommand):
    help = (
        "暗号化された原データのデータ鍵を、現在のマスター鍵（PORTAL_MASTER_KEYS の先頭）で包み直します。"
        "完了後は古いマスター鍵を設定から削除できます。"
    )

    def handle(self, *args, **options):
        count = source_files_rewrap()
        self.stdout.write(
            self.style.SUCCESS(f"{count}件のデータ鍵をマスター鍵「{crypto.current_key_id()}」で包み直しました。")
        )
