"""The only code that changes a contract's status: one explicit table of allowed moves."""

from django.db import transaction

from contracts.enums import ContractStatus as S
from contracts.models import Contract, ContractTransition
from proposals.workflow import actor_name

# (from, to): what the move means. Who may make each move is checked in contracts/services.py.
# A contract is created in APPLIED by contract_apply (法115); there is no move into APPLIED.
ALLOWED_MOVES: dict[tuple[str, str], str] = {
    (S.APPLIED, S.PAYMENT_PENDING): "手数料の額の確定（法第119条）",
    (S.PAYMENT_PENDING, S.PAID): "手数料の納付の確認（法第119条）",
    # A payment record corrected (with a reason) to less than the fee: back to waiting for payment.
    (S.PAID, S.PAYMENT_PENDING): "納付の記録の訂正（不足額あり）",
    (S.PAID, S.CONCLUDED): "利用契約の締結（法第115条）",
    (S.CONCLUDED, S.EXPIRED): "利用期間の満了",
    (S.CONCLUDED, S.CANCELLED): "契約の解除（法第120条）",
}


class ContractTransitionError(Exception):
    """A move the table does not allow; the message is for the person who tried it."""


def transition(contract: Contract, to: str, *, actor, reason: str = "") -> Contract:
    """Move `contract` to status `to`: lock the row, check the table, write a ContractTransition, save.

    Returns the locked, updated instance. Must run inside a transaction (the lock is held to commit).
    Raises ContractTransitionError when the move is not allowed from the current status.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside a transaction")
    # Lock: two staff (or staff and the expiry task) acting at once must not both move the contract.
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if (locked.status, to) not in ALLOWED_MOVES:
        raise ContractTransitionError(
            f"現在の状況（{S(locked.status).label}）からは「{S(to).label}」にできません。画面を更新して状況を確認してください。"
        )
    ContractTransition.objects.create(
        contract=locked,
        from_status=locked.status,
        to_status=to,
        actor=actor,
        actor_name=actor_name(actor),
        reason=reason,
    )
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    return locked
