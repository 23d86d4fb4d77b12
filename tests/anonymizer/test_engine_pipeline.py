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


# --- each operation's effect on the output, through anonymize() (seed 002 3-2-4, 3-2-5) --------------------


def _plan(columns, **dataset):
    return load_plan({"plan_version": 1, "unlisted_columns": "drop", "columns": columns, "dataset": dataset})


def test_pipeline_top_and_bottom_coding_replace_the_extremes(secrets):
    frame = pd.DataFrame({"年齢": ["116", "45", "3", "90", "89"], "身長": ["170", "132", "150", "95", "149"]})
    plan = _plan(
        [
            {
                "name": "年齢",
                "role": "attribute",
                "type": "integer",
                "steps": [{"op": "top_code", "threshold": 90}, {"op": "bottom_code", "threshold": 5}],
            },
            {
                "name": "身長",
                "role": "attribute",
                "type": "integer",
                "steps": [{"op": "top_code", "threshold": 150, "unit": "cm"}],
            },
        ]
    )

    out = anonymize(frame, plan, secrets).table

    assert out["年齢"].tolist() == ["90以上", "45", "5以下", "90以上", "89"]  # 事例2: 116歳 → 90以上
    assert out["身長"].tolist() == ["150cm以上", "132", "150cm以上", "95", "149"]  # 事例3: 170cm → 150cm以上


def test_pipeline_pseudonyms_are_keyed_hmac_not_a_plain_hash(secrets):
    import hashlib
    import hmac

    ids = ["J001", "J002", "J001"]
    plan = _plan([{"name": "受給者番号", "role": "linking_code", "steps": [{"op": "pseudonymize"}]}])

    out = anonymize(pd.DataFrame({"受給者番号": ids}), plan, secrets).table["受給者番号"].tolist()
    other = (
        anonymize(pd.DataFrame({"受給者番号": ids}), plan, ProcessingSecrets({"pseudonym": b"another key 1234"}, 1))
        .table["受給者番号"]
        .tolist()
    )

    key = secrets.keys["pseudonym"]
    assert out == [hmac.new(key, i.encode(), hashlib.sha256).hexdigest()[:24] for i in ids]
    assert out[0] != hashlib.sha256(b"J001").hexdigest()[:24]
    assert set(out).isdisjoint(other)  # two recipients' IDs cannot be joined


def test_pipeline_swap_exchanges_values_between_records_and_keeps_their_counts(admin_table, secrets):
    plan = _plan([{"name": "職業", "role": "attribute", "steps": [{"op": "swap", "rate": 0.3}]}])
    before = admin_table.column("職業").to_pylist()

    after = anonymize(admin_table, plan, secrets).table["職業"].tolist()

    changed = sum(a != b for a, b in zip(before, after, strict=True)) / len(before)
    assert pd.Series(after).value_counts().to_dict() == pd.Series(before).value_counts().to_dict()
    assert 0.15 < changed <= 0.3


def test_pipeline_suppress_cells_blanks_the_matching_cells_only(admin_table, secrets):
    plan = _plan([{"name": "疾病", "role": "sensitive", "steps": [{"op": "suppress_cells", "values": ["うつ病"]}]}])
    before = admin_table.column("疾病").to_pylist()

    result = anonymize(admin_table, plan, secrets)

    after = result.table["疾病"].tolist()
    hits = before.count("うつ病")
    assert hits > 0
    assert after.count("*") == hits and "うつ病" not in after
    assert [a for a, b in zip(after, before, strict=True) if b != "うつ病"] == [b for b in before if b != "うつ病"]
    assert result.report["cells_suppressed"]["疾病"] == hits


def test_pipeline_noise_moves_most_values_a_little_within_the_bounds(admin_table, secrets):
    plan = _plan(
        [
            {
                "name": "点数",
                "role": "attribute",
                "type": "integer",
                "steps": [{"op": "noise", "distribution": "normal", "scale": 2, "clip_min": 0, "clip_max": 100}],
            }
        ]
    )
    before = pd.to_numeric(pd.Series(admin_table.column("点数").to_pylist()))

    after = pd.to_numeric(anonymize(admin_table, plan, secrets).table["点数"])

    moved = (after != before).mean()
    assert after.between(0, 100).all() and (after == after.round()).all()
    assert moved > 0.5
    assert 0.5 < (after - before).abs().mean() < 3


def test_pipeline_filter_and_record_suppression_select_the_records(admin_table, secrets):
    plan = _plan(
        [
            {"name": "性別", "role": "attribute", "steps": [{"op": "keep"}]},
            {"name": "職業", "role": "attribute", "steps": [{"op": "keep"}]},
        ],
        filter=[{"column": "性別", "values": ["女"]}],
        record_suppression=[{"column": "職業", "values": ["学生"]}],
    )
    frame = admin_table.to_pandas()
    expected = int(((frame["性別"] == "女") & (frame["職業"] != "学生")).sum())

    result = anonymize(admin_table, plan, secrets)

    out = result.table
    assert len(out) == expected == result.report["rows"]["output"]
    assert set(out["性別"]) == {"女"}
    assert "学生" not in set(out["職業"])
    assert result.report["rows"]["subset"] == expected


def test_pipeline_cell_method_suppresses_qi_cells_and_reaches_k_with_fewer_records_removed(
    admin_table, bench_plan, secrets
):
    bench_plan["dataset"]["k_anonymity"]["quasi_identifiers"] = [*QIS, "職業"]
    by_record = anonymize(admin_table, load_plan(bench_plan), secrets)
    bench_plan["dataset"]["k_anonymity"]["method"] = "cell"

    by_cell = anonymize(admin_table, load_plan(bench_plan), secrets)

    qis = [*QIS, "職業"]
    starred = int((by_cell.table[qis] == "*").sum().sum())
    # a few starred cells go with the records still below k after the local suppression
    assert 0 < starred <= by_cell.report["privacy"]["qi_cells_suppressed"]
    assert anonymity.k_anonymity(by_cell.table, qis) >= 5
    assert by_cell.report["rows"]["suppressed"] < by_record.report["rows"]["suppressed"]


def test_chunked_csv_that_polars_refuses_is_read_by_arrow_like_the_whole_file(tmp_path, secrets):
    lines = ["氏名,備考"] + [f"名{i},メモ{i}" for i in range(50)] + ['名X,引用符"の途中'] + ["名Y,最後"]
    path = tmp_path / "odd.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = _plan([{"name": "備考", "role": "attribute", "steps": [{"op": "keep"}]}])

    whole = anonymize_file(path, plan, secrets).table
    chunked = anonymize_file(path, plan, secrets, chunk_rows=7).table

    assert whole["備考"].tolist()[-2:] == ['引用符"の途中', "最後"]
    pd.testing.assert_frame_equal(whole, chunked)


def test_pipeline_an_address_without_its_prefecture_gets_the_same_label_or_none(secrets):
    addresses = [
        "東京都千代田区霞が関1-2-3",
        "千代田区霞が関3-1-1",  # one 千代田区 in Japan: 東京都
        "神奈川県足柄上郡中井町比奈窪56",
        "中井町比奈窪10",  # the town without its 郡 or prefecture
        "中央区日本橋1-1",  # 東京都, 札幌市, 大阪市 … : which one cannot be told
        "府中市宮町1",  # 東京都 and 広島県
        "大阪府北区中之島1",  # 大阪市北区 or 堺市北区
    ]
    columns = [
        {
            "name": "都道府県",
            "role": "quasi_identifier",
            "steps": [{"op": "generalize", "method": "address", "level": "prefecture"}],
        },
        {
            "name": "市区町村",
            "role": "quasi_identifier",
            "steps": [{"op": "generalize", "method": "address", "level": "municipality"}],
        },
    ]
    frame = pd.DataFrame({"都道府県": addresses, "市区町村": addresses})

    out = anonymize(frame, _plan(columns), secrets).table

    assert out["都道府県"].tolist() == ["東京都", "東京都", "神奈川県", "神奈川県", "*", "*", "大阪府"]
    assert out["市区町村"].tolist() == [
        "東京都千代田区",
        "東京都千代田区",
        "神奈川県足柄上郡中井町",
        "神奈川県足柄上郡中井町",
        "*",
        "*",
        "*",
    ]
