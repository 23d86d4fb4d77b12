"""Result notices (審査結果通知書, 法114条2項・3項): issued on approval, stored as issued, downloaded on /mypage/."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from portal.audit.models import AccessRecord
from proposals.enums import Criterion, NoticeDocumentKind, ScreeningDecision
from proposals.models import ScreeningPolicy
from proposals.services import screening as services
from tests.factories.screening import approver_user, screener_user, screening_awaiting_approval
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture
def staff(chief_manager):
    ScreeningPolicy.objects.update_or_create(
        pk=1,
        defaults={"document_symbol": "デ推個", "agency_head_name": "山本　恵子", "contact_section": "匿名加工情報係"},
    )
    return {"screener": screener_user(), "approver": approver_user(), "assigner": chief_manager}


def _issue(staff, *, failing=None, hours=None, contractor=0, **fields):
    screening = screening_awaiting_approval(
        screener=staff["screener"], assigner=staff["assigner"], failing=failing, **fields
    )
    return services.screening_approve(
        screening=screening,
        actor=staff["approver"],
        estimated_hours=hours,
        contractor_amount=contractor,
        today=TODAY,
    )


def _pdf(notice, kind) -> str:
    document = notice.documents.get(kind=kind)
    with document.file.open("rb") as handle:
        return pdf_text(handle.read())


def test_an_adequate_notice_encloses_the_forms_and_states_the_fee(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _issue(staff, hours=2.5, contractor=30_000)

    text = _pdf(notice, NoticeDocumentKind.NOTICE)
    assert notice.document_number == "デ推個第1号" and notice.decision == ScreeningDecision.ADEQUATE
    assert "デ推個第1号" in text and "令和8年11月24日" in text and "殿" in text
    assert "法第115条" in text and "山本恵子" in text
    assert notice.fee_amount == 21_000 + 3 * 3_950 + 30_000
    assert "金62,850円" in text and "作成の委託を受けた者に支払う額" in text
    assert "提出期限：令和8年12月24日" in text  # 30 days after the notice
    proposer_name = notice.proposal.proposer.name.replace(" ", "")
    application = _pdf(notice, NoticeDocumentKind.CONTRACT_APPLICATION)
    contract = _pdf(notice, NoticeDocumentKind.USAGE_CONTRACT)
    assert proposer_name in application and "デ推個第1号" in application and "金62,850円" in application
    assert proposer_name in contract and "利用に関する契約書" in contract
    sent = [message for message in mail.outbox if "審査結果通知書の発出" in message.subject]
    assert len(sent) == 1 and "適合（法第114条第2項）" in sent[0].body and "金62,850円" in sent[0].body
    assert sent[0].to == [notice.proposal.proposer.user.email]


def test_an_inadequate_notice_gives_the_reason_of_each_criterion(staff):
    reasons = {
        Criterion.PROTECTION: "アクセス制御の方法が示されていない。",
        Criterion.CONTRIBUTION: "事業の内容が具体的でない。",
    }

    notice = _issue(staff, failing=reasons)

    text = _pdf(notice, NoticeDocumentKind.NOTICE)
    assert notice.decision == ScreeningDecision.INADEQUATE
    assert list(notice.documents.values_list("kind", flat=True)) == [NoticeDocumentKind.NOTICE]
    assert "同条第3項" in text and "不適合" in text and "殿" in text and "デ推個第1号" in text
    for reason in reasons.values():
        assert reason in text
    assert "第7号" in text and "事務の遂行に著しい支障を及ぼさない" in text  # every criterion has its row


def test_document_numbers_follow_each_other_and_the_pdfs_are_kept_as_issued(staff):
    first, second = _issue(staff, hours=1), _issue(staff, hours=1)
    stored = first.documents.get(kind=NoticeDocumentKind.NOTICE)
    before = stored.file.open("rb").read()

    ScreeningPolicy.objects.filter(pk=1).update(agency_head_name="別の　氏名")

    assert (first.document_number, second.document_number) == ("デ推個第1号", "デ推個第2号")
    assert stored.file.open("rb").read() == before and "山本恵子" in pdf_text(before)


def _url(document):
    return reverse(
        "mypage:result_notice_document",
        kwargs={"public_id": document.notice.proposal.public_id, "document_id": document.public_id},
    )


def test_the_proposer_downloads_the_notice_and_the_download_is_recorded(staff, client):
    notice = _issue(staff, hours=1)
    document = notice.documents.get(kind=NoticeDocumentKind.NOTICE)
    client.force_login(notice.proposal.proposer.user)

    response = client.get(_url(document))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessRecord.objects.filter(action="download", object_type="proposals.resultnoticedocument").count() == 1


def test_another_proposer_gets_404(staff, client):
    from tests.factories.proposals import ProposerFactory

    notice = _issue(staff, hours=1)
    client.force_login(ProposerFactory().user)

    assert client.get(_url(notice.documents.first())).status_code == 404


def test_the_mypage_lists_the_notice(staff, client):
    notice = _issue(staff, hours=1)
    client.force_login(notice.proposal.proposer.user)

    page = client.get(reverse("mypage:proposal", kwargs={"public_id": notice.proposal.public_id})).content.decode()

    assert "審査結果通知書" in page and notice.document_number in page
