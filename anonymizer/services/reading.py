"""Reading what a job made: dataset files (delivery) and processing secrets (seed 004 第25条1項: the file's
protection managers only, with a reason, every read recorded)."""

import json

from django.core.exceptions import PermissionDenied

from anonymizer.models import DatasetFile, ProcessingSecret
from anonymizer.services.common import (
    AnonymizerError,
    _stored,
)
from portal import crypto
from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record


def dataset_file_read(*, file: DatasetFile):
    """The plaintext of a delivered file, checked segment by segment (callers record the access)."""
    if file.wrapped_key is None:
        raise crypto.DecryptionError("this dataset file was destroyed")
    data_key = crypto.unwrap(crypto.WrappedKey(file.key_id, bytes(file.wrapped_key)), context=file.key_context)
    return crypto.decrypt_file(_stored(file.stored_name), data_key)


def processing_secret_read(*, secret: ProcessingSecret, actor, reason: str, request=None) -> dict:
    """The processing secrets, for a protection manager of the file only (seed 002 3-3), with a reason;
    every read — and every refused one — is recorded (seed 004 第12条)."""
    allowed = (
        actor is not None
        and actor.has_perm("anonymizer.read_processingsecret")
        and organizations_managed_by(actor).filter(pk=secret.entry.organization_id).exists()
    )
    if not allowed or not reason.strip():
        access_record(actor=actor, action=AccessAction.VIEW, result=AccessResult.REFUSED, obj=secret, request=request)
        raise PermissionDenied("この加工方法等情報を閲覧する権限がありません。")
    if secret.wrapped_key is None:
        raise AnonymizerError("この加工方法等情報は消去されています。")
    data_key = crypto.unwrap(crypto.WrappedKey(secret.key_id, bytes(secret.wrapped_key)), context=secret.key_context)
    body = b"".join(crypto.decrypt_file(_stored(secret.stored_name), data_key))
    access_record(
        actor=actor,
        action=AccessAction.VIEW,
        result=AccessResult.SUCCESS,
        obj=secret,
        request=request,
        detail={"reason": reason.strip()[:200]},
    )
    return json.loads(body)
