import pytest

from tests.factories.accounts import OrganizationFactory
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register():
    organization = OrganizationFactory(name="個人情報保護試験室")
    RegisterEntryFactory(
        name="個人情報保護取扱主任者受験者ファイル",
        organization=organization,
        items=["受験年度", "受験番号", "氏名", "生年月日", "性別", "住所", "電話番号", "合否の別", "合格順位", "得点"],
        eligible=True,
        open_for_proposals=True,
        proposal_office="（名称）個人情報保護試験室\n（所在地）〒100-0013 東京都千代田区霞が関3-1-1",
    )
    RegisterEntryFactory.create_batch(3, name="職員健康診断結果ファイル", organization=organization)


def test_searching_the_register_in_japanese_and_opening_an_entry(page, register, axe_violations):
    page.goto("/register/")
    assert axe_violations(page) == []

    page.get_by_label("キーワード").fill("受験")
    with page.expect_navigation():
        page.get_by_role("button", name="検索する").click()

    assert page.get_by_role("status").filter(has_text="件").first.inner_text().startswith("1件")
    assert "q=%E5%8F%97%E9%A8%93" in page.url  # the search can be shared as a URL
    with page.expect_navigation():
        page.get_by_role("link", name="個人情報保護取扱主任者受験者ファイル").click()

    assert page.get_by_role("heading", level=1).inner_text() == "個人情報保護取扱主任者受験者ファイル"
    open_row = page.get_by_role("row", name="行政機関等匿名加工情報の提案をする個人情報ファイルである旨")
    assert open_row.inner_text().endswith("該当")
    assert axe_violations(page) == []


def test_the_search_form_works_from_the_keyboard_alone(page, register):
    page.goto("/register/")

    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    page.get_by_label("キーワード").focus()
    page.keyboard.type("ﾃﾞｰﾀ 健康診断")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("status").filter(has_text="件").first.inner_text().startswith("0件")
    page.get_by_label("キーワード").fill("健康診断")
    with page.expect_navigation():
        page.get_by_label("キーワード").press("Enter")
    assert page.get_by_role("status").filter(has_text="件").first.inner_text().startswith("3件")


def test_an_invalid_condition_page_passes_axe(page, register, axe_violations):
    page.goto("/register/?q=" + "あ" * 400 + "&file_type=floppy")

    assert "次の検索条件は使用できないため" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
