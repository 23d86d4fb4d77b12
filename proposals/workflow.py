"""The only code that changes a proposal's status: one explicit table of allowed moves."""

from portal.workflow import move
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
    """Move `proposal` to status `to` by the table above (portal.workflow.move: locked, logged).

    Raises TransitionError when the move is not allowed from the current status.
    """
    return move(
        proposal,
        to,
        allowed=ALLOWED_MOVES,
        statuses=S,
        log=lambda locked, **fields: ProposalTransition.objects.create(proposal=locked, **fields),
        actor=actor,
        reason=reason,
        error=TransitionError,
    )
