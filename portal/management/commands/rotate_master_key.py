"""Re-wrap every data key under the current master key (seed 004 第18条; docs/security.md, docs/backup.md)."""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from portal import crypto
from portal.backup.retention import backup_retention_days, backup_sets_list
from portal.jdates import wareki
from portal.key_rotation import KeyRotationError, master_keys_in_use, master_keys_rewrap


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "暗号化された原データ・提供ファイル・加工方法等情報のデータ鍵を、"
        "現在のマスター鍵（PORTAL_MASTER_KEYS の先頭）で包み直します（ファイルの中身は復号しません）。"
        "途中で止まっても、もう一度実行すれば続きから行います。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=_positive, default=500, help="1 回のトランザクションで包み直す件数（既定 500）。"
        )

    def handle(self, *args, batch_size: int, **options):
        current = crypto.current_key_id()
        try:
            results = master_keys_rewrap(batch_size=batch_size)
        except KeyRotationError as error:
            raise CommandError(f"マスター鍵の切替えを中止しました: {error}") from None
        self.stdout.write(f"マスター鍵「{current}」でデータ鍵を包み直しました。")
        for result in results:
            line = f"  {result.label}: 包み直し {result.rewrapped}件、既に現在の鍵 {result.already_current}件"
            if result.failed:
                line += f"、包み直せなかったもの {len(result.failed)}件（{', '.join(result.failed[:5])}）"
            self.stdout.write(line)
        failed = sum(len(result.failed) for result in results)
        if failed:
            raise CommandError(
                f"包み直せなかったデータ鍵が {failed}件あります（アクセス記録に「失敗」として記録しました）。"
                "古いマスター鍵は設定から削除しないでください。"
            )
        remaining = sum(
            count for counts in master_keys_in_use().values() for key_id, count in counts.items() if key_id != current
        )
        if remaining:
            raise CommandError(
                f"現在のマスター鍵以外で包まれたデータ鍵が {remaining}件残っています。"
                "新しい設定で再起動していないウェブサーバやワーカーが古い鍵で作ったものです。"
                "すべてを再起動してから、もう一度実行してください。"
            )
        self.stdout.write(self.style.SUCCESS("現在のマスター鍵以外で包まれたデータ鍵は残っていません。"))
        self._backups_report(current)

    def _backups_report(self, current: str) -> None:
        """Backup sets stay wrapped by the key of their day: retiring that key crypto-erases them."""
        newest: dict[str, tuple[int, object]] = defaultdict(lambda: (0, None))
        for stored in backup_sets_list():
            if stored.key_id and stored.key_id != current:
                count, _ = newest[stored.key_id]
                newest[stored.key_id] = (count + 1, stored.expires_at())
        for key_id, (count, expires_at) in sorted(newest.items()):
            self.stdout.write(
                f"マスター鍵「{key_id}」で暗号化されたバックアップが {count}件あります"
                f"（保存期間 {backup_retention_days()}日、最後のものの保存期限 {wareki(expires_at)}）。"
                "その日までは古い鍵を設定と保管場所に残してください。"
                "先に鍵を消去すると、これらのバックアップは複製を含めて復号できなくなります（暗号鍵の消去）。"
            )
