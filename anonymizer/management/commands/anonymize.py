"""Run a processing plan on a file: ``manage.py anonymize --plan PLAN --input FILE --output DIR``.

A thin wrapper over :func:`anonymizer.engine.anonymize_file`. Writes ``DIR/dataset.csv`` (or ``.parquet``),
``DIR/manifest.json`` and ``DIR/report.json``; ``--report-only`` is the dry run (report and verdict, no
dataset). Fresh processing secrets are generated for every run unless ``--secrets FILE`` is given; the
secret record (keys, seed, optional ID maps: 加工方法等情報) is written only to ``--secrets-out FILE``, which
must lie outside DIR, never beside the dataset. Errors are Japanese messages with a non-zero exit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from anonymizer.engine import EngineError, ProcessingSecrets, anonymize_file, load_plan
from anonymizer.engine.io import atomic_path

from ._common import engine_message, sniff_delimiter


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
        try:
            plan = load_plan(opts["plan"])
        except EngineError as exc:
            raise CommandError(engine_message(exc)) from None
        if opts.get("secrets"):
            secrets = load_secrets(opts["secrets"])
        else:
            names = tuple(
                dict.fromkeys(
                    s.get("key", "pseudonym") for c in plan.columns for s in c.steps if s.op == "pseudonymize"
                )
            ) or ("pseudonym",)
            secrets = ProcessingSecrets.generate(names)
        report_only = opts["report_only"]
        target = None if report_only else out_dir / f"dataset.{opts['format']}"
        try:
            result = anonymize_file(
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
        out_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(out_dir / "report.json") as tmp:
            tmp.write_text(json.dumps(result.report, ensure_ascii=False, indent=2), encoding="utf-8")
        if secrets_out is not None:
            with atomic_path(secrets_out) as tmp:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(result.secret_record.to_json())
        self._summary(result.report, out_dir, report_only, secrets_out)

    def _summary(self, report, out_dir: Path, report_only: bool, secrets_out: Path | None) -> None:
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
        what = "報告" if report_only else "データセット・マニフェスト・報告"
        self.stdout.write(f"{what}を {out_dir} に書き出しました")
        if secrets_out is not None:
            self.stdout.write(f"秘密情報の記録を {secrets_out} に書き出しました（暗号化して保管してください）")
