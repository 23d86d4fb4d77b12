"""Delivery of a dataset to its contractor (提供): short-lived links on /mypage/, bound to the user's
session and honoured only while the contract is in force; every download recorded (seed 004 第12条・第13条).

Opening the contract page grants the session the contract's downloads for ANONYMIZER_DELIVERY_LINK_SECONDS;
the links themselves carry only the file's opaque id, never a token (no secret in a URL, issue 6).
"""

import time

from django.conf import settings

from anonymizer.models import AnonymizedDataset, DatasetFile
from contracts.enums import ContractStatus

_SESSION_KEY = "anonymizer.deliveries"


class LinkRefused(Exception):
    """The link is expired or not this user's; the message is for the user."""


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
