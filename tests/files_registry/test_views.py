import csv
import io
import json
import uuid

import pytest
from django.urls import reverse

from tests.factories.accounts import OrganizationFactory
from tests.factories.registry import AnonymizedDatasetSummaryFactory, RegisterEntryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("registry:list")


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()


def test_list_shows_published_entries_only(client):
    RegisterEntryFactory(name="公表中ファイル")
    RegisterEntryFactory(name="準備中ファイル", published=False)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "公表中ファイル" in _body(response)
    assert "準備中ファイル" not in _body(response)
    assert "1件" in _body(response)


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow_with_entries(client, django_assert_num_queries, count):
    RegisterEntryFactory.create_batch(count)

    # count + page (datasets as EXISTS) + the page's organizations + the organization choices of the form
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [1, 3])
def test_list_with_filters_query_count_does_not_grow(client, django_assert_num_queries, count):
    organization = OrganizationFactory(name="統計局統計調査課")
    RegisterEntryFactory.create_batch(count, organization=organization, name="家計調査ファイル")

    with django_assert_num_queries(5):  # + validating the chosen organization
        response = client.get(LIST, {"q": "家計", "organization": organization.name, "sort": "name"})

    assert response.context["page"].paginator.count == count


def test_search_in_japanese_finds_the_sample_file(client):
    RegisterEntryFactory(name="個人情報保護取扱主任者受験者ファイル")
    RegisterEntryFactory(name="職員健康診断結果ファイル")

    response = client.get(LIST, {"q": "受験"})

    assert [entry.name for entry in response.context["page"]] == ["個人情報保護取扱主任者受験者ファイル"]


def test_filters_combine(client, organization, other_organization):
    RegisterEntryFactory(
        name="対象A",
        organization=organization,
        eligible=True,
        open_for_proposals=True,
        proposal_office="（名称）健康局健康課",
        contains_sensitive_information=True,
    )
    RegisterEntryFactory(name="対象外B", organization=organization)
    RegisterEntryFactory(
        name="対象外C",
        organization=other_organization,
        eligible=True,
        open_for_proposals=True,
        proposal_office="（名称）年金局",
    )
    with_dataset = RegisterEntryFactory(name="作成済みD", organization=organization)
    AnonymizedDatasetSummaryFactory(entry=with_dataset)

    def names(**params):
        return sorted(entry.name for entry in client.get(LIST, params).context["page"])

    assert names(organization=organization.name, open="true") == ["対象A"]
    assert names(sensitive="true") == ["対象A"]
    assert names(datasets="true") == ["作成済みD"]
    assert names(organization=organization.name, open="false") == ["作成済みD", "対象外B"]
    assert names(file_type="manual") == []


def test_sorting_by_name_and_by_number(client):
    RegisterEntryFactory(register_number="A-2", name="あいうファイル")
    RegisterEntryFactory(register_number="A-1", name="かきくファイル")

    by_name = [entry.register_number for entry in client.get(LIST, {"sort": "name"}).context["page"]]
    by_number = [entry.register_number for entry in client.get(LIST, {"sort": "number"}).context["page"]]

    assert (by_name, by_number) == (["A-2", "A-1"], ["A-1", "A-2"])


def test_pagination_links_keep_the_conditions(client):
    RegisterEntryFactory.create_batch(25, name="年金関係ファイル")

    body = _body(client.get(LIST, {"q": "年金", "sort": "name"}))

    assert "q=%E5%B9%B4%E9%87%91&amp;sort=name&amp;page=2" in body
    assert "25件中 1～20件を表示" in body


@pytest.mark.parametrize(
    "params",
    [
        {"q": "受験\x00"},
        {"q": "あ" * 10_000},
        {"page": "99999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"organization": "存在しない組織"},
        {"file_type": "floppy"},
        {"open": "maybe"},
        {"sort": "DROP TABLE"},
        {"q": "a b c d e f g"},
        {"unknown": "value"},
    ],
)
def test_hostile_query_strings_get_a_page_not_an_error(client, params):
    RegisterEntryFactory(name="受験者ファイル")

    response = client.get(LIST, params)

    assert response.status_code == 200
    assert len(response.content) < 200_000


def test_an_invalid_condition_is_reported_in_japanese_and_not_applied(client):
    RegisterEntryFactory(name="受験者ファイル")

    response = client.get(LIST, {"q": "あ" * 10_000, "file_type": "floppy"})

    body = _body(response)
    assert "次の検索条件は使用できないため、適用していません。" in body
    assert "キーワード" in body and "ファイルの種別" in body
    assert response.context["page"].paginator.count == 1
    assert response.context["query"] == ""


def test_a_huge_page_number_shows_the_last_page(client):
    RegisterEntryFactory.create_batch(21)

    response = client.get(LIST, {"page": "99999999"})

    assert response.context["page"].number == 2


def test_detail_is_laid_out_like_the_register_form(client):
    entry = RegisterEntryFactory(name="個人情報保護取扱主任者受験者ファイル", items=["受験年度", "受験番号", "氏名"])

    body = _body(client.get(reverse("registry:detail", args=[entry.public_id])))

    for label in [
        "個人情報ファイルの名称",
        "行政機関の名称",
        "個人情報ファイルが利用に供される事務をつかさどる組織の名称",
        "個人情報ファイルの利用目的",
        "記録項目",
        "記録範囲",
        "記録情報の収集方法",
        "要配慮個人情報が含まれるときは、その旨",
        "記録情報の経常的提供先",
        "開示請求等を受理する組織の名称及び所在地",
        "個人情報ファイルの種別",
        "令第20条第7項に該当するファイル",
        "行政機関等匿名加工情報の提案をする個人情報ファイルである旨",
        "行政機関等匿名加工情報の提案を受ける組織の名称及び所在地",
        "行政機関等匿名加工情報の概要",
        "作成された行政機関等匿名加工情報に関する提案を受ける組織の名称及び所在地",
        "作成された行政機関等匿名加工情報に関する提案をすることができる期間",
        "備考",
    ]:
        assert label in body, label
    assert body.index("受験年度") < body.index("受験番号") < body.index("氏名</li>")


def test_detail_never_shows_staff_only_fields(client):
    entry = RegisterEntryFactory(subject_count=98_765, eligible=True)

    body = _body(client.get(reverse("registry:detail", args=[entry.public_id])))

    assert "98765" not in body and "98,765" not in body
    assert "①" not in body


def test_detail_of_an_unpublished_or_unknown_entry_is_not_found(client):
    hidden = RegisterEntryFactory(published=False)

    assert client.get(reverse("registry:detail", args=[hidden.public_id])).status_code == 404
    assert client.get(reverse("registry:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/register/12/").status_code == 404


def test_detail_shows_the_created_dataset_summary_and_period(client):
    import datetime

    entry = RegisterEntryFactory()
    summary = AnonymizedDatasetSummaryFactory(
        entry=entry,
        subject_count=10_000,
        proposal_period_start=datetime.date(2026, 4, 1),
        proposal_period_end=datetime.date(2027, 3, 31),
    )
    summary.items.create(position=1, name="氏名", processing="削除")
    summary.items.create(position=2, name="住所", processing="都道府県単位に置換え")

    body = _body(client.get(reverse("registry:detail", args=[entry.public_id])))

    assert "本人の数：10000人、情報の項目：氏名（削除）住所（都道府県単位に置換え）" in body
    assert "令和8年4月1日～令和9年3月31日" in body


def test_csv_export_follows_the_filters_and_neutralises_formulas(client):
    RegisterEntryFactory(name="受験者ファイル", remarks='=HYPERLINK("http://evil")', subject_count=4321)
    RegisterEntryFactory(name="別のファイル")

    response = client.get(reverse("registry:export_csv"), {"q": "受験"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [row["個人情報ファイルの名称"] for row in rows] == ["受験者ファイル"]
    assert rows[0]["備考"] == '\'=HYPERLINK("http://evil")'
    assert "4321" not in _body(client.get(reverse("registry:export_csv")))


def test_json_export_has_the_published_columns(client):
    RegisterEntryFactory(name="受験者ファイル", items=["氏名", "住所"], subject_count=4321)

    data = json.loads(_body(client.get(reverse("registry:export_json"))))

    assert [record["記録項目"] for record in data] == ["氏名、住所"]
    assert "本人の数" not in data[0]
    assert data[0]["行政機関等匿名加工情報の概要"] == "－"


def test_exports_ignore_invalid_conditions(client):
    RegisterEntryFactory(name="受験者ファイル")

    response = client.get(reverse("registry:export_csv"), {"q": "\x00", "page": "zz", "open": "maybe"})

    assert response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(_body(response))))) == 1


def test_pages_refuse_unsafe_methods(client):
    assert client.post(LIST).status_code in (403, 405)
