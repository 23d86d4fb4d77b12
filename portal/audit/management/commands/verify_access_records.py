"""Check the access-record chain (seed 004 第12条2項); exits non-zero naming the first bad position."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.audit.chain import HeadsFileError, exported_heads_read, heads_file_path
from portal.audit.verification import chain_verify


class Command(BaseCommand):
    help = "アクセス記録のハッシュ連鎖を、アーカイブ及び書き出した先頭と照合します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads",
            type=Path,
            help="書き出した先頭のファイル（既定: AUDIT_HEAD_EXPORT_DIR の access-chain-heads.jsonl）。"
            "本番では WORM 又は syslog サーバから取り出した写しを指定します。",
        )
        parser.add_argument(
            "--no-heads", action="store_true", help="書き出した先頭と照合しない（末尾の削除は検出できません）。"
        )
        parser.add_argument("--archives", action="store_true", help="アーカイブファイルも読み直して照合する。")

    def handle(self, *args, heads: Path | None, no_heads: bool, archives: bool, **options):
        exported = []
        if not no_heads:
            path = heads or heads_file_path()
            if not path.exists():
                raise CommandError(f"書き出した先頭のファイル {path} がありません（--no-heads で省略できます）。")
            try:
                exported = exported_heads_read(path)
            except HeadsFileError as error:
                raise CommandError(str(error)) from None
        report = chain_verify(exported_heads=exported, check_archive_files=archives)
        if not report.ok:
            first = report.first_problem
            for problem in sorted(report.problems, key=lambda problem: problem.position)[1:10]:
                self.stderr.write(problem.message)
            raise CommandError(f"アクセス記録の検証に失敗しました: {first.message}")
        unverifiable = (
            f"（うち {report.heads_unverifiable} 件はアーカイブ内で未照合）" if report.heads_unverifiable else ""
        )
        self.stdout.write(
            f"アクセス記録の連鎖は正常です: 位置 {report.first_position or '-'}〜{report.last_position} の "
            f"{report.records_checked} 件、書き出した先頭 {report.heads_checked} 件{unverifiable}を照合しました。"
        )
