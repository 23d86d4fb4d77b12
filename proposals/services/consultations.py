"""Pre-consultation threads (事前相談, seed 000: 提案前の事前相談可)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import User
from portal.notifications import notify
from portal.uploads import inspect_upload
from portal.workflow import actor_name
from proposals.models import Consultation, ConsultationAttachment, ConsultationMessage, ConsultationStatus
from proposals.services.proposals import ProposalError

MAX_FILES_PER_MESSAGE = 5


def consultation_staff(consultation: Consultation):
    """Staff who answer this thread: holders of the answering permission; for a thread about a
    file, those who manage that file's organization or hold the permission globally."""
    from guardian.shortcuts import get_users_with_perms

    answering = User.objects.filter(is_active=True, is_staff=True).filter(
        Q(groups__permissions__codename="answer_consultation") | Q(user_permissions__codename="answer_consultation")
    )
    entry = consultation.entry or None
    if entry is not None:
        managers = get_users_with_perms(entry.organization, only_with_perms_in=["manage_files"])
        scoped = answering.filter(pk__in=[user.pk for user in managers])
        if scoped.exists():
            return scoped.distinct()
    return answering.distinct()


def _inspect(files) -> list:
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise ProposalError(f"添付ファイルは1回に{MAX_FILES_PER_MESSAGE}件までです。")
    problems, checked = [], []
    for upload in files:
        try:
            checked.append((upload, inspect_upload(upload)))
        except ValidationError as error:
            problems += error.messages
    if problems:
        raise ProposalError(problems)
    return checked


def _add_message(*, consultation, actor, body: str, files, from_agency: bool) -> ConsultationMessage:
    if not body.strip():
        raise ProposalError("本文を入力してください。")
    checked = _inspect(files)
    message = ConsultationMessage.objects.create(
        consultation=consultation, author=actor, author_name=actor_name(actor), from_agency=from_agency, body=body
    )
    for upload, info in checked:
        ConsultationAttachment.objects.create(
            message=message,
            file=upload,
            **info.model_fields(),
        )
    consultation.last_message_at = timezone.now()
    consultation.save(update_fields=["last_message_at"])
    return message


@transaction.atomic
def consultation_open(*, proposer, actor, subject: str, body: str, call=None, entry=None, files=()) -> Consultation:
    """Open a thread about a call or a register entry; notifies the answering staff."""
    if not subject.strip():
        raise ProposalError("件名を入力してください。")
    consultation = Consultation.objects.create(proposer=proposer, subject=subject, call=call, entry=entry)
    _add_message(consultation=consultation, actor=actor, body=body, files=files, from_agency=False)
    for staff in consultation_staff(consultation):
        notify(user=staff, template="consultation_received", context={"consultation": consultation})
    return consultation


@transaction.atomic
def consultation_reply(*, consultation: Consultation, actor, body: str, files=(), from_agency: bool):
    """Add a message to a thread and notify the other side by e-mail."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status == ConsultationStatus.CLOSED:
        raise ProposalError("この事前相談は終了しています。新しい事前相談を開始してください。")
    message = _add_message(consultation=consultation, actor=actor, body=body, files=files, from_agency=from_agency)
    if from_agency:
        notify(
            user=consultation.proposer.user, template="consultation_answered", context={"consultation": consultation}
        )
    else:
        for staff in consultation_staff(consultation):
            notify(user=staff, template="consultation_received", context={"consultation": consultation})
    return message


@transaction.atomic
def consultation_close(*, consultation: Consultation, actor) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    consultation.status = ConsultationStatus.CLOSED
    consultation.save(update_fields=["status"])
    return consultation
