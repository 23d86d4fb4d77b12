"""Run a processing plan on a file: ``manage.py anonymize --plan PLAN --input FILE --output DIR``.

A thin wrapper over :func:`anonymizer.engine.anonymize_file`. Writes ``DIR/dataset.csv`` (or ``.parquet``),
``DIR/manifest.json`` and ``DIR/report.json``; ``--report-only`` is the dry run (report and verdict, no
dataset). Fresh processing secrets are generated for every run unless ``--secrets FILE`` is given; the
secret record (keys, seed, optional ID maps: 加工方法等情報) is written only to ``--secrets-out FILE``, which
must lie outside DIR, never beside the dataset.

Exit status: 0 when the output meets the processing standards; 1 when it does not (the report is still
written, the dataset only with ``--allow-noncompliant``); 1 with a Japanese message and nothing written on
bad input. The run is staged in a hidden folder and moved into DIR only when it has finished.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from anonymizer.engine import EngineError, ProcessingSecrets, anonymize_file, load_plan
from anonymizer.engine.io import atomic_path

from ._common import engine_message, existing_folder, sniff_delimiter, unexpected_failure


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def load_secrets(path: str | Path) -> ProcessingSecrets:
    """Secrets from a JSON file ``{"keys": {"pseudonym": "<hex>"}, "seed": N}`` (or a secret record)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise CommandError(f"処理用の秘密情報ファイル {Path(path).name} を読み込めません") from None
    if isinstance(data, dict) and "secrets" in data:  # a secret record written by --secrets-out
        data = data["secrets"]
    try:
        return ProcessingSecrets.from_dict(data if isinstance(data, dict) else {})
    except EngineError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "処理計画に従って個人情報ファイルを匿名加工する（--report-only は試行: 報告と判定のみ）"

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="処理計画 (JSON / YAML)")
        parser.add_argument("--input", required=True, help="入力ファイル (CSV / TSV / Excel / Parquet)")
        parser.add_argument("--output", required=True, help="出力フォルダ")
        parser.add_argument("--report-only", action="store_true", help="試行: 報告と判定だけを出力する")
        parser.add_argument(
            "--allow-noncompliant",
            action="store_true",
            help="加工の基準を満たさない場合もデータセットを書き出す（検証用。終了コードは 1）",
        )
        parser.add_argument("--secrets", help="処理用の秘密情報 (JSON)。省略時は新しく生成する")
        parser.add_argument("--secrets-out", help="秘密情報の記録 (加工方法等情報) の書き出し先。出力フォルダの外")
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--chunk-rows", type=int, default=None, help="この行数ずつ読む（大きなファイル）")
        parser.add_argument("--encoding", default=None, help="CSV の文字コード（既定: 自動判定）")
        parser.add_argument("--delimiter", default=None, help="CSV の区切り文字（既定: , ; 見出しが ; 区切りなら ;）")

    def handle(self, *args, **opts):
        out_dir = Path(opts["output"])
        secrets_out = Path(opts["secrets_out"]) if opts.get("secrets_out") else None
        if secrets_out is not None and _inside(secrets_out, out_dir):
            raise CommandError(
                "秘密情報の記録は出力フォルダ（データセットと同じ場所）に書き出せません。"
                "--secrets-out には別の場所を指定してください"
            )
        if opts["chunk_rows"] is not None and opts["chunk_rows"] < 1:
            raise CommandError("--chunk-rows は 1 以上にしてください")
        if out_dir.exists() and not out_dir.is_dir():
            raise CommandError(f"--output の {out_dir.name} はフォルダではありません（同じ名前のファイルがあります）")
        staging_parent = existing_folder(out_dir, "--output")
        if secrets_out is not None:
            if secrets_out.is_dir():
                raise CommandError(f"--secrets-out の {secrets_out.name} はフォルダです。ファイル名を指定してください")
            existing_folder(secrets_out.parent, "--secrets-out")
        try:
            plan = load_plan(opts["plan"])
        except EngineError as exc:
            raise CommandError(engine_message(exc)) from None
        secrets = load_secrets(opts["secrets"]) if opts.get("secrets") else self._fresh_secrets(plan)
        staging = Path(tempfile.mkdtemp(prefix=".anonymize-", dir=staging_parent))
        try:
            result = self._run(plan, secrets, staging, opts)
            self._deliver(result, staging, out_dir, secrets_out, opts)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        compliant = self._summary(result.report, out_dir, opts, secrets_out)
        if not compliant:
            raise CommandError("加工の基準を満たしていません（理由は上記のとおり）", returncode=1)

    @staticmethod
    def _fresh_secrets(plan) -> ProcessingSecrets:
        names = tuple(
            dict.fromkeys(s.get("key", "pseudonym") for c in plan.columns for s in c.steps if s.op == "pseudonymize")
        ) or ("pseudonym",)
        return ProcessingSecrets.generate(names)

    def _run(self, plan, secrets: ProcessingSecrets, staging: Path, opts):
        target = None if opts["report_only"] else staging / f"dataset.{opts['format']}"
        try:
            return anonymize_file(
                opts["input"],
                plan,
                secrets,
                output=target,
                fmt=opts["format"],
                chunk_rows=opts["chunk_rows"],
                encoding=opts["encoding"],
                collect=False,
                delimiter=sniff_delimiter(opts["input"], opts["delimiter"]),
            )
        except EngineError as exc:
            raise CommandError(engine_message(exc)) from None
        except Exception:
            if opts.get("traceback"):
                raise
            raise unexpected_failure() from None

    def _deliver(self, result, staging: Path, out_dir: Path, secrets_out: Path | None, opts) -> None:
        """Move the finished files into ``out_dir``: the report always; the dataset and its manifest only
        when the output meets the standards or ``--allow-noncompliant`` asks for them anyway."""
        (staging / "report.json").write_text(json.dumps(result.report, ensure_ascii=False, indent=2), encoding="utf-8")
        names = ["report.json"]
        if not opts["report_only"] and (result.report["compliance"]["compliant"] or opts["allow_noncompliant"]):
            names += [f"dataset.{opts['format']}", "manifest.json"]
        try:
            if secrets_out is not None:
                with atomic_path(secrets_out) as tmp:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(result.secret_record.to_json())
            out_dir.mkdir(parents=True, exist_ok=True)
            for name in names:
                os.replace(staging / name, out_dir / name)
        except OSError:
            message = f"出力フォルダ {out_dir.name} に書き出せません（権限と空き容量を確認してください）"
            raise CommandError(message) from None

    def _summary(self, report, out_dir: Path, opts, secrets_out: Path | None) -> bool:
        rows = report["rows"]
        verdict = report["compliance"]
        self.stdout.write(f"入力 {rows['source']} 行 → 出力 {rows['output']} 行（削除 {rows['suppressed']} 行）")
        privacy = report.get("privacy") or {}
        if privacy.get("k_target"):
            self.stdout.write(f"k-匿名性: k = {privacy['k']}（目標 {privacy['k_target']}）")
        if verdict["compliant"]:
            self.stdout.write(self.style.SUCCESS("判定: 加工基準を満たしています"))
        else:
            self.stdout.write(self.style.WARNING("判定: 加工基準を満たしていません"))
            for reason in verdict["reasons"]:
                self.stdout.write(f"  - {reason}")
        if opts["report_only"]:
            self.stdout.write(f"報告を {out_dir} に書き出しました")
        elif verdict["compliant"] or opts["allow_noncompliant"]:
            self.stdout.write(f"データセット・マニフェスト・報告を {out_dir} に書き出しました")
        else:
            self.stdout.write(
                f"報告だけを {out_dir} に書き出しました（データセットは書き出していません。"
                "検証のために書き出すには --allow-noncompliant を指定してください）"
            )
        if secrets_out is not None:
            self.stdout.write(f"秘密情報の記録を {secrets_out} に書き出しました（暗号化して保管してください）")
        return bool(verdict["compliant"])
