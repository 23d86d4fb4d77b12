"""Find the generalisation with the least information loss: ``manage.py optimize --input FILE --qi COL ...
--hierarchy COL=FILE ... --k K [--max-suppression 0.05]``.

A thin wrapper over :func:`anonymizer.engine.optimize`. Prints on stdout a processing plan (YAML, or JSON with
``--format json``) that ``manage.py anonymize`` accepts as is: the quasi-identifiers generalised to the best
full-domain node, k-anonymity with record suppression within the limit, every other column dropped (edit the
plan to keep or process them). The loss reached goes to stderr (and into the plan's ``note``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import yaml
from django.core.management.base import BaseCommand, CommandError

from anonymizer.engine import EngineError, open_source, optimize
from anonymizer.engine.io import atomic_path

from ._common import engine_message, existing_folder, sniff_delimiter, unexpected_failure


class Command(BaseCommand):
    help = "k-匿名性を満たし情報損失が最小になる一般化を探し、処理計画として出力する"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="入力ファイル (CSV / TSV / Excel / Parquet)")
        parser.add_argument("--qi", nargs="+", required=True, metavar="COL", help="準識別子の列")
        parser.add_argument(
            "--hierarchy", nargs="+", required=True, metavar="COL=FILE", help="列ごとの階層表 (ARX 形式: ; 区切り)"
        )
        parser.add_argument("--k", type=int, required=True)
        parser.add_argument("--max-suppression", type=float, default=0.05, help="レコード削除率の上限 (0〜1)")
        parser.add_argument("--delimiter", default=None, help="入力 CSV の区切り文字 (既定: , ; .tsv はタブ)")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--plan-out", help="処理計画をこのファイルにも書き出す")

    def handle(self, *args, **opts):
        if opts["k"] < 2:
            raise CommandError("--k は 2 以上にしてください")
        if not 0 <= opts["max_suppression"] <= 1:
            raise CommandError("--max-suppression は 0 以上 1 以下にしてください")
        plan_out = Path(opts["plan_out"]) if opts.get("plan_out") else None
        if plan_out is not None:
            if plan_out.is_dir():
                raise CommandError(f"--plan-out の {plan_out.name} はフォルダです。ファイル名を指定してください")
            existing_folder(plan_out.parent, "--plan-out")
        hier: dict[str, Path] = {}
        for item in opts["hierarchy"]:
            col, sep, path = item.partition("=")
            if not sep or not col or not path:
                raise CommandError(f"--hierarchy は 列名=ファイル の形で指定してください: {item}")
            if not Path(path).is_file():
                raise CommandError(f'列 "{col}" の階層表 {Path(path).name} が見つかりません')
            hier[col] = Path(path).resolve()
        qis = list(dict.fromkeys(opts["qi"]))
        missing = [q for q in qis if q not in hier]
        if missing:
            raise CommandError("階層表のない準識別子があります: " + "、".join(f'"{m}"' for m in missing))
        extra = [h for h in hier if h not in qis]
        if extra:
            raise CommandError("準識別子に含まれない列の階層表があります: " + "、".join(f'"{e}"' for e in extra))
        try:
            delimiter = sniff_delimiter(opts["input"], opts["delimiter"])
            kwargs = {"delimiter": delimiter} if delimiter else {}
            src = open_source(opts["input"], **kwargs)
            absent = [q for q in qis if q not in src.column_names]
            if absent:
                raise CommandError("準識別子の列が入力にありません: " + "、".join(f'"{a}"' for a in absent))
            table = pa.concat_tables(list(src.batches(qis)))
            result = optimize(
                table, {q: hier[q] for q in qis}, opts["k"], opts["max_suppression"], local_recoding=False
            )
        except EngineError as exc:
            raise CommandError(engine_message(exc)) from None
        except CommandError:
            raise
        except Exception:
            if opts.get("traceback"):
                raise
            raise unexpected_failure() from None
        if not result.found:
            raise CommandError(
                f"削除率 {opts['max_suppression']:.1%} 以内で k = {opts['k']} を満たす一般化が"
                "見つかりません（階層を深くするか、削除率の上限を見直してください）"
            )
        plan = {
            "plan_version": 1,
            "name": f"最適化の結果（k = {opts['k']}、情報損失 {result.loss:.4f}）",
            "unlisted_columns": "drop",
            "columns": [{**c, "note": f"一般化の段階 {c['steps'][0]['level']}"} for c in result.plan_columns()],
            "dataset": {
                "k_anonymity": {
                    "quasi_identifiers": qis,
                    "k": opts["k"],
                    "max_suppression": opts["max_suppression"],
                    "method": "record",
                }
            },
        }
        plan["columns"] = sorted(plan["columns"], key=lambda c: qis.index(c["name"]))
        for col in plan["columns"]:
            col["steps"][0]["note"] = col.pop("note")
        text = (
            json.dumps(plan, ensure_ascii=False, indent=2)
            if opts["format"] == "json"
            else yaml.safe_dump(plan, allow_unicode=True, sort_keys=False)
        )
        if plan_out is not None:
            try:
                with atomic_path(plan_out) as tmp:
                    tmp.write_text(text, encoding="utf-8")
            except OSError:
                message = f"処理計画を {plan_out} に書き出せません（権限と空き容量を確認してください）"
                raise CommandError(message) from None
        self.stdout.write(text)
        self.stderr.write(
            f"情報損失 (Loss) {result.loss:.4f}、削除レコード {result.suppressed_records} 件"
            f"（{result.suppression_rate:.2%}）、評価した節点 {result.nodes_evaluated} / {result.nodes_total}、"
            f"{result.seconds:.2f} 秒"
        )
