"""The only code that changes the status of an incident, an outsourcing or a re-contracting: one explicit
table each, and the rules a move needs (closing an incident, making a contract 有効)."""

from collections.abc import Callable
from dataclasses import dataclass

from portal.compliance.enums import (
    CLAUSE_ITEM_NUMBERS,
    CLAUSES_OF_KIND,
    CLAUSES_OF_OUTSOURCING,
    PUBLICATION_DECISION,
    IncidentSource,
    IncidentStatus,
    OutsourcingKind,
    OutsourcingStatus,
    StepKind,
    SubcontractingStatus,
)
from portal.compliance.models import (
    Incident,
    IncidentTransition,
    Outsourcing,
    OutsourcingTransition,
    Subcontracting,
    SubcontractingTransition,
)
from portal.workflow import move

I = IncidentStatus  # noqa: E741 (short names keep the table readable)
O = OutsourcingStatus  # noqa: E741
S = SubcontractingStatus

# (from, to): what the move means. Who may make it is checked in compliance/services.py.
# An incident is created in REPORTED by incident_report / incident_open_from_report; no move into REPORTED.
INCIDENT_MOVES: dict[tuple[str, str], str] = {
    (I.REPORTED, I.RESPONDING): "被害の拡大防止・復旧等の措置の開始（第27条第2項）",
    (I.REPORTED, I.INVESTIGATING): "調査の開始（第27条第3項）",
    (I.RESPONDING, I.INVESTIGATING): "調査の開始（第27条第3項）",
    (I.INVESTIGATING, I.CLOSED): "終結（終結に必要な記録の確認後）",
    # Reopening is its own move and needs a reason (no override flag).
    (I.CLOSED, I.INVESTIGATING): "終結した事案の再調査",
}

OUTSOURCING_MOVES: dict[tuple[str, str], str] = {
    (O.PREPARING, O.ACTIVE): "契約の締結（契約書に明記すべき事項及び事前の報告の確認済み）",
    (O.ACTIVE, O.ENDED): "委託の終了",
}

# A subcontracting ends by itself, or with its outsourcing (compliance.services.outsourcing_move).
SUBCONTRACTING_MOVES: dict[tuple[str, str], str] = {
    (S.APPROVED, S.ACTIVE): "再委託の契約の確認（第26条第1項の事項をすべて確認済み）",
    (S.APPROVED, S.ENDED): "再委託の取りやめ",
    (S.ACTIVE, S.ENDED): "再委託の終了",
}


@dataclass(frozen=True)
class ClosingRule:
    """One record an incident needs before it is closed: `label` names it for the person (Japanese, with
    the article); any step of `kinds` satisfies it; `applies(incident, recorded_kinds)` says whether this
    incident needs it at all."""

    label: str
    kinds: tuple[str, ...]
    applies: Callable[[Incident, set[str]], bool] = lambda incident, recorded: True


# What must be on record before an incident is closed, in the order of the response (seed 004 第25条–第28条).
CLOSING_RULES: tuple[ClosingRule, ...] = (
    # 第27条第2項: containment and recovery; 第27条第3項: the investigation of how it happened and the damage.
    ClosingRule("被害の拡大防止・復旧等の措置（第27条第2項）", (StepKind.CONTAINMENT,)),
    ClosingRule("調査（事案の発生した経緯、被害状況等）（第27条第3項）", (StepKind.INVESTIGATION,)),
    # 第25条第2項: for a contracted party's report, the remedy it took must have been confirmed.
    ClosingRule(
        "契約相手方が講じた是正の措置の確認（第25条第2項）",
        (StepKind.REMEDY_CONFIRMATION,),
        lambda incident, recorded: incident.source == IncidentSource.CONTRACTOR,
    ),
    # 第27条第4項: the chief manager reports to the head "事案の内容等に応じて"; the portal takes an incident
    # judged 特に重大 (第27条第3項ただし書, Incident.is_serious) as one that must reach the head.
    ClosingRule(
        "機構長への報告（第27条第4項：特に重大と認める事案）",
        (StepKind.HEAD_REPORT,),
        lambda incident, recorded: incident.is_serious,
    ),
    # 第27条第5項.
    ClosingRule("原因の分析（第27条第5項）", (StepKind.CAUSE,)),
    ClosingRule("再発防止のために必要な措置（第27条第5項）", (StepKind.RECURRENCE_PREVENTION,)),
    # 第28条第1項: publish, or decide (with the reason) not to.
    ClosingRule("公表の判断（公表又は公表しないことの決定）（第28条第1項）", PUBLICATION_DECISION),
    # 第28条第2項: an incident published under 第1項 is reported to the commission's secretariat.
    ClosingRule(
        "個人情報保護委員会への報告（第28条第2項：公表した事案）",
        (StepKind.COMMISSION_REPORT,),
        lambda incident, recorded: StepKind.PUBLICATION in recorded,
    ),
)


class IncidentTransitionError(Exception):
    """A move the table (or the closing rule) does not allow; the message is for the person who tried it."""


class OutsourcingTransitionError(Exception):
    """A move the table (or the clause rule) does not allow; the message is for the person who tried it."""


def closing_missing(incident: Incident) -> list[str]:
    """The labels of CLOSING_RULES the incident still lacks before it may be closed (empty when it may),
    judged on its steps in the database and on `incident` as given (source, is_serious)."""
    recorded = set(incident.steps.values_list("kind", flat=True))
    return [rule.label for rule in CLOSING_RULES if rule.applies(incident, recorded) and not recorded & set(rule.kinds)]


def incident_transition(incident: Incident, to: str, *, actor, reason: str = "") -> Incident:
    """Move `incident` to `to` by INCIDENT_MOVES (portal.workflow.move: locked, logged).

    Closing is refused while any record CLOSING_RULES asks of this incident is missing (seed 004
    第25条第2項・第27条・第28条); reopening needs a reason. Must run inside a transaction.
    Raises IncidentTransitionError.
    """
    if (incident.status, to) == (I.CLOSED, I.INVESTIGATING) and not reason.strip():
        raise IncidentTransitionError("終結した事案を再調査とするには理由を記入してください。")
    if to == I.CLOSED:
        # Checked under the row lock (steps are added under the same lock), before anything is written.
        missing = closing_missing(Incident.objects.select_for_update().get(pk=incident.pk))
        if missing:
            raise IncidentTransitionError("次の記録がないため終結できません：" + "、".join(missing) + "。")
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


def outsourcing_activation_missing(outsourcing: Outsourcing) -> list[str]:
    """What `outsourcing` lacks before it may become 有効 (empty when it may): every item its contract must
    state (第26条第1項各号, or 第6項 for worker dispatch) checked, and for an outsourcing the date of the
    prior report to the institute manager and the chief manager (第26条第3項)."""
    missing = clauses_unchecked(outsourcing)
    if missing:
        missing = [f"契約書に明記すべき事項（{'、'.join(missing)}）の確認"]
    if outsourcing.kind == OutsourcingKind.OUTSOURCING and outsourcing.reported_to_managers_on is None:
        missing.append("研究所等管理者及び総括管理者への事前の報告日（第26条第3項）")
    return missing


def outsourcing_transition(outsourcing: Outsourcing, to: str, *, actor, reason: str = "") -> Outsourcing:
    """Move `outsourcing` to `to` by OUTSOURCING_MOVES (locked, logged).

    It becomes 有効 only when outsourcing_activation_missing() is empty (seed 004 第26条第1項・第3項・第6項).
    Must run inside a transaction. Raises OutsourcingTransitionError.
    """
    if to == O.ACTIVE:
        missing = outsourcing_activation_missing(Outsourcing.objects.select_for_update().get(pk=outsourcing.pk))
        if missing:
            raise OutsourcingTransitionError("次の記録がないため有効にできません：" + "、".join(missing) + "。")
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


def subcontracting_transition(subcontracting: Subcontracting, to: str, *, actor, reason: str = "") -> Subcontracting:
    """Move `subcontracting` to `to` by SUBCONTRACTING_MOVES (locked, logged).

    seed 004 第26条第5項: it becomes 有効 only when its own contract is checked to state every item of
    第1項, and while the outsourcing it belongs to is 有効. Must run inside a transaction. Raises
    OutsourcingTransitionError.
    """
    if to == S.ACTIVE:
        locked = Subcontracting.objects.select_for_update().select_related("outsourcing").get(pk=subcontracting.pk)
        if locked.outsourcing.status != O.ACTIVE:
            raise OutsourcingTransitionError("委託が有効でないため、再委託を有効にできません。")
        unchecked = clauses_unchecked(locked)
        if unchecked:
            raise OutsourcingTransitionError(
                "再委託の契約書に明記すべき事項（第26条第1項・第5項）のうち、次の確認がないため有効にできません："
                + "、".join(unchecked)
                + "。"
            )
    return move(
        subcontracting,
        to,
        allowed=SUBCONTRACTING_MOVES,
        statuses=S,
        log=lambda locked, **fields: SubcontractingTransition.objects.create(subcontracting=locked, **fields),
        actor=actor,
        reason=reason or SUBCONTRACTING_MOVES.get((subcontracting.status, to), ""),
        error=OutsourcingTransitionError,
    )


def clauses_required(holder: Outsourcing | Subcontracting) -> tuple[str, ...]:
    """The items the contract of `holder` must state: by the outsourcing's kind, 第26条第1項 for a subcontract."""
    if isinstance(holder, Subcontracting):
        return CLAUSES_OF_OUTSOURCING
    return CLAUSES_OF_KIND[OutsourcingKind(holder.kind)]


def clauses_unchecked(holder: Outsourcing | Subcontracting) -> list[str]:
    """The item numbers (第26条第1項第n号 / 第26条第6項) not yet checked for the contract of an outsourcing or
    a subcontracting (a missing row counts as unchecked)."""
    checked = set(holder.clauses.filter(checked=True).values_list("clause", flat=True))
    return [CLAUSE_ITEM_NUMBERS[clause] for clause in clauses_required(holder) if clause not in checked]
