"""Apply the table privileges of the app and archiver roles (seed 004 第12条2項; deploy/postgres/grants.sql).

Run as the owner of the tables after every `migrate` (compose: the migrate service), so that the tables a
migration adds are covered; idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from portal.audit.database_roles import APP_ROLE, ARCHIVER_ROLE, database_roles_grant


class Command(BaseCommand):
    help = "アプリケーション用及びアーカイブ用のデータベースロールに、テーブルの権限を付与します（PostgreSQL）。"

    def add_arguments(self, parser):
        parser.add_argument("--app-role", default=APP_ROLE, help=f"アプリケーションのロール（既定: {APP_ROLE}）")
        parser.add_argument(
            "--archiver-role", default=ARCHIVER_ROLE, help=f"アーカイブ用のロール（既定: {ARCHIVER_ROLE}）"
        )

    def handle(self, *args, app_role: str, archiver_role: str, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("PostgreSQL ではないため、付与する権限はありません。")
            return
        try:
            database_roles_grant(app_role=app_role, archiver_role=archiver_role)
        except DatabaseError as error:
            raise CommandError(
                f"権限を付与できませんでした（{str(error).strip()}）。テーブルの所有者のロールで、"
                "migrate の後に実行してください。"
            ) from None
        self.stdout.write(f"ロール {app_role} 及び {archiver_role} に権限を付与しました。")
