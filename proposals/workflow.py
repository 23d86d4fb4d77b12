"""The only code that changes a proposal's status: one explicit table of allowed moves."""

from django.db import transaction

from proposals.enums import ProposalStatus as S
from proposals.models import Proposal, ProposalTransition

# (from, to): what the move means. A government process must be explainable: keep it explicit.
ALLOWED_MOVES: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): "提案書の提出",
    (S.SUBMITTED, S.CORRECTION_REQUESTED): "補正の求め",
    (S.CORRECTION_REQUESTED, S.SUBMITTED): "補正後の提出",
    (S.SUBMITTED, S.WITHDRAWN): "提案の取下げ",
    (S.CORRECTION_REQUESTED, S.WITHDRAWN): "提案の取下げ",
    # Screening (法114): see proposals/services/screening.py for who may make each move.
    (S.SUBMITTED, S.UNDER_SCREENING): "審査の開始（補正後は審査の再開）",
    (S.UNDER_SCREENING, S.CORRECTION_REQUESTED): "補正の求め（審査の中断）",
    (S.UNDER_SCREENING, S.AWAITING_APPROVAL): "審査結果の決裁への回付",
    (S.AWAITING_APPROVAL, S.UNDER_SCREENING): "決裁者による差戻し",
    (S.AWAITING_APPROVAL, S.ADEQUATE): "決裁（適合）・審査結果通知書の発出（法114条2項）",
    (S.AWAITING_APPROVAL, S.INADEQUATE): "決裁（不適合）・審査結果通知書の発出（法114条3項）",
    (S.UNDER_SCREENING, S.WITHDRAWN): "提案の取下げ",
    (S.AWAITING_APPROVAL, S.WITHDRAWN): "提案の取下げ",
}


class TransitionError(Exception):
    """A move the table does not allow; the message is for the person who tried it."""


def transition(proposal: Proposal, to: str, *, actor, reason: str = "") -> Proposal:
    """Move `proposal` to status `to`: lock the row, check the table, log the move, save.

    Returns the locked, updated instance. Must run inside a transaction (the lock is held to commit).
    Raises TransitionError when the move is not allowed from the current status.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside a transaction")
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    move = (locked.status, to)
    if move not in ALLOWED_MOVES:
        raise TransitionError(
            f"現在の状況（{S(locked.status).label}）からは「{S(to).label}」にできません。画面を更新して状況を確認してください。"
        )
    ProposalTransition.objects.create(
        proposal=locked,
        from_status=locked.status,
        to_status=to,
        actor=actor,
        actor_name=actor_name(actor),
        reason=reason,
    )
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    return locked


def actor_name(actor) -> str:
    """How an actor is named in records that outlive the account."""
    if actor is None:
        return "システム"
    return getattr(actor, "display_name", None) or actor.get_username()
