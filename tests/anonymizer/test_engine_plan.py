import pytest

from anonymizer.engine import PlanError, load_plan


def _plan(**column):
    return {"plan_version": 1, "columns": [{"name": "住所", "role": "quasi_identifier", **column}]}


def test_load_plan_generalize_without_level_japanese_message():
    with pytest.raises(PlanError) as exc:
        load_plan(_plan(steps=[{"op": "generalize", "method": "address"}]))
    assert '列 "住所" の処理 "generalize" に level がありません' in exc.value.messages


def test_load_plan_unknown_op_japanese_message():
    with pytest.raises(PlanError) as exc:
        load_plan(_plan(steps=[{"op": "encrypt"}]))
    assert any("使えません" in m and "encrypt" in m for m in exc.value.messages)


def test_load_plan_bad_yaml_no_traceback():
    with pytest.raises(PlanError) as exc:
        load_plan("plan_version: 1\ncolumns: [\n")
    assert exc.value.__cause__ is None
    assert "読み取れません" in str(exc.value)


def test_load_plan_global_step_before_row_step_rejected():
    with pytest.raises(PlanError) as exc:
        load_plan(
            _plan(
                steps=[
                    {"op": "rare_categories", "min_count": 5},
                    {"op": "generalize", "method": "address", "level": "prefecture"},
                ]
            )
        )
    assert "全体集計を伴う処理" in exc.value.messages[0]


def test_load_plan_hierarchy_level_too_deep(arx_dir):
    plan = {
        "plan_version": 1,
        "columns": [
            {
                "name": "sex",
                "role": "quasi_identifier",
                "steps": [
                    {
                        "op": "generalize",
                        "method": "hierarchy",
                        "level": 3,
                        "table": str(arx_dir / "adult_hierarchy_sex.csv"),
                    }
                ],
            }
        ],
    }
    with pytest.raises(PlanError) as exc:
        load_plan(plan)
    assert exc.value.messages == ['列 "sex" の処理 "generalize" の level 3 は階層の深さ 1 を超えています']


def test_load_plan_yaml_valid_same_digest_as_dict():
    text = "plan_version: 1\ncolumns:\n  - {name: 氏名, role: identifier, steps: [{op: drop}]}\n"
    as_dict = {"plan_version": 1, "columns": [{"name": "氏名", "role": "identifier", "steps": [{"op": "drop"}]}]}
    assert load_plan(text).digest == load_plan(as_dict).digest


def test_load_plan_unknown_qi_reported():
    plan = _plan(steps=[{"op": "keep"}])
    plan["dataset"] = {"k_anonymity": {"k": 5, "quasi_identifiers": ["年齢"]}}
    with pytest.raises(PlanError) as exc:
        load_plan(plan)
    assert exc.value.messages == ['k-匿名性の準識別子 "年齢" が列の一覧にありません']
