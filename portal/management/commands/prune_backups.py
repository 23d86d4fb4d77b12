"""Delete backup sets older than PORTAL_BACKUP_RETENTION_DAYS (seed 004 第10条・第19条; docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.backup.container import BackupError
from portal.backup.retention import backup_retention_days, backups_prune


class Command(BaseCommand):
    help = (
        "保存期間（PORTAL_BACKUP_RETENTION_DAYS）を過ぎたバックアップファイルを削除し、削除をアクセス記録に残します。"
        "毎日 backup の後に実行してください（消去証明に記載する期限の前提です）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="バックアップの保存先（既定: PORTAL_BACKUP_DIR）。")
        parser.add_argument("--dry-run", action="store_true", help="削除するものを表示するだけで、何も削除しない。")

    def handle(self, *args, dir: Path | None, dry_run: bool, **options):
        try:
            result = backups_prune(directory=dir, dry_run=dry_run)
        except BackupError as error:
            raise CommandError(f"バックアップの削除を中止しました: {error}") from None
        verb = "削除します（--dry-run: 削除していません）" if dry_run else "削除しました"
        for stored in result.deleted:
            created = timezone.localtime(stored.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"  {stored.path.name}（作成 {created}）")
        self.stdout.write(
            f"保存期間（{backup_retention_days()}日）を過ぎたバックアップ {len(result.deleted)}件を{verb}。"
            f"残り {len(result.kept)}件。"
        )
        if result.errors:
            raise CommandError("削除できなかったバックアップがあります: " + " ".join(result.errors))
