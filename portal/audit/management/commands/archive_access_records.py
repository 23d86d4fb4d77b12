"""Move the access records past their retention period to an archive file (seed 004 第12条1項).

Run by the archiver database role (docs/access-records.md), not by the web or worker role.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from portal.audit.archive import ArchiveError, access_records_archive


class Command(BaseCommand):
    help = "保存期間（AUDIT_RETENTION_DAYS）を過ぎたアクセス記録をアーカイブファイルへ移管します。"

    def handle(self, *args, **options):
        try:
            archive = access_records_archive()
        except ArchiveError as error:
            raise CommandError(f"移管を中止しました: {error}") from None
        except DatabaseError as error:
            raise CommandError(
                f"移管を中止しました（データベースが削除を拒否しました: {error.__class__.__name__}）。"
                "移管はアーカイブ用のデータベースロールで実行してください。"
            ) from None
        if archive is None:
            self.stdout.write("保存期間を過ぎたアクセス記録はありません。")
            return
        self.stdout.write(
            f"位置 {archive.first_position}〜{archive.last_position} の {archive.record_count} 件を "
            f"{archive.file_name} に移管しました（SHA-256 {archive.file_sha256}）。"
        )
