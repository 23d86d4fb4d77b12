"""The only code that changes a contract's status: one explicit table of allowed moves."""

from contracts.enums import ContractStatus as S
from contracts.models import Contract, ContractTransition
from portal.workflow import move

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
    """Move `contract` to status `to` by the table above (portal.workflow.move: locked, logged).

    The lock matters here: two staff (or staff and the expiry task) acting at once must not both
    move the contract. Raises ContractTransitionError when the move is not allowed.
    """
    return move(
        contract,
        to,
        allowed=ALLOWED_MOVES,
        statuses=S,
        log=lambda locked, **fields: ContractTransition.objects.create(contract=locked, **fields),
        actor=actor,
        reason=reason,
        error=ContractTransitionError,
    )
