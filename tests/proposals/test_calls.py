import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from proposals.models import CallPhase, ProposalCall
from proposals.services.calls import CallError, call_publish_guidelines, entries_without_call
from tests.factories.proposals import ProposalCallFactory
from tests.factories.registry import RegisterEntryFactory
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db


def _call(**overrides) -> ProposalCall:
    call = ProposalCallFactory.build(**overrides)
    return call


def test_a_call_shorter_than_thirty_days_is_refused():
    opens = timezone.now() + datetime.timedelta(days=10)
    call = _call(opens_at=opens, closes_at=opens + datetime.timedelta(days=20), guidelines_published_at=None)

    with pytest.raises(ValidationError) as error:
        call.full_clean(exclude=["entries"])

    assert "30日以上の期間を定めてください" in str(error.value.message_dict["closes_at"])


def test_a_call_of_thirty_days_is_accepted():
    opens = timezone.localtime(timezone.now() + datetime.timedelta(days=10)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    closes = opens + datetime.timedelta(days=29, hours=23, minutes=59, seconds=59)
    call = _call(opens_at=opens, closes_at=closes, guidelines_published_at=None, fiscal_year=_fy(opens))

    call.full_clean(exclude=["entries"])

    assert call.period_days == 30


def _fy(moment):
    from portal.jdates import fiscal_year

    return fiscal_year(timezone.localtime(moment).date())


def test_guidelines_published_after_the_start_are_refused_by_the_database():
    call = ProposalCallFactory()
    call.guidelines_published_at = call.opens_at + datetime.timedelta(seconds=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        call.save()


def test_publishing_before_the_start_stamps_now(chief_manager):
    call = ProposalCallFactory(opens_at=timezone.now() + datetime.timedelta(days=5), guidelines_published_at=None)

    published = call_publish_guidelines(call=call, actor=chief_manager)

    assert published.guidelines_published_at <= timezone.now() < published.opens_at
    assert published.phase() == CallPhase.UPCOMING


def test_publishing_after_the_start_is_refused(chief_manager):
    call = ProposalCallFactory(guidelines_published_at=None)

    with pytest.raises(CallError, match="募集開始日時を過ぎているため"):
        call_publish_guidelines(call=call, actor=chief_manager)

    call.refresh_from_db()
    assert call.guidelines_published_at is None


def test_publishing_refuses_a_file_no_longer_open_for_proposals(chief_manager):
    entry = RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="x")
    call = ProposalCallFactory(
        opens_at=timezone.now() + datetime.timedelta(days=5), guidelines_published_at=None, entries=[entry]
    )
    entry.open_for_proposals = False
    entry.save()

    with pytest.raises(CallError, match="提案募集の対象でない"):
        call_publish_guidelines(call=call, actor=chief_manager)


def test_a_published_call_can_be_extended_but_not_shortened_or_moved():
    call = ProposalCallFactory()
    call.closes_at += datetime.timedelta(days=5)
    call.full_clean(exclude=["entries"])

    call.closes_at -= datetime.timedelta(days=10)
    call.opens_at -= datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        call.full_clean(exclude=["entries"])

    assert set(error.value.message_dict) == {"opens_at", "closes_at"}


def test_intake_opens_and_closes_to_the_second():
    call = ProposalCallFactory()

    assert not call.is_open(call.opens_at - datetime.timedelta(seconds=1))
    assert call.is_open(call.opens_at)
    assert call.is_open(call.closes_at)
    assert not call.is_open(call.closes_at + datetime.timedelta(seconds=1))


def test_entries_without_a_call_this_year_are_listed():
    covered = RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="x", name="募集済みファイル")
    ProposalCallFactory(entries=[covered])
    missing = RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="x", name="未募集ファイル")
    RegisterEntryFactory(name="対象外ファイル")

    assert list(entries_without_call()) == [missing]


def test_the_admin_dashboard_warns_about_files_without_a_call(client, chief_manager):
    RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="x", name="未募集ファイル")
    client.force_login(chief_manager)

    body = client.get(reverse("admin:index")).content.decode()

    assert "提案の募集が未設定のファイル（1件）" in body
    assert "未募集ファイル" in body


def test_public_call_pages_show_open_upcoming_and_past(client):
    now = timezone.now()
    ProposalCallFactory(title="募集中の募集")
    ProposalCallFactory(
        title="これからの募集",
        opens_at=now + datetime.timedelta(days=3),
        guidelines_published_at=now - datetime.timedelta(days=1),
    )
    ProposalCallFactory(
        title="終わった募集",
        opens_at=now - datetime.timedelta(days=100),
        closes_at=now - datetime.timedelta(days=30),
        fiscal_year=_fy(now - datetime.timedelta(days=100)),
    )
    ProposalCallFactory(title="未公示の募集", opens_at=now + datetime.timedelta(days=10), guidelines_published_at=None)

    response = client.get(reverse("calls:list"))

    groups = response.context["groups"]
    assert [call.title for call in groups["open"]] == ["募集中の募集"]
    assert [call.title for call in groups["upcoming"]] == ["これからの募集"]
    assert [call.title for call in groups["past"]] == ["終わった募集"]
    assert "未公示の募集" not in response.content.decode()


def test_an_unpublished_call_is_not_found(client):
    call = ProposalCallFactory(opens_at=timezone.now() + datetime.timedelta(days=10), guidelines_published_at=None)

    assert client.get(reverse("calls:detail", args=[call.public_id])).status_code == 404


def test_call_detail_shows_the_guidelines_and_form_links(client):
    call = ProposalCallFactory(purpose="地域の課題解決に資する提案を募集します。")

    body = client.get(reverse("calls:detail", args=[call.public_id])).content.decode()

    assert "地域の課題解決に資する提案を募集します。" in body
    for form in ("proposal", "declaration", "power-of-attorney"):
        assert reverse("calls:form_pdf", args=[call.public_id, form]) in body


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ("proposal", ["行政機関等匿名加工情報をその用に供して行う事業に関する提案書", "本人の数"]),
        ("declaration", ["誓約書", "未成年者"]),
        ("power-of-attorney", ["委任状", "代理人"]),
    ],
)
def test_call_forms_are_pdfs_with_japanese_text(client, form, words):
    call = ProposalCallFactory(title="令和8年度 第1回 提案の募集")

    response = client.get(reverse("calls:form_pdf", args=[call.public_id, form]))

    assert response["Content-Type"] == "application/pdf"
    flat = pdf_text(response.content)
    for word in [*words, "令和8年度 第1回 提案の募集"]:
        assert "".join(word.split()) in flat, word


def test_an_unknown_form_is_not_found(client):
    call = ProposalCallFactory()

    assert client.get(reverse("calls:form_pdf", args=[call.public_id, "secret"])).status_code == 404
