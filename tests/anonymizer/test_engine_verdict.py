"""The compliance verdict cannot be passed through the plan's own content (issue 5, review G3) and plans that
would crash are refused when they are loaded (G7): each rule through the whole pipeline."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pytest

from anonymizer.engine import OperationError, PlanError, anonymize, globalpass, load_plan
from anonymizer.engine import pipeline as pipeline_module

STANDARD_1 = "① 特定の個人を識別することができる記述等の削除"
STANDARD_4 = "④ 特異な記述等の削除"
STANDARD_5 = "⑤ 個人情報ファイルの性質を踏まえたその他の措置"


def column(plan: dict, name: str) -> dict:
    return next(c for c in plan["columns"] if c["name"] == name)


def reasons(report: dict, standard: str) -> list[str]:
    return report["compliance"]["standards"][standard]["reasons"]


@pytest.fixture(scope="module")
def named_table(admin_table):
    """The synthetic file with one distinct 氏名 per person (the generator repeats 100 names)."""
    numbers = pc.cast(pa.array(np.arange(admin_table.num_rows)), pa.string())
    names = pc.binary_join_element_wise(admin_table.column("氏名").combine_chunks(), numbers, "")
    return admin_table.set_column(admin_table.column_names.index("氏名"), "氏名", names)


# --- ① identifiers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        {"op": "generalize", "method": "prefix", "length": 100},
        {"op": "generalize", "method": "mapping", "mapping": {}},
    ],
    ids=["prefix-longer-than-names", "empty-mapping"],
)
def test_verdict_identifier_left_whole_by_its_generalisation_fails_standard_1(named_table, bench_plan, secrets, step):
    column(bench_plan, "氏名")["steps"] = [step]

    report = anonymize(named_table, load_plan(bench_plan), secrets).report

    assert report["compliance"]["compliant"] is False
    assert reasons(report, STANDARD_1) == [
        '列 "氏名" は一般化後も 5 件未満しかない値が 20000 種類残っており、特定の個人を識別できます'
    ]
    assert STANDARD_1 not in report["columns"]["氏名"]["standards"]
    assert report["distributions"]["氏名"]["before"] is None  # names are never summarised


def test_verdict_identifier_generalised_to_shared_values_meets_standard_1(named_table, bench_plan, secrets):
    column(bench_plan, "氏名")["steps"] = [{"op": "generalize", "method": "prefix", "length": 1}]

    report = anonymize(named_table, load_plan(bench_plan), secrets).report

    assert reasons(report, STANDARD_1) == []
    assert STANDARD_1 in report["columns"]["氏名"]["standards"]
    assert report["compliance"]["compliant"] is True


def test_verdict_identifier_kept_as_it_is_fails_standard_1(admin_table, bench_plan, secrets):
    column(bench_plan, "電話番号")["steps"] = [{"op": "suppress_cells", "values": ["0"]}]

    report = anonymize(admin_table, load_plan(bench_plan), secrets).report

    assert reasons(report, STANDARD_1) == [
        '列 "電話番号" は特定の個人を識別できる記述等ですが、削除・仮IDへの置換・一般化のいずれもされていません'
    ]


# --- ④ unique descriptions at the tails of numeric columns ------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        [{"op": "keep"}],
        [{"op": "top_code", "threshold": 250, "unit": "cm"}, {"op": "bottom_code", "threshold": 20, "unit": "cm"}],
        [{"op": "generalize", "method": "bands", "width": 10}],
    ],
    ids=["raw", "coded-beyond-every-value", "narrow-bands"],
)
def test_verdict_numeric_attribute_with_rare_extremes_fails_standard_4(admin_table, bench_plan, secrets, steps):
    height = column(bench_plan, "身長")
    height.update(role="attribute", steps=steps)

    report = anonymize(admin_table, load_plan(bench_plan), secrets).report

    assert report["compliance"]["compliant"] is False
    assert [r for r in reasons(report, STANDARD_4) if r.startswith('列 "身長" の最大側・最小側に 5 件未満しかない値が')]
    assert STANDARD_4 not in report["columns"]["身長"]["standards"]


def test_verdict_numeric_attribute_coded_at_both_ends_meets_standard_4(admin_table, bench_plan, secrets):
    column(bench_plan, "身長").update(
        role="attribute",
        steps=[
            {"op": "top_code", "threshold": 180, "unit": "cm"},
            {"op": "bottom_code", "threshold": 130, "unit": "cm"},
        ],
    )

    report = anonymize(admin_table, load_plan(bench_plan), secrets).report

    assert reasons(report, STANDARD_4) == []
    assert STANDARD_4 in report["columns"]["身長"]["standards"]


def test_verdict_perturbed_numbers_are_not_unique_descriptions(admin_table, bench_plan, secrets):
    assert column(bench_plan, "点数")["steps"][0]["op"] == "noise"

    report = anonymize(admin_table, load_plan(bench_plan), secrets).report

    assert not [r for r in reasons(report, STANDARD_4) if "点数" in r]


@pytest.mark.parametrize("min_count", [0, 1])
def test_plan_refuses_a_unique_description_count_below_2(bench_plan, min_count):
    bench_plan["dataset"]["unique_descriptions"] = {"min_count": min_count}

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == ["datasetの unique_descriptionsの min_count は 2 以上でなければなりません"]


def test_plan_refuses_a_unique_description_count_below_k(bench_plan):
    bench_plan["dataset"]["unique_descriptions"] = {"min_count": 4}

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == [
        "dataset の unique_descriptions の min_count（4）は k-匿名性の k（5）以上にしてください"
    ]


# --- ⑤ k-anonymity ----------------------------------------------------------------------------------------


def test_verdict_anonymized_plan_without_k_anonymity_fails_standard_5(admin_table, bench_plan, secrets):
    for col in bench_plan["columns"]:
        if col["role"] == "quasi_identifier":
            col["role"] = "attribute"  # the roles alone must not decide whether k is checked
    del bench_plan["dataset"]["k_anonymity"], bench_plan["dataset"]["l_diversity"]

    report = anonymize(admin_table, load_plan(bench_plan), secrets).report

    assert report["compliance"]["compliant"] is False
    assert reasons(report, STANDARD_5) == [
        "準識別子についての k-匿名性（dataset.k_anonymity）が指定されていません（準識別子と k を定めてください）"
    ]


# --- 本人の数 (審査基準②) ------------------------------------------------------------------------------------


def test_plan_refuses_a_data_subject_floor_below_1000(bench_plan):
    bench_plan["dataset"]["data_subjects"] = {"minimum": 10}

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == ["datasetの data_subjectsの minimum は 1000 以上でなければなりません"]


def test_verdict_counts_people_by_their_linking_code(admin_table, bench_plan, secrets):
    five_rows_each = pa.concat_tables([admin_table.slice(0, 600)] * 5)  # 600 people, 3,000 rows
    bench_plan["dataset"]["k_anonymity"]["method"] = "check"  # nobody suppressed: all 600 stay

    report = anonymize(five_rows_each, load_plan(bench_plan), secrets).report

    assert report["data_subjects"]["count"] == 600
    assert report["data_subjects"]["counted_by"] == "受給者番号"
    assert report["compliance"]["data_subjects"]["reasons"] == [
        "本人の数が 600 人（数え方: 受給者番号）で、1000 人以上という審査基準②を満たしません"
    ]


def test_verdict_counts_rows_when_no_column_names_the_people(admin_table, bench_plan, secrets):
    bench_plan["columns"] = [c for c in bench_plan["columns"] if c["role"] != "linking_code"]
    table = admin_table.drop_columns(["受給者番号"])

    report = anonymize(table, load_plan(bench_plan), secrets).report

    assert report["data_subjects"]["counted_by"] == "行数"
    assert report["data_subjects"]["count"] == report["rows"]["output"]


# --- plans that would crash (G7) ------------------------------------------------------------------------


def test_plan_refuses_microaggregation_of_a_quasi_identifier(bench_plan):
    column(bench_plan, "身長")["steps"] = [{"op": "microaggregate", "size": 3}]
    bench_plan["dataset"]["k_anonymity"]["quasi_identifiers"].append("身長")

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == [
        '列 "身長" の処理 "microaggregate" はk-匿名性の準識別子には使えません（一般化やトップ／ボトムコーディングで'
        "粗くしてください）"
    ]


def test_plan_refuses_microaggregation_of_the_sensitive_column(bench_plan):
    column(bench_plan, "疾病").update(type="integer", steps=[{"op": "microaggregate", "size": 3}])

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == [
        '列 "疾病" の処理 "microaggregate" はl-多様性の機微な属性には使えません（一般化やトップ／ボトムコーディングで'
        "粗くしてください）"
    ]


def test_plan_refuses_microaggregation_of_text(bench_plan):
    column(bench_plan, "職業")["steps"] = [{"op": "microaggregate", "size": 3}]

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == [
        '列 "職業" の処理 "microaggregate" には数値の列が必要です（列の type を integer か number にしてください）'
    ]


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (2, "は 16 以上でなければなりません"),
        (14, "は 16 以上でなければなりません"),
        (25, "は 2 の倍数でなければなりません"),
        (66, "は 64 以下でなければなりません"),
        (200, "は 64 以下でなければなりません"),
    ],
)
def test_plan_refuses_a_pseudonym_length_the_hash_cannot_give(bench_plan, length, message):
    column(bench_plan, "受給者番号")["steps"] = [{"op": "pseudonymize", "length": length}]

    with pytest.raises(PlanError) as exc:
        load_plan(bench_plan)

    assert exc.value.messages == [f'列 "受給者番号" の処理 "pseudonymize"の length {message}']


@pytest.mark.parametrize("length", [16, 64])
def test_pseudonyms_of_every_allowed_length_are_made(admin_table, bench_plan, secrets, length):
    column(bench_plan, "受給者番号")["steps"] = [{"op": "pseudonymize", "length": length}]

    bench_plan["dataset"]["k_anonymity"]["method"] = "check"

    table = anonymize(admin_table.slice(0, 50), load_plan(bench_plan), secrets).table

    assert set(table["受給者番号"].str.len()) == {length}


def test_pipeline_turns_an_unforeseen_fault_into_an_operation_error_without_the_value(
    admin_table, bench_plan, secrets, monkeypatch
):
    def broken(*args, **kwargs):
        raise KeyError("山田太郎")

    monkeypatch.setattr(globalpass, "_enforce_kanon", broken)

    with pytest.raises(OperationError) as exc:
        anonymize(admin_table.slice(0, 100), load_plan(bench_plan), secrets)

    assert "山田" not in str(exc.value)
    assert exc.value.__cause__ is None and exc.value.__suppress_context__ is True


def test_pipeline_lets_what_the_progress_callback_raises_through(admin_table, bench_plan, secrets, tmp_path):
    class Stop(Exception):
        pass

    def progress(share):
        if share == 0.5:
            raise Stop

    path = tmp_path / "in.csv"
    pv.write_csv(admin_table.slice(0, 100), path)

    with pytest.raises(Stop):
        pipeline_module.anonymize_file(path, load_plan(bench_plan), secrets, progress=progress)
