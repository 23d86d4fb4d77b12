"""The only code that changes the status of an incident or an outsourcing: one explicit table each."""

from portal.compliance.enums import (
    CLAUSE_ITEM_NUMBERS,
    PUBLICATION_DECISION,
    Clause,
    IncidentStatus,
    OutsourcingStatus,
    StepKind,
)
from portal.compliance.models import Incident, IncidentTransition, Outsourcing, OutsourcingTransition
from portal.workflow import move

I = IncidentStatus  # noqa: E741 (short names keep the table readable)
O = OutsourcingStatus  # noqa: E741

# (from, to): what the move means. Who may make it is checked in compliance/services.py.
# An incident is created in REPORTED by incident_report / incident_open_from_report; no move into REPORTED.
INCIDENT_MOVES: dict[tuple[str, str], str] = {
    (I.REPORTED, I.RESPONDING): "被害の拡大防止・復旧等の措置の開始（第27条第2項）",
    (I.REPORTED, I.INVESTIGATING): "調査の開始（第27条第3項）",
    (I.RESPONDING, I.INVESTIGATING): "調査の開始（第27条第3項）",
    (I.INVESTIGATING, I.CLOSED): "終結（原因、再発防止策及び公表の判断の記録後）",
    # Reopening is its own move and needs a reason (no override flag).
    (I.CLOSED, I.INVESTIGATING): "終結した事案の再調査",
}

OUTSOURCING_MOVES: dict[tuple[str, str], str] = {
    (O.PREPARING, O.ACTIVE): "契約の締結（第26条第1項の事項をすべて確認済み）",
    (O.ACTIVE, O.ENDED): "委託の終了",
}

# seed 004 第27条第5項・第28条: what must be on record before an incident is closed.
CLOSING_REQUIRES: dict[str, tuple[str, ...]] = {
    "原因の分析": (StepKind.CAUSE,),
    "再発防止のために必要な措置": (StepKind.RECURRENCE_PREVENTION,),
    "公表の判断（公表又は公表しないことの決定）": PUBLICATION_DECISION,
}


class IncidentTransitionError(Exception):
    """A move the table (or the closing rule) does not allow; the message is for the person who tried it."""


class OutsourcingTransitionError(Exception):
    """A move the table (or the clause rule) does not allow; the message is for the person who tried it."""


def closing_missing(incident: Incident) -> list[str]:
    """What the incident still lacks before it may be closed (empty when it may)."""
    recorded = set(incident.steps.values_list("kind", flat=True))
    return [label for label, kinds in CLOSING_REQUIRES.items() if not recorded & set(kinds)]


def incident_transition(incident: Incident, to: str, *, actor, reason: str = "") -> Incident:
    """Move `incident` to `to` by INCIDENT_MOVES (portal.workflow.move: locked, logged).

    Closing is refused while the cause, the recurrence prevention or the publication decision is not on
    record (seed 004 第27条第5項・第28条第1項); reopening needs a reason. Must run inside a transaction.
    Raises IncidentTransitionError.
    """
    if (incident.status, to) == (I.CLOSED, I.INVESTIGATING) and not reason.strip():
        raise IncidentTransitionError("終結した事案を再調査とするには理由を記入してください。")
    if to == I.CLOSED:
        # Checked under the row lock (steps are added under the same lock), before anything is written.
        missing = closing_missing(Incident.objects.select_for_update().get(pk=incident.pk))
        if missing:
            raise IncidentTransitionError(
                "次の記録がないため終結できません（第27条第5項・第28条）：" + "、".join(missing) + "。"
            )
    return move(
        incident,
        to,
        allowed=INCIDENT_MOVES,
        statuses=I,
        log=lambda locked, **fields: IncidentTransition.objects.create(incident=locked, **fields),
        actor=actor,
        reason=reason or INCIDENT_MOVES.get((incident.status, to), ""),
        error=IncidentTransitionError,
    )


def outsourcing_transition(outsourcing: Outsourcing, to: str, *, actor, reason: str = "") -> Outsourcing:
    """Move `outsourcing` to `to` by OUTSOURCING_MOVES (locked, logged).

    seed 004 第26条第1項: it becomes 有効 only when every required contract item is checked.
    Must run inside a transaction. Raises OutsourcingTransitionError.
    """
    if to == O.ACTIVE:
        unchecked = clauses_unchecked(Outsourcing.objects.select_for_update().get(pk=outsourcing.pk))
        if unchecked:
            raise OutsourcingTransitionError(
                "契約書に明記すべき事項（第26条第1項）のうち、次の確認がないため有効にできません："
                + "、".join(unchecked)
                + "。"
            )
    return move(
        outsourcing,
        to,
        allowed=OUTSOURCING_MOVES,
        statuses=O,
        log=lambda locked, **fields: OutsourcingTransition.objects.create(outsourcing=locked, **fields),
        actor=actor,
        reason=reason or OUTSOURCING_MOVES.get((outsourcing.status, to), ""),
        error=OutsourcingTransitionError,
    )


def clauses_unchecked(outsourcing: Outsourcing) -> list[str]:
    """The item numbers (第26条第1項第n号) not yet checked for `outsourcing` (a missing row counts as unchecked)."""
    checked = set(outsourcing.clauses.filter(checked=True).values_list("clause", flat=True))
    return [CLAUSE_ITEM_NUMBERS[clause] for clause in Clause if clause not in checked]
