"""Benchmarks (called by ``manage.py bench_anonymizer``; also ``python -m anonymizer.engine.bench``).

- :func:`generate_admin_file` writes a realistic Japanese administrative file of N rows (kanji and kana
  names, birth dates, real-looking addresses, valid My Numbers, phone numbers, remarks with identifiers
  inside, scores, a sensitive category with rare values).
- :func:`bench_pipeline` times the whole pipeline from reading that file to the report (all five
  standards, k=5 on five quasi-identifiers) and the k-check alone.
- :func:`bench_adult` times the optimizer and local suppression on ARX's ``adult``.
- :func:`bench_pseudonyms` measures keyed pseudonyms per second.
Figures are printed, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .identifiers import my_number_valid_mask
from .kanon import CodedColumn, class_stats, local_suppression
from .optimizer import optimize
from .pipeline import anonymize_file
from .plan import load_plan
from .processing_secrets import ProcessingSecrets
from .pseudonym import pseudonymize_array, warm_pool

ADULT_QIS = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
]
GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("美咲", "ミサキ"),
    ("健一", "ケンイチ"),
    ("由美", "ユミ"),
    ("蓮", "レン"),
    ("結衣", "ユイ"),
]
PLACES = [
    "東京都千代田区霞が関",
    "東京都新宿区西新宿",
    "東京都町田市森野",
    "北海道札幌市中央区北一条西",
    "北海道余市郡余市町朝日町",
    "神奈川県横浜市中区日本大通",
    "神奈川県足柄上郡中井町比奈窪",
    "京都府京都市下京区烏丸通",
    "大阪府大阪市北区中之島",
    "愛知県名古屋市中区三の丸",
    "福岡県福岡市博多区東公園",
    "三重県四日市市諏訪町",
    "奈良県大和郡山市北郡山町",
    "宮城県仙台市青葉区本町",
    "広島県広島市中区基町",
    "沖縄県那覇市泉崎",
    "埼玉県さいたま市浦和区高砂",
    "千葉県千葉市中央区市場町",
    "静岡県浜松市中央区元城町",
    "鹿児島県鹿児島市鴨池新町",
]
JOBS = ["会社員", "公務員", "自営業", "学生", "無職", "農業", "医療", "教育", "建設", "その他"]
DISEASES = ["高血圧", "糖尿病", "脂質異常症", "喘息", "腰痛", "うつ病", "なし", "胃炎", "アレルギー", "骨折"]
RARE_DISEASES = ["ファブリー病", "ポンペ病", "ゴーシェ病"]


def _pick(rng: np.random.Generator, options: list[str], n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(options), n).astype(np.int32)), pa.array(options)
    ).cast(pa.string())


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.integers(0, 10, (n, width), dtype=np.int64)


def _digit_strings(d: np.ndarray) -> pa.Array:
    n, w = d.shape
    chars = (d + 48).astype(np.uint8).tobytes()
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def generate_admin_table(rows: int, seed: int = 0) -> pa.Table:
    """A synthetic administrative table (every value made up; My Numbers have valid check digits)."""
    rng = np.random.default_rng(seed)
    n = rows
    sur, giv = rng.integers(0, len(SURNAMES), n), rng.integers(0, len(GIVEN), n)
    kanji = pa.array([s for s, _ in SURNAMES])
    kana = pa.array([k for _, k in SURNAMES])
    gk, gkana = pa.array([s for s, _ in GIVEN]), pa.array([k for _, k in GIVEN])
    name = _join(kanji.take(pa.array(sur)), gk.take(pa.array(giv)))
    name_kana = _join(kana.take(pa.array(sur)), "　", gkana.take(pa.array(giv)))
    days = rng.integers(-14_600, 18_250, n)  # 1930 … 2019
    birth = pc.strftime(pa.array(days.astype("datetime64[D]")), "%Y-%m-%d")
    addr = _join(
        _pick(rng, PLACES, n),
        pc.cast(pa.array(rng.integers(1, 10, n)), pa.string()),
        "-",
        pc.cast(pa.array(rng.integers(1, 30, n)), pa.string()),
        "-",
        pc.cast(pa.array(rng.integers(1, 20, n)), pa.string()),
    )
    first11 = _digits(rng, n, 11)
    r = (first11 @ np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2])) % 11
    my_digits = np.column_stack([first11, np.where(r <= 1, 0, 11 - r)])
    assert my_number_valid_mask(my_digits).all()  # noqa: S101 - generator self-check
    my_number = _digit_strings(my_digits)
    phone = _join("090-", _digit_strings(_digits(rng, n, 4)), "-", _digit_strings(_digits(rng, n, 4)))
    linking = _join("J", _digit_strings(_digits(rng, n, 2)), pc.cast(pa.array(np.arange(n) + 10_000_000), pa.string()))
    disease_idx = rng.integers(0, len(DISEASES), n)
    disease = pa.array(DISEASES).take(pa.array(disease_idx))
    rare_rows = rng.random(n) < 0.0002
    disease = pc.if_else(pa.array(rare_rows), _pick(rng, RARE_DISEASES, n), disease)
    kind = rng.integers(0, 6, n)
    remarks = pc.case_when(
        pc.make_struct(pa.array(kind == 0), pa.array(kind == 1), pa.array(kind == 2), pa.array(kind == 3)),
        _join("電話 ", phone, " に連絡済み"),
        _join("個人番号", my_number, "を確認"),
        _join("メール taro", pc.cast(pa.array(np.arange(n)), pa.string()), "@example.jp へ送付"),
        _join("〒100-8914 宛に郵送、保険者番号：", _digit_strings(_digits(rng, n, 8))),
        pa.array(np.where(kind == 4, "特記事項なし", ""), pa.string()),
    )
    height = np.round(rng.normal(158, 18, n).clip(80, 205))
    return pa.table(
        {
            "受給者番号": linking,
            "氏名": name,
            "氏名カナ": name_kana,
            "生年月日": birth,
            "性別": _pick(rng, ["男", "女"], n),
            "住所": addr,
            "個人番号": my_number,
            "電話番号": phone,
            "職業": _pick(rng, JOBS, n),
            "身長": pc.cast(pa.array(height.astype(np.int64)), pa.string()),
            "点数": pc.cast(pa.array(rng.integers(0, 101, n)), pa.string()),
            "疾病": disease,
            "備考": remarks,
        }
    )


def generate_admin_file(path: str | Path, rows: int, seed: int = 0, chunk_rows: int = 1_000_000) -> Path:
    """Write the synthetic file as CSV (UTF-8 with BOM), in chunks so 10 million rows fit in memory."""
    path = Path(path)
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        writer = None
        for i, start in enumerate(range(0, rows, chunk_rows)):
            table = generate_admin_table(min(chunk_rows, rows - start), seed + i)
            if i:
                table = table.set_column(
                    0,
                    "受給者番号",
                    _join("J", pc.cast(pa.array(np.arange(start, start + table.num_rows) + 10_000_000), pa.string())),
                )
            if writer is None:
                writer = pv.CSVWriter(fh, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return path


BENCH_PLAN: dict[str, Any] = {
    "plan_version": 1,
    "name": "ベンチマーク用の処理計画",
    "columns": [
        {"name": "受給者番号", "role": "linking_code", "steps": [{"op": "pseudonymize"}]},
        {"name": "氏名", "role": "identifier", "steps": [{"op": "drop"}]},
        {"name": "氏名カナ", "role": "identifier", "steps": [{"op": "drop"}]},
        {
            "name": "生年月日",
            "role": "quasi_identifier",
            "steps": [
                {"op": "generalize", "method": "date", "level": "year"},
                {"op": "generalize", "method": "bands", "width": 10},
            ],
        },
        {"name": "性別", "role": "quasi_identifier", "steps": [{"op": "keep"}]},
        {
            "name": "住所",
            "role": "quasi_identifier",
            "steps": [{"op": "generalize", "method": "address", "level": "prefecture"}],
        },
        {"name": "個人番号", "role": "id_code", "steps": [{"op": "drop"}]},
        {"name": "電話番号", "role": "identifier", "steps": [{"op": "drop"}]},
        {"name": "職業", "role": "quasi_identifier", "steps": [{"op": "keep"}]},
        {
            "name": "身長",
            "role": "quasi_identifier",
            "type": "integer",
            "steps": [
                {"op": "top_code", "threshold": 190, "unit": "cm"},
                {"op": "bottom_code", "threshold": 100, "unit": "cm"},
                {"op": "generalize", "method": "bands", "width": 20},
            ],
        },
        {
            "name": "点数",
            "role": "attribute",
            "type": "integer",
            "steps": [{"op": "noise", "distribution": "normal", "scale": 2, "clip_min": 0, "clip_max": 100}],
        },
        {
            "name": "疾病",
            "role": "sensitive",
            "steps": [{"op": "rare_categories", "min_count": 10, "replace_with": "その他"}],
        },
        {"name": "備考", "role": "free_text", "steps": [{"op": "scrub_identifiers"}]},
    ],
    "dataset": {
        "k_anonymity": {
            "quasi_identifiers": ["生年月日", "性別", "住所", "職業", "身長"],
            "k": 5,
            "max_suppression": 0.05,
        },
        "l_diversity": {"sensitive": "疾病", "l": 2},
    },
}


def _peak_mb() -> float:
    """Peak resident size of this process so far (Arrow and polars buffers included), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_kcheck(rows: int, seed: int = 1) -> float:
    """Seconds for the k-check alone (k, classes, uniques) on five QI code arrays of ``rows`` rows, as the
    pipeline holds them (integer codes)."""
    rng = np.random.default_rng(seed)
    cards = [9, 2, 47, 10, 6]
    qis = [CodedColumn(rng.integers(0, c, rows).astype(np.int32), [str(i) for i in range(c)]) for c in cards]
    t0 = time.perf_counter()
    class_stats(qis, 5)
    return time.perf_counter() - t0


def bench_pipeline(
    path: str | Path,
    *,
    chunk_rows: int | None = None,
    output: str | Path | None = None,
    kcheck: bool = True,
    hold_bytes: int | None = None,
) -> dict[str, Any]:
    """Time the full pipeline on ``path`` (read, all five standards, k=5 on five QIs, the report, and the
    dataset written when ``output`` is given); returns rows, seconds, rows_per_second, peak_memory_mb (peak
    resident size of this process so far) and kcheck_seconds (the k-check alone on as many rows)."""
    plan = load_plan(BENCH_PLAN)
    secrets = ProcessingSecrets.generate()
    load = os.getloadavg()[0]
    c0, t0 = time.process_time(), time.perf_counter()
    result = anonymize_file(
        path, plan, secrets, chunk_rows=chunk_rows, output=output, collect=False, hold_bytes=hold_bytes
    )
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0  # every thread of this process: the work, whatever else the machine runs
    report = result.report
    rows = report["rows"]["source"]
    out = {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds),
        "peak_memory_mb": round(_peak_mb()),
        "cpu_seconds": round(cpu, 2),
        "load_average_before": round(load, 2),
        "chunk_rows": chunk_rows,
        "output_written": output is not None,
        "k": report["privacy"]["k"],
        "records_suppressed": report["privacy"]["records_suppressed"],
        "leftover_identifiers": report["identifiers"]["leftover_total"],
        "compliant": report["compliance"]["compliant"],
        "timings": report["timings"],
    }
    if kcheck:
        out["kcheck_seconds"] = round(min(bench_kcheck(rows) for _ in range(3)), 3)
    return out


def bench_pipeline_child(
    path: str | Path,
    *,
    chunk_rows: int | None = None,
    output: str | Path | None = None,
    python: str | None = None,
    hold_bytes: int | None = None,
) -> dict[str, Any]:
    """:func:`bench_pipeline` in a fresh child process, so its peak memory is the pipeline's own (not the
    generator's, nor an earlier run's). Returns the child's JSON line."""
    cmd = [python or sys.executable, "-m", "anonymizer.engine.bench", "pipeline", "--path", str(path)]
    if chunk_rows:
        cmd += ["--chunk-rows", str(chunk_rows)]
    if output is not None:
        cmd += ["--output", str(output)]
    if hold_bytes is not None:
        cmd += ["--hold-bytes", str(hold_bytes)]
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=root, env=env)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_adult(data_dir: str | Path = "/work/shared/data/arx", k: int = 5, repeat: int = 3) -> dict[str, Any]:
    """Optimizer and local suppression on ARX's adult (8 QIs, hierarchies from ``data_dir``); every time is
    the best of ``repeat`` runs."""
    data_dir = Path(data_dir)
    table = pv.read_csv(
        data_dir / "adult.csv",
        parse_options=pv.ParseOptions(delimiter=";"),
        convert_options=pv.ConvertOptions(column_types={"age": pa.string()}),
    )
    hier = {q: data_dir / f"adult_hierarchy_{q}.csv" for q in ADULT_QIS}
    runs = [optimize(table, hier, k, 0.05) for _ in range(repeat)]
    res = min(runs, key=lambda r: r.seconds)
    glob = min((optimize(table, hier, k, 0.05, local_recoding=False) for _ in range(repeat)), key=lambda r: r.seconds)
    local_s = []
    for _ in range(repeat):
        cols = [CodedColumn.from_arrow(table.column(q)) for q in ADULT_QIS]
        t0 = time.perf_counter()
        cells, left = local_suppression(cols, k)
        local_s.append(time.perf_counter() - t0)
    return {
        "adult_optimize_seconds": round(res.seconds, 3),
        "adult_loss": round(res.loss, 4),
        "adult_suppressed_records": res.suppressed_records,
        "adult_global_only_seconds": round(glob.seconds, 3),
        "adult_global_only_loss": round(glob.loss, 4),
        "adult_global_only_suppressed_records": glob.suppressed_records,
        "adult_local_suppression_seconds": round(min(local_s), 3),
        "adult_local_suppression_cells": cells,
        "adult_local_suppression_records_left": left,
    }


def bench_pseudonyms(
    n: int = 1_000_000, algorithm: str = "hmac-sha256", key: bytes | None = None, repeat: int = 3
) -> dict[str, Any]:
    """Keyed pseudonyms per second over ``n`` distinct IDs (best of ``repeat``); the key is a fresh
    :meth:`ProcessingSecrets.generate` key unless given."""
    values = pa.array([f"ID{i:010d}" for i in range(n)], pa.large_string())
    key = key if key is not None else ProcessingSecrets.generate().key("pseudonym")
    if algorithm != "hmac-sha256":
        warm_pool()
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pseudonymize_array(values, key, algorithm=algorithm)
        seconds.append(time.perf_counter() - t0)
    best = min(seconds)
    return {"pseudonyms": n, "algorithm": algorithm, "seconds": round(best, 3), "per_second": round(n / best)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="anonymizer engine benchmarks")
    parser.add_argument("what", choices=["generate", "pipeline", "adult", "pseudonyms"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", default="anonymizer-bench.csv")
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument("--output", default=None)
    parser.add_argument("--hold-bytes", type=int, default=None)
    parser.add_argument("--algorithm", default="hmac-sha256")
    args = parser.parse_args(argv)
    if args.what == "generate":
        t0 = time.perf_counter()
        generate_admin_file(args.path, args.rows)
        print(json.dumps({"path": args.path, "rows": args.rows, "seconds": round(time.perf_counter() - t0, 1)}))
    elif args.what == "pipeline":
        run = bench_pipeline(args.path, chunk_rows=args.chunk_rows, output=args.output, hold_bytes=args.hold_bytes)
        print(json.dumps(run, ensure_ascii=False))
    elif args.what == "adult":
        print(json.dumps(bench_adult()))
    else:
        print(json.dumps(bench_pseudonyms(args.rows, args.algorithm)))


if __name__ == "__main__":
    main()
