"""Write one encrypted backup set of the database and the data dir (seed 004 第19条; docs/backup.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup.container import BackupError
from portal.backup.services import backup_create


class Command(BaseCommand):
    help = (
        "データベースとデータディレクトリのファイルを暗号化した 1 つのバックアップファイルに書き出します"
        "（保存先の既定: PORTAL_BACKUP_DIR）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", type=Path, help="保存先のフォルダ（データディレクトリの外。既定: PORTAL_BACKUP_DIR）。"
        )

    def handle(self, *args, to: Path | None, **options):
        try:
            result = backup_create(to_dir=to)
        except BackupError as error:
            raise CommandError(f"バックアップを中止しました: {error}") from None
        line = {"path": str(result.path), "bytes": result.bytes, "seconds": round(result.seconds, 3)}
        self.stdout.write(json.dumps(line, ensure_ascii=False))
