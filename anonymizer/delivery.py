"""Delivery of a dataset to its contractor (提供): short-lived links on /mypage/, bound to the user's
session and honoured only while the contract is in force; every download recorded (seed 004 第12条・第13条).

Opening the contract page grants the session the contract's downloads for ANONYMIZER_DELIVERY_LINK_SECONDS;
the links themselves carry only the file's opaque id, never a token (no secret in a URL, issue 6).
"""

import itertools
import logging
import time
from collections.abc import Iterator

from django.conf import settings

from anonymizer.models import AnonymizedDataset, DatasetFile
from contracts.enums import ContractStatus
from portal import crypto
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record

logger = logging.getLogger(__name__)

_SESSION_KEY = "anonymizer.deliveries"


class LinkRefused(Exception):
    """The link is expired or not this user's; the message is for the user."""


class DeliveryUnavailable(Exception):
    """The stored file cannot be read (missing or damaged); the message is for the user."""


def dataset_for_contract(contract) -> AnonymizedDataset | None:
    """The contract's dataset while it may be delivered (contract in force, not destroyed), else None."""
    if contract.status != ContractStatus.CONCLUDED:
        return None
    return (
        AnonymizedDataset.objects.filter(contract=contract, destroyed_at__isnull=True).prefetch_related("files").first()
    )


def delivery_grant(*, session, contract) -> None:
    """Let this session download the contract's files for the next few minutes."""
    grants = {
        key: issued
        for key, issued in session.get(_SESSION_KEY, {}).items()
        if time.time() - issued <= settings.ANONYMIZER_DELIVERY_LINK_SECONDS
    }
    grants[contract.public_id.hex] = time.time()
    session[_SESSION_KEY] = grants


def delivery_file(*, session, contract, file_id) -> DatasetFile:
    """The file, if this session's grant for the contract is still fresh and the contract in force."""
    issued = session.get(_SESSION_KEY, {}).get(contract.public_id.hex)
    if issued is None or time.time() - issued > settings.ANONYMIZER_DELIVERY_LINK_SECONDS:
        raise LinkRefused("ダウンロードのリンクの有効期限が切れました。この画面から改めてダウンロードしてください。")
    dataset = dataset_for_contract(contract)
    if dataset is None:
        raise LinkRefused("この契約の行政機関等匿名加工情報は、現在ダウンロードできません。")
    try:
        return dataset.files.get(public_id=file_id, wrapped_key__isnull=False)
    except DatasetFile.DoesNotExist:
        raise LinkRefused("このリンクからはダウンロードできません。") from None


def delivery_open(*, file: DatasetFile, actor, request=None) -> Iterator[bytes]:
    """The file's plaintext, its first segment already read and authenticated, so that a missing or damaged
    stored file is found before a response starts and never ends a download mid-stream.

    Raises DeliveryUnavailable (Japanese) then, after recording the failed download (seed 004 第12条) and
    logging it for the administrators; the caller records a successful one.
    """
    from anonymizer.services import dataset_file_read

    try:
        chunks = dataset_file_read(file=file)
        first = next(chunks, None)
    except (OSError, crypto.DecryptionError):
        logger.error("delivered file %s (%s) cannot be read from protected storage", file.public_id, file.name)
        access_record(
            actor=actor,
            action=AccessAction.DOWNLOAD,
            result=AccessResult.FAILED,
            obj=file,
            request=request,
            detail={"reason": "stored file unreadable"},
        )
        raise DeliveryUnavailable(
            "このファイルは現在お渡しできません。担当者が確認しますので、時間をおいてお試しいただくか、"
            "契約の担当窓口にお問い合わせください。"
        ) from None
    return itertools.chain([first] if first is not None else [], chunks)
