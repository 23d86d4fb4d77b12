"""A proposer, in headless Chromium: registration, pre-consultation, a submitted proposal and its
receipt, with axe on every page."""

import re

import pytest

from portal.models import Notification
from proposals.models import Proposal
from tests.factories.accounts import OrganizationFactory
from tests.factories.proposals import ProposalCallFactory, pdf_bytes
from tests.factories.registry import RegisterEntryFactory
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "kasumigaseki-portal-2026"


@pytest.fixture
def call():
    entry = RegisterEntryFactory(
        name="個人情報保護取扱主任者受験者ファイル",
        organization=OrganizationFactory(name="個人情報保護試験室"),
        items=["受験年度", "氏名", "住所", "得点"],
        eligible=True,
        open_for_proposals=True,
        proposal_office="（名称）個人情報保護試験室",
    )
    return ProposalCallFactory(title="令和8年度 第1回 提案の募集", entries=[entry])


def _go(page, action):
    with page.expect_navigation():
        action()


def test_a_proposer_registers_consults_and_submits_a_proposal(page, call, axe_violations, tmp_path):
    checked = []

    def check(name):
        checked.append(name)
        assert axe_violations(page) == [], name

    # Registration and e-mail verification
    page.goto("/accounts/register/")
    check("register")
    page.get_by_label("メールアドレス").fill("teian@example.jp")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_label("パスワード（確認）").fill(PASSWORD)
    _go(page, lambda: page.get_by_role("button", name="登録する").click())
    assert page.get_by_role("heading", level=1).inner_text() == "確認メールを送信しました"
    check("register sent")
    link = re.search(r"http://[^/]+(/accounts/verify/\S+)", Notification.objects.get(template="account_verify").body)
    page.goto(link.group(1))
    check("verify")
    _go(page, lambda: page.get_by_role("button", name="登録を完了する").click())

    # The proposer's profile
    assert page.get_by_role("heading", level=1).inner_text() == "提案者の情報"
    check("profile")
    page.get_by_label("個人", exact=True).check()
    page.get_by_label("氏名又は名称").fill("提案 花子")
    page.get_by_label("フリガナ").first.fill("テイアン ハナコ")
    page.get_by_label("郵便番号").fill("100-0001")
    page.get_by_label("住所又は居所（法人は主たる事務所の所在地）").fill("東京都千代田区千代田1-1")
    page.get_by_label("電話番号").fill("03-1234-5678")
    page.get_by_label("生年月日（個人の場合）").fill("1985-05-05")
    _go(page, lambda: page.get_by_role("button", name="保存する").click())
    assert page.get_by_role("heading", level=1).inner_text() == "マイページ"
    check("mypage")

    # Pre-consultation
    _go(page, lambda: page.get_by_role("link", name="事前相談を始める").click())
    check("consultation new")
    page.get_by_label("件名").fill("住所の加工について")
    page.get_by_label("対象の個人情報ファイル（任意）").select_option(label="個人情報保護取扱主任者受験者ファイル")
    page.get_by_label("相談内容").fill("住所は都道府県単位で提供いただけますか。")
    _go(page, lambda: page.get_by_role("button", name="送信する").click())
    assert "住所は都道府県単位で提供いただけますか。" in page.content()
    check("consultation")

    # A proposal on the open call
    page.goto(f"/calls/{call.public_id}/")
    check("call")
    _go(page, lambda: page.get_by_role("button", name=re.compile("このファイルについて提案する")).click())
    check("proposal form")
    page.get_by_label("行政機関等匿名加工情報の本人の数", exact=True).fill("5000")
    for item, action in (("受験年度", "keep"), ("氏名", "delete"), ("住所", "generalize"), ("得点", "top_code")):
        page.get_by_label(f"{item}：加工の方法").select_option(action)
    page.get_by_label("住所：一般化の単位").select_option("prefecture")
    page.get_by_label("得点：コーディングの値").fill("90")
    page.get_by_label("全件").check()
    page.get_by_label("行政機関等匿名加工情報の利用の目的", exact=True).fill("受験者の地域分布の分析")
    page.get_by_label("行政機関等匿名加工情報の利用の方法", exact=True).fill("統計的な集計に限って用いる")
    page.get_by_label("行政機関等匿名加工情報がその用に供される事業の内容", exact=True).fill("資格教育サービスの改善")
    page.get_by_label("事業の用に供しようとする期間（開始）", exact=True).fill("2027-04-01")
    page.get_by_label("事業の用に供しようとする期間（終了）", exact=True).fill("2028-03-31")
    page.get_by_label("漏えいの防止その他の適切な管理のために講ずる措置", exact=True).fill("アクセス制御と暗号化")
    page.get_by_label("本ポータルからのダウンロード").check()
    for radio in page.get_by_label("該当しない").all():
        radio.check()
    for index, kind in enumerate(("declaration", "contribution", "identity")):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(pdf_bytes(kind))
        page.get_by_label("書類の種類").select_option(kind)
        page.get_by_label("ファイル（PDF、PNG、JPEG。10MBまで）").set_input_files(str(path))
        _go(page, lambda: page.get_by_role("button", name="添付する").click())
        assert page.get_by_role("listitem").filter(has_text=f"{kind}.pdf").count() == 1, index
    check("proposal form with attachments")
    _go(page, lambda: page.get_by_role("button", name="提出する").click())

    proposal = Proposal.objects.get()
    assert proposal.receipt_number in page.content()
    check("submitted")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("PDFをダウンロード")).click()
    receipt = pdf_text(download.value.path().read_bytes())
    expected = [
        proposal.receipt_number,
        "提案花子",
        "住所：一般化（粗くする）：住所→都道府県",
        "得点：トップコーディング",
    ]
    for words in expected:
        assert words in receipt, words
    assert len(checked) == 11
