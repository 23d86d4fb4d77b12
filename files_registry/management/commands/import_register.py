from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from files_registry.importing import register_import


class Command(BaseCommand):
    help = (
        "個人情報ファイル簿を CSV（UTF-8 / Shift_JIS）、Excel（.xlsx）または JSON から取り込みます。"
        "1行でも問題があれば何も登録せず、すべての問題を表示します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="取り込むファイル")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを開けません: {path}（{exc.strerror}）") from None
        report = register_import(data=data, source_name=path.name)
        if not report.ok:
            raise CommandError("\n".join([report.summary(), *(f"  {problem}" for problem in report.problems)]))
        self.stdout.write(self.style.SUCCESS(report.summary()))
