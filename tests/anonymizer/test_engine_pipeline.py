import json

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
from pycanon import anonymity

from anonymizer.engine import ProcessingSecrets, anonymize, anonymize_file, load_plan, optimize
from anonymizer.engine.kanon import CodedColumn, class_stats, local_suppression

QIS = ["生年月日", "性別", "住所"]


def test_pipeline_report_agrees_with_pycanon(admin_table, bench_plan, secrets):
    result = anonymize(admin_table, load_plan(bench_plan), secrets)
    out = result.table
    privacy = result.report["privacy"]
    assert privacy["k"] == anonymity.k_anonymity(out, QIS)
    assert privacy["l"] == anonymity.l_diversity(out, QIS, ["疾病"])
    sizes = out.groupby(QIS, observed=True).size()
    assert privacy["unique_records"] == int((sizes == 1).sum())
    assert privacy["k"] >= 5


def test_pipeline_standards_met_and_compliant(admin_table, bench_plan, secrets):
    report = anonymize(admin_table, load_plan(bench_plan), secrets).report
    assert report["identifiers"]["leftover_total"] == 0
    assert report["compliance"]["reasons"] == []
    assert report["compliance"]["compliant"] is True
    assert report["identifiers"]["deleted"]["備考"]["my_number"] > 0
    json.dumps(report, ensure_ascii=False)  # JSON-serialisable


def test_pipeline_rare_disease_removed(admin_table, bench_plan, secrets):
    out = anonymize(admin_table, load_plan(bench_plan), secrets).table
    assert not set(out["疾病"]) & {"ファブリー病", "ポンペ病", "ゴーシェ病"}


def test_pipeline_output_failing_k_reported_non_compliant(admin_table, bench_plan, secrets):
    bench_plan["dataset"]["k_anonymity"]["method"] = "check"
    bench_plan["dataset"]["k_anonymity"]["quasi_identifiers"] = [*QIS, "身長", "職業"]
    report = anonymize(admin_table, load_plan(bench_plan), secrets).report
    assert report["compliance"]["compliant"] is False
    reasons = report["compliance"]["standards"]["⑤ 個人情報ファイルの性質を踏まえたその他の措置"]["reasons"]
    assert reasons[0].startswith("k-匿名性を満たしていません（k = 1、目標 5")


def test_pipeline_fewer_than_1000_subjects_non_compliant(admin_table, bench_plan, secrets):
    report = anonymize(admin_table.slice(0, 900), load_plan(bench_plan), secrets).report
    assert any("審査基準②" in r for r in report["compliance"]["reasons"])


def test_pipeline_secrets_never_in_output_or_report(admin_table, bench_plan, secrets):
    bench_plan["columns"][0]["steps"][0]["retain_map"] = True
    result = anonymize(admin_table, load_plan(bench_plan), secrets, retain_deleted=True)
    dumped = json.dumps(result.report, ensure_ascii=False) + result.table.to_csv()
    key_hex = secrets.keys["pseudonym"].hex()
    assert key_hex not in dumped
    assert str(secrets.seed) not in dumped
    my_numbers = admin_table.column("個人番号").to_pylist()[:200]
    assert not any(m in dumped for m in my_numbers)
    assert not any(n in dumped for n in admin_table.column("受給者番号").to_pylist()[:200])
    assert key_hex not in repr(result.secret_record) + repr(secrets)
    assert json.loads(result.secret_record.to_json())["secrets"]["keys"]["pseudonym"] == key_hex
    assert len(result.secret_record.id_maps["受給者番号"]) == len(result.table)


def test_pipeline_same_secrets_same_output(admin_table, bench_plan, secrets):
    plan = load_plan(bench_plan)
    first = anonymize(admin_table, plan, secrets).table
    second = anonymize(admin_table, plan, ProcessingSecrets(dict(secrets.keys), secrets.seed)).table
    pd.testing.assert_frame_equal(first, second)


def test_pipeline_chunked_equals_in_memory(admin_table, bench_plan, secrets, tmp_path):
    bench_plan["dataset"]["sample"] = {"fraction": 0.9}
    bench_plan["columns"][10]["steps"].append({"op": "microaggregate", "size": 3})
    plan = load_plan(bench_plan)
    path = tmp_path / "in.csv"
    pv.write_csv(admin_table, path)
    whole = anonymize_file(path, plan, secrets).table
    chunked = anonymize_file(path, plan, secrets, chunk_rows=3_000).table
    pd.testing.assert_frame_equal(whole.astype(str), chunked.astype(str))


def test_pipeline_reads_shift_jis_csv(tmp_path, secrets):
    frame = pd.DataFrame({"氏名": ["山田太郎", "鈴木花子"], "住所": ["東京都千代田区霞が関1-2-3", "大阪府大阪市北区"]})
    path = tmp_path / "sjis.csv"
    path.write_bytes(frame.to_csv(index=False).encode("cp932"))
    plan = load_plan(
        {
            "plan_version": 1,
            "columns": [
                {"name": "氏名", "role": "identifier", "steps": [{"op": "drop"}]},
                {
                    "name": "住所",
                    "role": "quasi_identifier",
                    "steps": [{"op": "generalize", "method": "address", "level": "prefecture"}],
                },
            ],
        }
    )
    out = anonymize_file(path, plan, secrets).table
    assert out["住所"].tolist() == ["東京都", "大阪府"]
    assert list(out.columns) == ["住所"]


def test_pipeline_writes_csv_with_bom_and_manifest(admin_table, bench_plan, secrets, tmp_path):
    target = tmp_path / "out" / "dataset.csv"
    src = tmp_path / "in.parquet"
    import pyarrow.parquet as pq

    pq.write_table(admin_table, src)
    result = anonymize_file(src, load_plan(bench_plan), secrets, output=target)
    manifest = json.loads((target.parent / "manifest.json").read_text(encoding="utf-8"))
    assert target.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert manifest["files"][0]["rows"] == result.report["rows"]["output"]
    assert manifest["label"] == "行政機関等匿名加工情報"
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_optimizer_adult_loss_within_goal(arx_dir):
    table = pv.read_csv(
        arx_dir / "adult.csv",
        parse_options=pv.ParseOptions(delimiter=";"),
        convert_options=pv.ConvertOptions(column_types={"age": pa.string()}),
    )
    qis = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
    result = optimize(table, {q: arx_dir / f"adult_hierarchy_{q}.csv" for q in qis}, k=5, max_suppression=0.05)
    recoded = result.recode(table)
    assert result.loss <= 0.25
    assert result.suppression_rate <= 0.05
    assert anonymity.k_anonymity(recoded, qis) >= 5
    assert len(recoded) == table.num_rows - result.suppressed_records


def test_local_suppression_adult_reaches_k(arx_dir):
    table = pv.read_csv(
        arx_dir / "adult.csv",
        parse_options=pv.ParseOptions(delimiter=";"),
        convert_options=pv.ConvertOptions(column_types={"age": pa.string()}),
    )
    cols = [CodedColumn.from_arrow(table.column(q)) for q in ["sex", "age", "race", "education"]]
    cells, left = local_suppression(cols, 5)
    assert cells > 0
    stats = class_stats(cols, 5)
    assert stats.records_below_k == left
