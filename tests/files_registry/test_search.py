"""Japanese substring search: the same results on SQLite and PostgreSQL (CI runs the latter)."""

import pytest

from files_registry import search
from files_registry.models import RegisterEntry
from tests.factories.accounts import OrganizationFactory
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db


def _found(query: str) -> list[str]:
    queryset = search.filter_by_terms(RegisterEntry.objects.all(), search.search_terms(query))
    return sorted(queryset.values_list("name", flat=True))


@pytest.fixture
def register():
    RegisterEntryFactory(name="個人情報保護取扱主任者受験者ファイル", items=["受験番号", "氏名", "得点"])
    RegisterEntryFactory(
        name="特定健康診査結果ファイル",
        purpose="生活習慣病の予防に利用する。",
        items=["被保険者番号", "血圧"],
        organization=OrganizationFactory(name="健康局健康課"),
    )
    RegisterEntryFactory(name="ＡＢＣ調査票ﾃﾞｰﾀファイル", items=["回答者ID"])


def test_a_substring_without_spaces_finds_the_file(register):
    assert _found("受験") == ["個人情報保護取扱主任者受験者ファイル"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("abc", ["ＡＢＣ調査票ﾃﾞｰﾀファイル"]),
        ("ＡＢＣ", ["ＡＢＣ調査票ﾃﾞｰﾀファイル"]),
        ("データ", ["ＡＢＣ調査票ﾃﾞｰﾀファイル"]),
        ("ﾃﾞｰﾀ", ["ＡＢＣ調査票ﾃﾞｰﾀファイル"]),
    ],
)
def test_full_width_and_half_width_forms_match(register, query, expected):
    assert _found(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("生活習慣病", ["特定健康診査結果ファイル"]),  # purpose
        ("血圧", ["特定健康診査結果ファイル"]),  # recorded item
        ("健康局", ["特定健康診査結果ファイル"]),  # organization
        (
            "デジタル行政推進省",
            sorted(["ＡＢＣ調査票ﾃﾞｰﾀファイル", "個人情報保護取扱主任者受験者ファイル", "特定健康診査結果ファイル"]),
        ),
    ],
)
def test_search_covers_purpose_items_agency_and_organization(register, query, expected):
    assert _found(query) == expected


def test_every_term_must_match(register):
    assert _found("ファイル　受験") == ["個人情報保護取扱主任者受験者ファイル"]
    assert _found("受験 血圧") == []


def test_a_one_character_term_matches_anywhere_even_at_the_end(register):
    assert _found("圧") == ["特定健康診査結果ファイル"]
    assert _found("ル") == sorted(
        ["ＡＢＣ調査票ﾃﾞｰﾀファイル", "個人情報保護取扱主任者受験者ファイル", "特定健康診査結果ファイル"]
    )


def test_like_wildcards_in_a_query_are_plain_text(register):
    assert _found("%") == []
    assert _found("_") == []


def test_quotes_and_backslashes_in_a_query_are_plain_text(register):
    assert _found("受験'") == []
    assert _found("\\受験") == []


def test_search_text_follows_renamed_items(register):
    from files_registry.services import entry_set_recorded_items

    entry = RegisterEntry.objects.get(name="特定健康診査結果ファイル")
    entry_set_recorded_items(entry=entry, names=["被保険者番号", "腹囲"])

    assert (_found("血圧"), _found("腹囲")) == ([], ["特定健康診査結果ファイル"])


def test_normalize_removes_control_characters_and_folds_width():
    assert search.normalize_for_search("ＡＢＣ\x00ｶﾅ　受験") == "abc カナ 受験"
