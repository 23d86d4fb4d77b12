"""Disposal of a dataset and its processing secrets with certificates (seed 004 第10条)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from anonymizer.enums import DatasetFileKind
from anonymizer.models import AnonymizedDataset, ProcessingSecret
from anonymizer.services.common import (
    AnonymizerError,
    _remove,
    _stored,
)
from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record, access_records_last


@transaction.atomic
@access_records_last  # the chain lock is not held while the certificates render (seed 004 第12条)
def dataset_dispose(*, dataset: AnonymizedDataset, actor, reason: str, contractor_report=None) -> list:
    """Crypto-erase a dataset's files and its processing secrets (their data keys destroyed, the files
    removed after commit) and issue a disposal certificate (消去証明) for each, in one transaction; the
    access records (削除, and the certificates' 作成) are written at its end, after the PDFs.

    For a protection manager of the file's organization (anonymizer.dispose_dataset). `contractor_report`:
    the contractor's own deletion report of the contract, printed on the certificates. Raises
    PermissionDenied, or AnonymizerError / DisposalError (Japanese) on anything else wrong.
    """
    from portal.disposal.enums import DisposalMethod
    from portal.disposal.services import disposal_certify

    if not (
        actor.has_perm("anonymizer.dispose_dataset")
        and organizations_managed_by(actor).filter(pk=dataset.entry.organization_id).exists()
    ):
        raise PermissionDenied("この行政機関等匿名加工情報を消去する権限がありません。")
    locked = AnonymizedDataset.objects.select_for_update().get(pk=dataset.pk)
    if locked.destroyed_at is not None:
        raise AnonymizerError("この行政機関等匿名加工情報は既に消去されています。")
    now = timezone.now()
    files = list(locked.files.filter(wrapped_key__isnull=False))
    paths = [_stored(file.stored_name) for file in files]
    csv = next((file for file in files if file.kind == DatasetFileKind.CSV), None)
    key_ids = sorted({file.key_id for file in files})
    locked.files.update(wrapped_key=None)
    locked.destroyed_at = now
    locked.save(update_fields=["destroyed_at"])
    access_record(actor=actor, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=locked)
    certificates = [
        disposal_certify(
            object_type="anonymizer.anonymizeddataset",
            object_id=locked.public_id.hex,
            description=f"{locked}（{'・'.join(file.name for file in files)}、{locked.rows:,}レコード）",
            method=DisposalMethod.CRYPTO_ERASE,
            actor=actor,
            reason=reason,
            sha256=csv.sha256 if csv else "",
            key_id=",".join(key_ids)[:50],
            contract=locked.contract,
            contractor_report=contractor_report,
        )
    ]
    secret = ProcessingSecret.objects.select_for_update().filter(dataset=locked, destroyed_at__isnull=True).first()
    if secret is not None:
        paths.append(_stored(secret.stored_name))
        secret.wrapped_key, secret.destroyed_at = None, now
        secret.save(update_fields=["wrapped_key", "destroyed_at"])
        access_record(actor=actor, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=secret)
        certificates.append(
            disposal_certify(
                object_type="anonymizer.processingsecret",
                object_id=secret.public_id.hex,
                description=f"{secret}（加工に用いた鍵・乱数の種等）",
                method=DisposalMethod.CRYPTO_ERASE,
                actor=actor,
                reason=reason,
                key_id=secret.key_id,
                contract=locked.contract,
                contractor_report=contractor_report,
            )
        )
    transaction.on_commit(lambda: _remove(paths))
    return certificates
