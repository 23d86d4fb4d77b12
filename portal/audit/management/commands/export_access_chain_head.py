"""Append the chain's head to the append-only export (seed 004 第12条2項); beat runs it every few minutes."""

from django.core.management.base import BaseCommand

from portal.audit.chain import chain_head_export, heads_file_path


class Command(BaseCommand):
    help = "アクセス記録の連鎖の先頭（通番とハッシュ値）を追記専用のファイル（及び syslog）へ書き出します。"

    def handle(self, *args, **options):
        head = chain_head_export()
        self.stdout.write(f"位置 {head.position} {head.hash} を {heads_file_path()} に書き出しました。")
