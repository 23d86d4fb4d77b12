"""Benchmarks of the anonymizer engine.

``manage.py bench_anonymizer --rows N`` writes a realistic administrative file of N rows into a temporary
folder (untimed), then times the whole pipeline on it in a fresh child process — reading, the five
processing standards, k=5 on five quasi-identifiers, the report and the dataset written — so the peak
resident memory is the pipeline's own; then the k-check alone on N rows and keyed pseudonyms per second.
``manage.py bench_anonymizer --adult [--data DIR]`` times the optimizer and local suppression on ARX's
``adult``. Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from anonymizer.engine import bench


class Command(BaseCommand):
    help = "匿名加工エンジンの性能を測る（--rows N: 行政ファイル N 行の全工程、--adult: ARX adult の最適化）"

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--rows", type=int, help="生成する行数")
        what.add_argument("--adult", action="store_true", help="ARX の adult で最適化と局所的削除を測る")
        parser.add_argument("--data", default=None, help="adult のフォルダ（既定: ../shared/data/arx/）")
        parser.add_argument(
            "--chunk-rows", type=int, default=None, help="この行数ずつ読む（既定: 200 万行を超えるとき 100 万行ずつ）"
        )
        parser.add_argument("--repeat", type=int, default=1, help="全工程を繰り返す回数（最良の値を出す）")
        parser.add_argument("--pseudonyms", type=int, default=1_000_000, help="仮IDの速度を測る件数")
        parser.add_argument("--keep", default=None, help="生成したファイルと出力をこのフォルダに残す")
        parser.add_argument(
            "--hold-mb",
            type=int,
            default=None,
            help="分割読込で二つの処理の間にメモリに置く量（MiB、既定 1024。超えた分はディスクに退避: 0 で全量）",
        )

    def handle(self, *args, **opts):
        if opts["adult"]:
            data = Path(opts["data"]) if opts["data"] else Path(settings.BASE_DIR).parent / "shared" / "data" / "arx"
            if not (data / "adult.csv").is_file():
                raise CommandError(f"adult.csv が {data} にありません（--data で指定してください）")
            self._progress(f"adult: {data}")
            result = bench.bench_adult(data)
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        rows = opts["rows"]
        if rows < 1:
            raise CommandError("--rows は 1 以上にしてください")
        chunk = opts["chunk_rows"] or (1_000_000 if rows > 2_000_000 else None)
        with tempfile.TemporaryDirectory(prefix="bench-anonymizer-") as tmp:
            folder = Path(opts["keep"]) if opts["keep"] else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            source = folder / f"admin-{rows}.csv"
            t0 = time.perf_counter()
            self._progress(f"{rows:,} 行のファイルを生成しています（時間は測りません）…")
            bench.generate_admin_file(source, rows)
            # A job's source is on disk before it starts: the generator's dirty pages are written out now,
            # not by the kernel in the middle of the timed run.
            os.sync()
            self._progress(f"生成 {time.perf_counter() - t0:.1f} 秒、{source.stat().st_size / 2**20:,.0f} MiB")
            runs = []
            for i in range(max(1, opts["repeat"])):
                self._progress(f"全工程 {i + 1} 回目（子プロセス、chunk_rows={chunk}）…")
                run = bench.bench_pipeline_child(
                    source,
                    chunk_rows=chunk,
                    output=folder / "out" / "dataset.csv",
                    hold_bytes=None if opts["hold_mb"] is None else opts["hold_mb"] << 20,
                )
                self._progress(
                    f"  {run['seconds']} 秒（CPU {run['cpu_seconds']} 秒、開始時の負荷 {run['load_average_before']}）、"
                    f"ピークメモリ {run['peak_memory_mb']} MiB"
                )
                runs.append(run)
            best = min(runs, key=lambda r: r["seconds"])
            self._progress(f"仮ID {opts['pseudonyms']:,} 件…")
            pseudo = bench.bench_pseudonyms(opts["pseudonyms"])
        result = {
            "rows": best["rows"],
            "seconds": best["seconds"],
            "rows_per_second": best["rows_per_second"],
            "peak_memory_mb": max(r["peak_memory_mb"] for r in runs),
            "kcheck_seconds": best["kcheck_seconds"],
            "pseudonyms_per_second": pseudo["per_second"],
            "runs": [r["seconds"] for r in runs],
            "chunk_rows": chunk,
            "k": best["k"],
            "records_suppressed": best["records_suppressed"],
            "leftover_identifiers": best["leftover_identifiers"],
            "compliant": best["compliant"],
            "timings": best["timings"],
            "cpu_seconds": best["cpu_seconds"],
            "load_average_before": best["load_average_before"],
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _progress(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)
