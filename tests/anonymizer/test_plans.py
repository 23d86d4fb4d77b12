"""A proposal's request laid over the file's 加工基準 (anonymizer.plans): coarser or equal, never finer, and
only 行政機関等匿名加工情報 (issue 5, review G1 and G2)."""

import copy

import pytest

from anonymizer.models import ProcessingProfile
from anonymizer.plans import PlanUnavailable, coarser_or_equal, plan_for_request
from tests.factories.anonymizer import profile_plan
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db

HEIGHT_BANDED = [
    {"op": "top_code", "threshold": 190, "unit": "cm"},
    {"op": "bottom_code", "threshold": 100, "unit": "cm"},
    {"op": "generalize", "method": "bands", "width": 20},
]


def standard(entry, **steps) -> dict:
    """Give `entry` the test 加工基準, with `steps` (column name → its steps) in place of the usual ones."""
    plan = profile_plan()
    for column in plan["columns"]:
        if column["name"] in steps:
            column["steps"] = copy.deepcopy(steps[column["name"]])
    ProcessingProfile.objects.update_or_create(entry=entry, defaults={"plan": plan})
    return plan


def laid(entry, **actions):
    """plan_for_request for a request naming only `actions` (column name → the request for it)."""
    items = [{"name": name, **wanted} for name, wanted in actions.items()]
    return plan_for_request(entry, {"items": items, "records": {"selection": "all"}})


def steps_of(built, name: str) -> list[dict]:
    return next(column["steps"] for column in built.plan["columns"] if column["name"] == name)


@pytest.fixture
def entry():
    return RegisterEntryFactory()


# --- 行政機関等匿名加工情報 only (G1) -----------------------------------------------------------------------------


def test_a_pseudonymized_standard_gives_no_plan(entry):
    plan = profile_plan()
    plan["mode"] = "pseudonymized"
    ProcessingProfile.objects.create(entry=entry, plan=plan)

    with pytest.raises(PlanUnavailable) as exc:
        laid(entry)

    assert exc.value.messages[1].startswith("処理計画の mode が anonymized ではありません。")
    assert "仮名加工情報は第三者に提供できません" in exc.value.messages[1]


# --- address ----------------------------------------------------------------------------------------------


def test_request_for_prefecture_over_a_municipality_standard_is_followed(entry):
    standard(entry, 住所=[{"op": "generalize", "method": "address", "level": "municipality"}])

    built = laid(entry, 住所={"action": "generalize", "level": "prefecture"})

    assert steps_of(built, "住所") == [{"op": "generalize", "method": "address", "level": "prefecture"}]
    assert built.notes == []


def test_request_for_municipality_over_a_prefecture_standard_keeps_the_standard(entry):
    standard(entry)

    built = laid(entry, 住所={"action": "generalize", "level": "municipality"})

    assert steps_of(built, "住所") == [{"op": "generalize", "method": "address", "level": "prefecture"}]
    assert built.notes == [
        "「住所」について求められた一般化（住所 → 市区町村）は加工基準の処理より細かいため、"
        "加工基準の処理（都道府県単位に置換え）を行います。"
    ]


def test_request_to_generalise_a_column_the_standard_keeps_is_added(entry):
    standard(entry, 住所=[{"op": "keep"}])

    built = laid(entry, 住所={"action": "generalize", "level": "municipality"})

    assert steps_of(built, "住所") == [{"op": "generalize", "method": "address", "level": "municipality"}]


# --- dates ------------------------------------------------------------------------------------------------


def test_request_for_year_month_over_a_year_standard_keeps_the_standard(entry):
    plan = standard(entry)
    before = next(c["steps"] for c in plan["columns"] if c["name"] == "生年月日")

    built = laid(entry, 生年月日={"action": "generalize", "level": "year_month"})

    assert steps_of(built, "生年月日") == before  # year, then ten-year bands
    assert built.notes[0].startswith(
        "「生年月日」について求められた一般化（年月日 → 年月）は加工基準の処理より細かいため"
    )


def test_request_for_the_standards_own_level_leaves_its_later_steps(entry):
    plan = standard(entry)
    before = next(c["steps"] for c in plan["columns"] if c["name"] == "生年月日")

    built = laid(entry, 生年月日={"action": "generalize", "level": "year"})

    assert steps_of(built, "生年月日") == before  # the ten-year bands after the year stay
    assert built.notes == []


def test_request_for_year_over_a_year_month_standard_is_followed(entry):
    standard(entry, 生年月日=[{"op": "generalize", "method": "date", "level": "year_month"}])

    built = laid(entry, 生年月日={"action": "generalize", "level": "year"})

    assert steps_of(built, "生年月日") == [{"op": "generalize", "method": "date", "level": "year"}]


def test_request_for_calendar_years_over_fiscal_years_keeps_the_standard(entry):
    fiscal = [{"op": "generalize", "method": "date", "level": "fiscal_year"}]
    standard(entry, 生年月日=fiscal)

    built = laid(entry, 生年月日={"action": "generalize", "level": "year"})

    assert steps_of(built, "生年月日") == fiscal
    assert len(built.notes) == 1


# --- bands ------------------------------------------------------------------------------------------------


def test_request_for_wider_bands_that_hold_the_standards_bands_is_followed(entry):
    standard(entry, 点数=[{"op": "generalize", "method": "bands", "width": 5, "start": 3}])

    built = laid(entry, 点数={"action": "generalize", "level": "age_10"})

    assert steps_of(built, "点数") == [{"op": "generalize", "method": "bands", "width": 10, "start": 3}]


@pytest.mark.parametrize(
    ("width", "level"),
    [(10, "age_5"), (4, "age_10")],
    ids=["narrower", "not-a-multiple"],
)
def test_request_for_bands_that_split_the_standards_bands_keeps_the_standard(entry, width, level):
    bands = [{"op": "generalize", "method": "bands", "width": width}]
    standard(entry, 点数=bands)

    built = laid(entry, 点数={"action": "generalize", "level": level})

    assert steps_of(built, "点数") == bands
    assert "加工基準の処理より細かいため" in built.notes[0]


def test_request_for_bands_over_coded_bands_keeps_the_standard(entry):
    standard(entry, 身長=HEIGHT_BANDED)

    built = laid(entry, 身長={"action": "generalize", "level": "age_10"})

    assert steps_of(built, "身長") == HEIGHT_BANDED


# --- hierarchies ------------------------------------------------------------------------------------------


def test_a_hierarchy_level_is_coarser_only_when_higher_in_the_same_table():
    table = {"会社員": ["被用者", "就業"], "公務員": ["被用者", "就業"]}
    step = {"op": "generalize", "method": "hierarchy", "hierarchy": table}

    assert coarser_or_equal({**step, "level": 2}, {**step, "level": 1}) is True
    assert coarser_or_equal({**step, "level": 1}, {**step, "level": 1}) is True
    assert coarser_or_equal({**step, "level": 1}, {**step, "level": 2}) is False
    assert coarser_or_equal({**step, "level": 2, "hierarchy": {}}, {**step, "level": 1}) is False


# --- top and bottom coding --------------------------------------------------------------------------------


def test_request_raising_the_standards_top_code_keeps_the_standard(entry):
    """The review's case: the 加工基準 codes children from 150 cm; a request of 250 would publish 205 cm."""
    coded = [{"op": "top_code", "threshold": 150, "unit": "cm"}]
    standard(entry, 身長=coded)

    built = laid(entry, 身長={"action": "top_code", "threshold": 250})

    assert steps_of(built, "身長") == coded
    assert built.notes == [
        "「身長」について求められたトップコーディング（上限値でまとめる）（250以上）は加工基準のしきい値より緩いため、"
        "加工基準の処理（150cm以上をまとめる（トップコーディング））を行います。"
    ]


def test_request_lowering_the_standards_top_code_is_followed(entry):
    standard(entry, 身長=[{"op": "top_code", "threshold": 150, "unit": "cm", "label": "150cm以上"}])

    built = laid(entry, 身長={"action": "top_code", "threshold": 140})

    assert steps_of(built, "身長") == [{"op": "top_code", "threshold": 140, "unit": "cm"}]
    assert built.notes == []


def test_request_lowering_the_bottom_code_keeps_the_standard(entry):
    standard(entry, 身長=HEIGHT_BANDED)

    built = laid(entry, 身長={"action": "bottom_code", "threshold": 90})

    assert steps_of(built, "身長") == HEIGHT_BANDED
    assert "加工基準のしきい値より緩いため" in built.notes[0]


@pytest.mark.parametrize(
    ("action", "threshold", "position"),
    [("top_code", 160, 0), ("bottom_code", 119, 1)],
)
def test_request_for_coding_on_a_band_boundary_is_followed(entry, action, threshold, position):
    standard(entry, 身長=HEIGHT_BANDED)

    built = laid(entry, 身長={"action": action, "threshold": threshold})

    assert steps_of(built, "身長")[position] == {"op": action, "threshold": threshold, "unit": "cm"}
    assert built.notes == []


@pytest.mark.parametrize(("action", "threshold"), [("top_code", 150), ("bottom_code", 110)])
def test_request_for_coding_inside_a_band_keeps_the_standard(entry, action, threshold):
    standard(entry, 身長=HEIGHT_BANDED)

    built = laid(entry, 身長={"action": action, "threshold": threshold})

    assert steps_of(built, "身長") == HEIGHT_BANDED
    assert "加工基準の階級の境目に合わないため" in built.notes[0]


def test_request_for_top_coding_where_the_standard_has_none_codes_after_its_steps(entry):
    standard(entry)  # 点数: noise

    built = laid(entry, 点数={"action": "top_code", "threshold": 90})

    assert [step["op"] for step in steps_of(built, "点数")] == ["noise", "top_code"]
    assert steps_of(built, "点数")[1] == {"op": "top_code", "threshold": 90}


def test_request_for_top_coding_below_the_standards_bottom_code_keeps_the_standard(entry):
    standard(entry, 身長=HEIGHT_BANDED)

    built = laid(entry, 身長={"action": "top_code", "threshold": 100})

    assert steps_of(built, "身長") == HEIGHT_BANDED
    assert "加工基準の反対側のコーディングと重なるため" in built.notes[0]


def test_request_for_top_coding_of_dates_keeps_the_standard(entry):
    plan = standard(entry)
    before = next(c["steps"] for c in plan["columns"] if c["name"] == "生年月日")

    built = laid(entry, 生年月日={"action": "top_code", "threshold": 2000})

    assert steps_of(built, "生年月日") == before
    assert "加工基準の一般化と組み合わせられないため" in built.notes[0]


# --- drop, pseudonyms and the fixed roles -----------------------------------------------------------------


@pytest.mark.parametrize(
    "wanted",
    [{"action": "keep"}, {"action": "generalize", "level": "age_10"}, {"action": "top_code", "threshold": 9}],
)
def test_request_never_brings_back_a_column_the_standard_drops(entry, wanted):
    standard(entry, 職業=[{"op": "drop"}])

    built = laid(entry, 職業=wanted)

    assert steps_of(built, "職業") == [{"op": "drop"}]
    assert built.notes == ["「職業」は加工基準で削除する項目のため、求められた加工ではなく削除します。"]


def test_request_never_undoes_a_pseudonym(entry):
    standard(entry, 職業=[{"op": "pseudonymize"}])

    built = laid(entry, 職業={"action": "top_code", "threshold": 9})

    assert steps_of(built, "職業") == [{"op": "pseudonymize"}]
    assert built.notes[0].startswith("「職業」は加工基準で仮IDに置き換える項目のため")


def test_request_to_delete_drops_any_column(entry):
    standard(entry)

    built = laid(entry, 職業={"action": "delete"}, 住所={"action": "delete"})

    assert steps_of(built, "職業") == steps_of(built, "住所") == [{"op": "drop"}]
    assert built.plan["dataset"]["k_anonymity"]["quasi_identifiers"] == ["生年月日", "性別"]  # 住所 is gone
    assert built.notes == []


def test_request_on_an_identifying_column_keeps_the_standard(entry):
    standard(entry)

    built = laid(entry, 受給者番号={"action": "generalize", "level": "age_10"})

    assert steps_of(built, "受給者番号") == [{"op": "pseudonymize"}]
    assert built.notes[0].startswith("「受給者番号」は情報を相互に連結する符号（加工基準③）のため")


def test_request_to_keep_a_column_leaves_the_standards_steps_without_a_note(entry):
    plan = standard(entry)

    built = laid(entry, 住所={"action": "keep"}, 身長={"action": "keep"})

    assert built.plan["columns"] == plan["columns"]
    assert built.notes == []
