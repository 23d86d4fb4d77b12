"""What the contracts services share: the refusal error, the permission and scope check (seed 004 第5条),
the access record of a write (第12条), the row lock, the workflow move, documents and notifications."""

from django.core.exceptions import ValidationError

from contracts import workflow
from contracts.models import (
    Contract,
    ContractDocument,
)
from contracts.selectors import contracts_for_staff
from portal.audit.context import current_request
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.notifications import notify
from portal.uploads import inspect_upload

# The task the anonymizer fills in (another engineer's); we only queue it by its stable name.
CREATE_DATASET_TASK = "anonymizer.create_dataset"


# Days the proposer has to pay after the fee is fixed (納付期限). REVIEW (agency accounting).
PAYMENT_DAYS = 30


# The obligations every usage contract states (法115 and seed 001: the recipient's duties).
OBLIGATIONS = [
    "行政機関等匿名加工情報の作成に用いられた個人情報に係る本人を識別するために、他の情報と照合しないこと（識別行為の禁止）。",
    "提案書に記載した安全管理の措置を講じ、行政機関等匿名加工情報の漏えいを防止すること。",
    "行政機関等匿名加工情報を第三者に提供しないこと。",
    "利用の状況を定期に報告し、漏えい等の事案が生じたときは直ちに報告すること。",
    "利用期間の終了後、行政機関等匿名加工情報を遅滞なく削除し、その旨を報告すること。",
    "契約に違反したときは、法第120条の規定により契約を解除されることがあること。",
]


class ContractError(Exception):
    """A contract action refused. `problems` lists every reason, in Japanese, for the person who tried it."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


def _require_perm(actor, perm: str, contract: Contract) -> None:
    # seed 004 第5条: the model permission, and the contract's file in an organization the actor manages
    # (the chief manager oversees all); a superuser without a role manages none (第14条).
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ContractError("この操作を行う権限がありません。")
    if not contracts_for_staff(actor).filter(pk=contract.pk).exists():
        raise ContractError("この契約について操作する権限がありません。")


def _record(*, actor, obj, change: str, action: AccessAction = AccessAction.CHANGE, username: str = "", **detail):
    """The access record of one contracts write (seed 004 第12条). Call it last: it takes the chain lock."""
    access_record(
        actor=actor,
        action=action,
        result=AccessResult.SUCCESS,
        obj=obj,
        request=current_request(),
        username=username,
        detail={"change": change, **detail},
    )


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().select_related("proposal", "proposer", "notice").get(pk=contract.pk)


def _move(contract: Contract, to: str, *, actor, reason: str = "") -> Contract:
    try:
        return workflow.transition(contract, to, actor=actor, reason=reason)
    except workflow.ContractTransitionError as error:
        raise ContractError(str(error)) from None


def _store_document(*, contract: Contract, kind: str, upload) -> ContractDocument:
    try:
        info = inspect_upload(upload)
    except ValidationError as error:
        raise ContractError(error.messages) from None
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        file=upload,
        **info.model_fields(),
    )


def _notify_proposer(contract: Contract, template: str, **context) -> None:
    notify(
        user=contract.proposer.user,
        template=template,
        context={"contract": contract, "receipt_number": contract.proposal.receipt_number, **context},
    )
