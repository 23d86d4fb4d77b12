"""Writes of disposal certificates (消去証明, seed 004 第10条).

`disposal_certify` is the only writer of DisposalCertificate. Callers erase first and certify in the same
transaction, so a disposal and its certificate commit (or roll back) together; `source_file_dispose` does
that for a register entry's source file.
"""

import hashlib
import re

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record, access_records_last
from portal.backup.retention import backup_copies_deleted_by, backup_retention_days
from portal.disposal.enums import DisposalMethod
from portal.disposal.models import DisposalCertificate
from portal.jdates import fiscal_year, fiscal_year_label
from portal.numbering import number_next
from portal.pdf import render_pdf
from portal.workflow import actor_name

TEMPLATE = "pdf/disposal_certificate.html"
SOURCE_FILE_TYPE = "files_registry.sourcefile"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DisposalError(Exception):
    """A disposal that cannot be certified; the message is Japanese and meant for the user."""


def certificate_number(year: int, number: int) -> str:
    """令和8年度消去証明第12号: numbered without gaps per fiscal year."""
    return f"{fiscal_year_label(year)}消去証明第{number}号"


def _organization_of(*, object_type: str, object_id: str, contract):
    """Whose data it was, where the portal knows it (decides which protection managers see the certificate)."""
    if contract is not None:
        return contract.proposal.entry.organization
    if object_type == SOURCE_FILE_TYPE:
        from files_registry.models import SourceFile

        source = SourceFile.objects.select_related("entry__organization").filter(public_id=object_id).first()
        return source.entry.organization if source else None
    return None


def _clean(
    *, object_type: str, object_id: str, description: str, method: str, reason: str, sha256: str, key_id: str
) -> dict:
    values = {
        "object_type": (object_type or "").strip(),
        "object_id": (object_id or "").strip(),
        "description": (description or "").strip(),
        "reason": (reason or "").strip(),
        "sha256": (sha256 or "").strip().lower(),
        "key_id": (key_id or "").strip(),
    }
    if not values["object_type"] or not values["object_id"] or not values["description"]:
        raise DisposalError("消去した情報（種類・識別子・内容）を指定してください。")
    if len(values["object_type"]) > 100 or len(values["object_id"]) > 64 or len(values["key_id"]) > 50:
        raise DisposalError("消去した情報の種類・識別子又はマスター鍵の指定が長すぎます。")
    if not values["reason"]:
        raise DisposalError("消去の理由を入力してください。")
    if method not in DisposalMethod.values:
        raise DisposalError("消去の方法が正しくありません。")
    if values["sha256"] and not _SHA256.match(values["sha256"]):
        raise DisposalError("SHA-256 は16進数64桁で指定してください。")
    if method == DisposalMethod.CRYPTO_ERASE and not values["key_id"]:
        raise DisposalError("暗号鍵の消去による消去では、データ鍵を保護していたマスター鍵を指定してください。")
    return values


@transaction.atomic
def disposal_certify(
    *,
    object_type: str,
    object_id: str,
    description: str,
    method: str,
    actor,
    reason: str,
    sha256: str = "",
    key_id: str = "",
    contract=None,
    contractor_report=None,
) -> DisposalCertificate:
    """Record a disposal that the caller has just carried out and issue its certificate (seed 004 第10条).

    object_type / object_id: what was disposed of (e.g. "files_registry.sourcefile" and its public id);
    description: the human description, copied in. method: a DisposalMethod value (crypto-erase needs
    key_id, the master key that wrapped the destroyed data key). sha256: of the destroyed plaintext, if known.
    contract / contractor_report: a disposal at the end of a usage contract; the report must be the
    contractor's deletion report (報告の種類「削除」) of that contract.

    The caller checks that `actor` may dispose of the object (its own object permission) and calls this
    inside the transaction of the disposal. Numbers the certificate per fiscal year (no gaps), renders the
    PDF and stores it in protected storage with its SHA-256, writes an access record. Raises DisposalError
    (Japanese message) on bad input; nothing is saved then.
    """
    from contracts.enums import ReportKind

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("消去証明は職員のみが発行できます。")
    values = _clean(
        object_type=object_type,
        object_id=object_id,
        description=description,
        method=method,
        reason=reason,
        sha256=sha256,
        key_id=key_id,
    )
    if contractor_report is not None:
        # seed 004 第10条後段: a contractor's disposal is confirmed by its certifying document.
        if contractor_report.kind != ReportKind.DELETION:
            raise DisposalError("契約相手方の報告は「利用期間終了後の削除の報告」を指定してください。")
        if contract is not None and contractor_report.contract_id != contract.pk:
            raise DisposalError("契約相手方の報告が、指定した契約のものではありません。")
        contract = contract or contractor_report.contract
    organization = _organization_of(object_type=values["object_type"], object_id=values["object_id"], contract=contract)
    disposed_at = timezone.now()
    year = fiscal_year(timezone.localdate(disposed_at))
    certificate = DisposalCertificate(
        fiscal_year=year,
        certificate_number=certificate_number(year, number_next(f"disposal-certificate-{year}")),
        method=method,
        disposed_at=disposed_at,
        actor=actor,
        actor_user_id=actor.pk,
        actor_name=actor_name(actor),
        organization=organization,
        organization_name=organization.name if organization else "",
        contract=contract,
        contract_number=(contract.contract_number or "") if contract else "",
        contractor_report=contractor_report,
        **values,
    )
    pdf = render_pdf(TEMPLATE, certificate_context(certificate))
    certificate.pdf_size, certificate.pdf_sha256 = len(pdf), hashlib.sha256(pdf).hexdigest()
    certificate.pdf.save(f"{certificate.public_id.hex}.pdf", ContentFile(pdf), save=False)
    certificate.save()
    access_record(
        actor=actor,
        action=AccessAction.CREATE,
        result=AccessResult.SUCCESS,
        obj=certificate,
        detail={"disposed_type": values["object_type"][:200], "method": method},
    )
    return certificate


def certificate_context(certificate: DisposalCertificate) -> dict:
    """The context of pdf/disposal_certificate.html (plain values, see the template's comment)."""
    report = certificate.contractor_report
    # seed 004 第10条: a crypto-erased object was in the portal's encrypted storage, so backup sets taken
    # before the disposal still hold an encrypted copy until they expire; the certificate says until when.
    backups = (
        {
            "retention_days": backup_retention_days(),
            "deleted_by": backup_copies_deleted_by(certificate.disposed_at),
        }
        if certificate.method == DisposalMethod.CRYPTO_ERASE
        else None
    )
    return {
        "document_number": certificate.certificate_number,
        "document_date": timezone.localdate(certificate.disposed_at),
        "certificate": {
            "description": certificate.description,
            "object_type": certificate.object_type,
            "object_id": certificate.object_id,
            "method": certificate.get_method_display(),
            "key_id": certificate.key_id,
            "sha256": certificate.sha256,
            "disposed_at": timezone.localtime(certificate.disposed_at),
            "actor_name": certificate.actor_name,
            "organization_name": certificate.organization_name,
            "reason": certificate.reason,
            "contract_number": certificate.contract_number,
        },
        "contractor_report": (
            {"submitted_at": timezone.localtime(report.submitted_at), "occurred_on": report.occurred_on}
            if report
            else None
        ),
        "backups": backups,
    }


@transaction.atomic
@access_records_last  # the chain lock is not held while the certificate renders (seed 004 第12条)
def source_file_dispose(*, source, actor, reason: str) -> DisposalCertificate:
    """Crypto-erase a register entry's source file and certify it, in one transaction (seed 004 第10条);
    the access records (削除, the certificate's 作成) are written at its end, after the PDF.

    The source file's managers only (files_registry.sources checks; PermissionDenied otherwise). Raises
    DisposalError when the reason is missing or the file was already destroyed. Side effects: the stored
    file is removed after commit (source_file_destroy), the certificate PDF is stored.
    """
    from files_registry.models import SourceFile
    from files_registry.sources import source_file_destroy

    if not (reason or "").strip():
        raise DisposalError("消去の理由を入力してください。")
    # The row lock makes two concurrent destroys certify once: the second sees destroyed_at and stops.
    locked = SourceFile.objects.select_for_update().select_related("entry").get(pk=source.pk)
    if locked.destroyed_at is not None:
        raise DisposalError("この原データは既に消去されています。")
    destroyed = source_file_destroy(source=locked, actor=actor)
    entry = locked.entry
    return disposal_certify(
        object_type=SOURCE_FILE_TYPE,
        object_id=str(destroyed.public_id),
        description=(
            f"個人情報ファイル「{entry.name}」（整理番号 {entry.register_number}）の原データ"
            f"「{destroyed.original_name}」（{destroyed.size:,}バイト、{destroyed.uploaded_by_name}が登録）"
        ),
        method=DisposalMethod.CRYPTO_ERASE,
        actor=actor,
        reason=reason,
        sha256=destroyed.sha256,
        key_id=destroyed.key_id,
    )
