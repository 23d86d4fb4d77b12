"""Verify a backup set, then restore the database and the data dir from it (seed 004 第19条; docs/backup.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup.container import BackupError
from portal.backup.services import backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "バックアップファイルをすべて検証してから、データベースとデータディレクトリのファイルを復元します。"
        "検証に失敗したときは何も書き込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", type=Path, required=True, help="バックアップファイル（.pbk）。")
        parser.add_argument(
            "--database-url",
            help="復元先のデータベース（postgres://… 又は sqlite:///…。既定: 設定のデータベース）。空であること。",
        )
        parser.add_argument(
            "--force", action="store_true", help="復元先のデータベースやファイルが空でなくても上書きする。"
        )
        parser.add_argument("--check", action="store_true", help="検証だけを行い、何も復元しない（定期的な確認用）。")

    def handle(self, *args, source: Path, database_url: str | None, force: bool, check: bool, **options):
        if check:
            try:
                manifest = backup_verify(source).backup.manifest
            except BackupError as error:
                raise CommandError(f"検証に失敗しました: {error}") from None
            summary = {key: manifest[key] for key in ("backup_id", "created_at", "engine", "file_count", "key_id")}
            self.stdout.write(json.dumps({"path": str(source), "verified": True, **summary}, ensure_ascii=False))
            return
        try:
            result = backup_restore(path=source, database_url=database_url, force=force)
        except BackupError as error:
            raise CommandError(f"復元を中止しました: {error}") from None
        line = {
            "path": str(result.path),
            "backup_id": result.backup_id,
            "database": result.database,
            "files": result.files,
            "pending_migrations": result.pending_migrations,
            "seconds": round(result.seconds, 3),
        }
        self.stdout.write(json.dumps(line, ensure_ascii=False))
