from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo


class Command(BaseCommand):
    help = "デモデータ（職員アカウント、個人情報ファイル簿）を登録します。何度実行しても同じ結果になります。"

    def handle(self, *args, **options):
        counts = seed_demo()
        secret = counts.pop("totp_secret")
        self.stdout.write(self.style.SUCCESS(f"デモデータを登録しました: {counts}"))
        self.stdout.write(f"職員の二段階認証キー（全職員共通・認証アプリに手入力）: {secret}")
        self.stdout.write(f"デモ用ログイン（パスワードはすべて {DEMO_PASSWORD}）:")
        self.stdout.write("  admin（初期設定用の特権管理者）")
        for username, _last, _first, role, organization in DEMO_STAFF:
            scope = f"、{organization}" if organization else ""
            self.stdout.write(f"  {username}（{role.label}{scope}）")
        self.stdout.write("  proposer@example.jp（提案者・個人、/accounts/login/ から）")
        self.stdout.write("  corp@example.jp（提案者・法人、/accounts/login/ から）")
