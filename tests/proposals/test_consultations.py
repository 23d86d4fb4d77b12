import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals.models import Consultation, ConsultationStatus
from proposals.services.consultations import consultation_close, consultation_open, consultation_reply
from proposals.services.proposals import ProposalError
from tests.factories.proposals import ProposerFactory, pdf_upload
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(organization):
    return RegisterEntryFactory(organization=organization, eligible=True, open_for_proposals=True, proposal_office="x")


def test_opening_a_consultation_notifies_the_managers_of_the_file(
    proposer_client, proposer, entry, protection_manager, chief_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = proposer_client.post(
            reverse("mypage:consultation_new"),
            {
                "subject": "加工方法について",
                "entry": entry.pk,
                "body": "住所は市区町村単位で提供可能ですか。",
                "files": [pdf_upload("plan.pdf")],
            },
        )

    consultation = Consultation.objects.get()
    assert response["Location"] == reverse("mypage:consultation", args=[consultation.public_id])
    assert consultation.messages.get().attachments.get().original_name == "plan.pdf"
    assert [message.to for message in mail.outbox] == [[protection_manager.email]]


def test_the_agency_answer_reaches_the_proposer(
    proposer, entry, protection_manager, proposer_client, django_capture_on_commit_callbacks
):
    consultation = consultation_open(proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        consultation_reply(consultation=consultation, actor=protection_manager, body="可能です。", from_agency=True)

    assert [message.to for message in mail.outbox] == [[proposer.user.email]]
    page = proposer_client.get(reverse("mypage:consultation", args=[consultation.public_id])).content.decode()
    assert "可能です。" in page and "からの回答" in page


def test_a_disguised_attachment_is_refused_and_nothing_is_saved(proposer, entry):
    disguised = SimpleUploadedFile("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    with pytest.raises(ProposalError, match="拡張子と一致しません"):
        consultation_open(
            proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry, files=[disguised]
        )

    assert not Consultation.objects.exists()


def test_a_closed_consultation_takes_no_more_messages(proposer, entry, chief_manager):
    consultation = consultation_open(proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry)
    consultation_close(consultation=consultation, actor=chief_manager)

    with pytest.raises(ProposalError, match="終了しています"):
        consultation_reply(consultation=consultation, actor=proposer.user, body="追加", from_agency=False)

    assert Consultation.objects.get().status == ConsultationStatus.CLOSED


def test_someone_elses_consultation_and_files_do_not_exist(client, proposer, entry):
    consultation = consultation_open(
        proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry, files=[pdf_upload()]
    )
    attachment = consultation.messages.get().attachments.get()
    client.force_login(ProposerFactory().user)

    assert client.get(reverse("mypage:consultation", args=[consultation.public_id])).status_code == 404
    assert client.get(reverse("mypage:consultation_file", args=[attachment.public_id])).status_code == 404


def test_the_owner_downloads_an_attachment_as_a_file(proposer_client, proposer, entry):
    consultation = consultation_open(
        proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry, files=[pdf_upload("memo.pdf")]
    )
    attachment = consultation.messages.get().attachments.get()

    response = proposer_client.get(reverse("mypage:consultation_file", args=[attachment.public_id]))

    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_staff_answer_from_the_admin(client, proposer, entry, chief_manager, django_capture_on_commit_callbacks):
    consultation = consultation_open(proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry)
    client.force_login(chief_manager)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:proposals_consultation_reply", args=[consultation.pk]), {"body": "回答します。"}
        )

    assert response.status_code == 302
    assert consultation.messages.filter(from_agency=True, body="回答します。").exists()
    assert [message.to for message in mail.outbox] == [[proposer.user.email]]


def test_a_screener_cannot_answer(client, proposer, entry):
    from portal.accounts.roles import StaffRole
    from tests.factories.accounts import staff_user

    consultation = consultation_open(proposer=proposer, actor=proposer.user, subject="質問", body="本文", entry=entry)
    client.force_login(staff_user(StaffRole.SCREENER))

    assert (
        client.post(reverse("admin:proposals_consultation_reply", args=[consultation.pk]), {"body": "x"}).status_code
        == 403
    )


def test_the_thread_stays_with_the_later_proposal(proposer, entry):
    from proposals.services.proposals import proposal_create
    from tests.factories.proposals import ProposalCallFactory

    call = ProposalCallFactory(entries=[entry])
    about_file = consultation_open(proposer=proposer, actor=proposer.user, subject="ファイル", body="b", entry=entry)
    about_call = consultation_open(proposer=proposer, actor=proposer.user, subject="募集", body="b", call=call)
    consultation_open(proposer=proposer, actor=proposer.user, subject="無関係", body="b")

    proposal = proposal_create(proposer=proposer, actor=proposer.user, entry=entry, call=call)

    assert set(proposal.consultations.all()) == {about_file, about_call}
