import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from proposals.enums import AttachmentKind, DisqualificationGround, ProposalStatus
from proposals.models import DisqualificationRecord, Proposal
from proposals.services.proposals import (
    ProposalError,
    proposal_attach,
    proposal_request_correction,
    proposal_submit,
    proposal_withdraw,
)
from tests.factories.proposals import (
    CORPORATE_NUMBER,
    ProposalCallFactory,
    ProposalFactory,
    ProposerFactory,
    ProposerOfficerFactory,
    clean_declarations,
    pdf_upload,
)
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db


def _problems(proposal) -> list[str]:
    with pytest.raises(ProposalError) as error:
        proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    return error.value.problems


def test_a_complete_proposal_gets_a_receipt_number_a_version_and_an_email(django_capture_on_commit_callbacks):
    proposal = ProposalFactory()

    with django_capture_on_commit_callbacks(execute=True):
        version = proposal_submit(proposal=proposal, actor=proposal.proposer.user)

    proposal.refresh_from_db()
    year = proposal.submitted_at.year if proposal.submitted_at.month >= 4 else proposal.submitted_at.year - 1
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.receipt_number == f"{year}-000001"
    assert (version.number, version.snapshot["receipt_number"]) == (1, proposal.receipt_number)
    assert [attachment["kind"] for attachment in version.snapshot["attachments"]] == [
        "contribution",
        "declaration",
        "identity",
    ]
    assert len(mail.outbox) == 1 and proposal.receipt_number in mail.outbox[0].subject


def test_receipt_numbers_follow_each_other():
    first, second = ProposalFactory(), ProposalFactory()

    numbers = [proposal_submit(proposal=p, actor=p.proposer.user).proposal.receipt_number for p in (first, second)]

    assert numbers[1][-6:] == "000002" and numbers[0][-6:] == "000001"


def test_a_late_submission_is_refused_and_the_draft_stays():
    proposal = ProposalFactory(purpose="締切後に送った提案")
    late = proposal.call.closes_at + datetime.timedelta(seconds=1)

    with pytest.raises(ProposalError) as error:
        proposal_submit(proposal=proposal, actor=proposal.proposer.user, now=late)

    assert error.value.problems == [
        "提案の受付期間外のため提出できませんでした。入力した内容は下書きとして保存されています。"
    ]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.purpose, proposal.receipt_number) == (
        ProposalStatus.DRAFT,
        "締切後に送った提案",
        None,
    )
    assert proposal.versions.count() == 0


def test_the_closing_second_itself_is_still_on_time():
    proposal = ProposalFactory()

    proposal_submit(proposal=proposal, actor=proposal.proposer.user, now=proposal.call.closes_at)

    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (999, "本人の数は1,000人以上にしてください（個人情報保護法第114条第1項第2号）。"),
        (50_001, "本人の数は、個人情報ファイルを構成する保有個人情報の本人の数以下にしてください。"),
        (None, "行政機関等匿名加工情報の本人の数を入力してください。"),
    ],
)
def test_the_number_of_data_subjects_is_checked(count, message):
    proposal = ProposalFactory(subject_count=count)  # the file holds 50,000

    assert message in _problems(proposal)


def test_the_bounds_themselves_are_accepted():
    low, high = ProposalFactory(subject_count=1000), ProposalFactory(subject_count=50_000)

    for proposal in (low, high):
        proposal_submit(proposal=proposal, actor=proposal.proposer.user)


def test_missing_attachments_are_named():
    proposal = ProposalFactory(documents=False, submitted_by_agent=True, agent_name="代理 三郎", agent_address="東京都")

    problems = _problems(proposal)

    for kind in (
        AttachmentKind.DECLARATION,
        AttachmentKind.CONTRIBUTION,
        AttachmentKind.IDENTITY,
        AttachmentKind.POWER_OF_ATTORNEY,
    ):
        assert f"「{kind.label}」を添付してください。" in problems


def test_every_item_needs_a_processing_method():
    proposal = ProposalFactory(processing_request={"items": [], "records": {"selection": "all"}})

    problems = _problems(proposal)

    assert [p for p in problems if p.startswith("記録項目")] == [
        "記録項目「氏名」の加工の方法を選んでください。",
        "記録項目「生年月日」の加工の方法を選んでください。",
        "記録項目「住所」の加工の方法を選んでください。",
    ]


def test_a_generalisation_needs_its_level():
    proposal = ProposalFactory()
    request = proposal.processing_request
    request["items"][2]["action"] = "generalize"
    proposal.processing_request = request
    proposal.save()

    assert "記録項目「住所」をどの単位に一般化するかを選んでください。" in _problems(proposal)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "は添付できない種類のファイルです"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "ファイルの内容が拡張子と一致しません"),
        ("broken.pdf", b"%PDF-1.7\n garbage", "PDFとして読み込めません"),
        ("empty.pdf", b"", "空のファイルです"),
    ],
)
def test_disguised_or_broken_files_are_refused(name, content, message):
    proposal = ProposalFactory(documents=False)

    with pytest.raises(ProposalError) as error:
        proposal_attach(
            proposal=proposal,
            actor=proposal.proposer.user,
            kind=AttachmentKind.DECLARATION,
            upload=SimpleUploadedFile(name, content),
        )

    assert message in error.value.problems[0]
    assert proposal.attachments.count() == 0


def test_a_too_large_file_is_refused():
    proposal = ProposalFactory(documents=False)
    upload = SimpleUploadedFile("large.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))

    with pytest.raises(ProposalError, match="大きすぎます"):
        proposal_attach(proposal=proposal, actor=proposal.proposer.user, kind=AttachmentKind.IDENTITY, upload=upload)


def test_a_minor_cannot_submit_and_is_told_until_when():
    today = timezone.localdate()
    birth = today.replace(year=today.year - 17)
    proposal = ProposalFactory(proposer=ProposerFactory(date_of_birth=birth))

    problems = _problems(proposal)

    assert any("未成年者" in problem and "までは提案をすることができません" in problem for problem in problems)


def test_a_corporation_with_a_disqualified_officer_cannot_submit():
    officer = ProposerOfficerFactory(name="解除 太郎", date_of_birth=datetime.date(1970, 1, 1))
    DisqualificationRecord.objects.create(
        ground=DisqualificationGround.CANCELLATION,
        name="解除　太郎",  # spacing differs: matched all the same
        date_of_birth=datetime.date(1970, 1, 1),
        event_date=timezone.localdate() - datetime.timedelta(days=100),
        reason="契約違反による解除",
        source="契約番号 R7-0001",
    )
    proposal = ProposalFactory(proposer=officer.proposer)
    proposal.declarations = clean_declarations(officer.proposer)
    proposal.save()

    problems = _problems(proposal)

    assert any(
        "役員（取締役 解除 太郎）" in problem and DisqualificationGround.OFFICER.label in problem
        for problem in problems
    )


def test_a_cancellation_more_than_two_years_ago_no_longer_counts():
    proposer = ProposerFactory(corporation=True)
    DisqualificationRecord.objects.create(
        ground=DisqualificationGround.CANCELLATION,
        name=proposer.name,
        corporate_number=CORPORATE_NUMBER,
        event_date=timezone.localdate().replace(year=timezone.localdate().year - 2) - datetime.timedelta(days=1),
        reason="解除",
        source="契約番号 R5-0001",
    )
    proposal = ProposalFactory(proposer=proposer)

    proposal_submit(proposal=proposal, actor=proposer.user)


def test_a_declared_ground_stops_submission():
    proposal = ProposalFactory()
    proposal.declarations["proposer"]["bankrupt"] = True
    proposal.save()

    assert any(DisqualificationGround.BANKRUPT.label in problem for problem in _problems(proposal))


def test_a_double_submission_from_two_tabs_gives_one_receipt():
    proposal = ProposalFactory()
    stale_tab = Proposal.objects.get(pk=proposal.pk)
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)

    with pytest.raises(ProposalError, match="既に提出されています"):
        proposal_submit(proposal=stale_tab, actor=proposal.proposer.user)

    assert proposal.versions.count() == 1


def test_a_submitted_proposal_cannot_be_edited_through_the_page(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, purpose="元の目的")
    proposal_submit(proposal=proposal, actor=proposer.user)

    response = proposer_client.post(
        reverse("mypage:proposal", args=[proposal.public_id]), {"purpose": "書き換えた目的", "action": "save"}
    )

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.purpose == "元の目的"


def test_withdrawal_keeps_the_versions():
    proposal = ProposalFactory()
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)

    proposal_withdraw(proposal=proposal, actor=proposal.proposer.user, reason="事業計画の変更")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert proposal.versions.count() == 1
    assert list(proposal.transitions.values_list("to_status", "reason")) == [
        ("submitted", ""),
        ("withdrawn", "事業計画の変更"),
    ]


def test_a_correction_is_answered_with_a_new_version(chief_manager):
    proposal = ProposalFactory()
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    request = proposal_request_correction(
        proposal=proposal,
        actor=chief_manager,
        message="安全管理措置を具体的に記載してください。",
        due_date=timezone.localdate() + datetime.timedelta(days=14),
    )
    proposal.refresh_from_db()
    proposal.security_measures = "ISMS認証を取得した環境で、権限を限定して取り扱う。"
    proposal.save()

    version = proposal_submit(
        proposal=proposal, actor=proposal.proposer.user, now=proposal.call.closes_at + datetime.timedelta(days=1)
    )

    request.refresh_from_db()
    assert (version.number, version.kind) == (2, "correction")
    assert request.answered_version == version
    assert proposal.versions.get(number=1).snapshot["security_measures"] == "アクセス制御と暗号化を行う"
    assert Proposal.objects.get(pk=proposal.pk).receipt_number == version.snapshot["receipt_number"]


def test_a_correction_request_needs_a_message_and_a_future_date(chief_manager):
    proposal = ProposalFactory()
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)

    with pytest.raises(ProposalError, match="補正を求める事項"):
        proposal_request_correction(proposal=proposal, actor=chief_manager, message=" ", due_date=timezone.localdate())
    with pytest.raises(ProposalError, match="明日以降"):
        proposal_request_correction(proposal=proposal, actor=chief_manager, message="x", due_date=timezone.localdate())


def test_the_receipt_pdf_shows_exactly_what_was_submitted(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, purpose="地域別の受験動向の分析")
    version = proposal_submit(proposal=proposal, actor=proposer.user)

    response = proposer_client.get(reverse("mypage:proposal_receipt", args=[proposal.public_id, version.number]))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    proposal.refresh_from_db()
    expected = [
        proposal.receipt_number,
        "地域別の受験動向の分析",
        proposer.name,
        "本人の数",
        "5000人",
        "氏名：そのまま",
    ]
    for words in expected:
        assert "".join(words.split()) in text, words


def test_someone_elses_proposal_and_files_do_not_exist(client):
    proposal = ProposalFactory()
    version = proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    attachment = proposal.attachments.first()
    client.force_login(ProposerFactory().user)

    urls = [
        reverse("mypage:proposal", args=[proposal.public_id]),
        reverse("mypage:proposal_receipt", args=[proposal.public_id, version.number]),
        reverse("mypage:proposal_file", args=[proposal.public_id, attachment.public_id]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_starting_a_proposal_on_a_closed_call_is_refused(proposer_client):
    call = ProposalCallFactory()
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    ProposalCallFactory._meta.model.objects.filter(pk=call.pk).update(closes_at=call.closes_at)

    response = proposer_client.post(
        reverse("mypage:proposal_new"),
        {"call": call.public_id, "entry": call.entries.first().public_id},
        follow=True,
    )

    assert "この募集は現在、提案を受け付けていません。" in response.content.decode()
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("params", [{"call": "not-a-uuid", "entry": "x"}, {"dataset": "1"}, {}])
def test_starting_a_proposal_with_bad_ids_is_not_found(proposer_client, params):
    assert proposer_client.post(reverse("mypage:proposal_new"), params).status_code == 404


def test_the_form_saves_a_draft_and_reports_a_bad_date_without_losing_the_rest(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, documents=False, purpose="")
    url = reverse("mypage:proposal", args=[proposal.public_id])

    response = proposer_client.post(
        url, {"purpose": "新しい目的", "use_period_start": "2027-13-45", "subject_count": "3000", "action": "submit"}
    )

    assert response.status_code == 200
    assert "形式が正しくない項目があります" in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.purpose, proposal.subject_count, proposal.status) == ("新しい目的", 3000, ProposalStatus.DRAFT)


def test_submitting_through_the_page_lists_every_problem(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, documents=False)

    response = proposer_client.post(reverse("mypage:proposal", args=[proposal.public_id]), {"action": "submit"})

    body = response.content.decode()
    assert "提出できませんでした" in body
    assert "「利用の目的」を入力してください。" in body  # the empty form cleared it: saved as typed
    assert "誓約書" in body


def test_autosave_answers_json(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, documents=False)

    response = proposer_client.post(
        reverse("mypage:proposal", args=[proposal.public_id]),
        {"purpose": "自動保存された目的", "action": "save"},
        headers={"X-Autosave": "1"},
    )

    assert response.json()["saved"] is True
    proposal.refresh_from_db()
    assert proposal.purpose == "自動保存された目的"


def test_attaching_through_the_page_saves_the_text_too(proposer_client, proposer):
    proposal = ProposalFactory(proposer=proposer, documents=False, purpose="")

    proposer_client.post(
        reverse("mypage:proposal", args=[proposal.public_id]),
        {
            "purpose": "添付と同時に保存",
            "action": "attach",
            "kind": AttachmentKind.IDENTITY,
            "file": pdf_upload("id.pdf"),
        },
    )

    proposal.refresh_from_db()
    assert proposal.purpose == "添付と同時に保存"
    assert list(proposal.attachments.values_list("original_name", flat=True)) == ["id.pdf"]


def test_downloads_of_receipts_and_attachments_are_recorded(proposer_client, proposer):
    from portal.audit.enums import AccessAction
    from portal.audit.models import AccessRecord

    proposal = ProposalFactory(proposer=proposer)
    version = proposal_submit(proposal=proposal, actor=proposer.user)
    attachment = proposal.attachments.first()

    proposer_client.get(reverse("mypage:proposal_receipt", args=[proposal.public_id, version.number]))
    proposer_client.get(reverse("mypage:proposal_file", args=[proposal.public_id, attachment.public_id]))

    records = AccessRecord.objects.filter(action=AccessAction.DOWNLOAD).order_by("position")
    assert [(record.actor_id, record.object_id) for record in records] == [
        (proposer.user.pk, str(version.pk)),
        (proposer.user.pk, str(attachment.pk)),
    ]
