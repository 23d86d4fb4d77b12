"""The processing plan of a proposal: the file's processing standard (加工基準) with the proposal's
item-by-item request (法112条2項4号) laid over it.

The same function builds the plan for screening's dry run and for the production job, so both run the
same processing (issue 5). The request may only make the processing stricter or choose among the
coarsenings the form offers; what the five standards require of a column (seed 002 3-2-1 … 3-2-3: drop or
replace identifying descriptions, delete identification codes, delete or replace linking codes) stays,
and each such override is returned as a note for the screener.
"""

import copy
import unicodedata
from dataclasses import dataclass, field

from anonymizer.engine import PlanError, load_plan
from proposals.enums import GeneralizationLevel, ItemAction, RecordSelection

# What a requested generalisation level means as an engine step.
_LEVEL_STEPS = {
    GeneralizationLevel.PREFECTURE: {"op": "generalize", "method": "address", "level": "prefecture"},
    GeneralizationLevel.MUNICIPALITY: {"op": "generalize", "method": "address", "level": "municipality"},
    GeneralizationLevel.YEAR: {"op": "generalize", "method": "date", "level": "year"},
    GeneralizationLevel.YEAR_MONTH: {"op": "generalize", "method": "date", "level": "year_month"},
    GeneralizationLevel.AGE_5: {"op": "generalize", "method": "bands", "width": 5},
    GeneralizationLevel.AGE_10: {"op": "generalize", "method": "bands", "width": 10},
}
# Roles whose treatment the five standards fix: the request cannot keep these columns as they are.
_FIXED_ROLES = {
    "identifier": "特定の個人を識別することができる記述等（加工基準①）",
    "id_code": "個人識別符号（加工基準②）",
    "linking_code": "情報を相互に連結する符号（加工基準③）",
    "financial": "財産的被害が生じるおそれのある記述等",
}


class PlanUnavailable(Exception):
    """No plan can be built; `messages` says why in Japanese."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class ProposalPlan:
    plan: dict
    notes: list[str] = field(default_factory=list)
    needs_review: bool = False  # staff must complete the plan before production (a condition-based subset)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def profile_plan(entry) -> dict:
    """The file's processing standard as a validated plan dict (PlanUnavailable when it has none)."""
    profile = getattr(entry, "processing_profile", None)
    if profile is None:
        raise PlanUnavailable([f"個人情報ファイル「{entry.name}」の加工基準が登録されていません。"])
    try:
        load_plan(profile.plan)
    except PlanError as exc:
        raise PlanUnavailable(["加工基準の処理計画に誤りがあります。", *exc.messages]) from None
    return copy.deepcopy(profile.plan)


def plan_for_request(entry, request: dict) -> ProposalPlan:
    """The plan for `request` (Proposal.processing_request) on `entry`'s processing standard."""
    plan = profile_plan(entry)
    notes: list[str] = []
    by_name = {_norm(str(item.get("name", ""))): item for item in request.get("items", []) if isinstance(item, dict)}
    for column in plan["columns"]:
        wanted = by_name.get(_norm(column["name"]))
        if wanted is None:
            continue
        action = wanted.get("action")
        role = column.get("role", "attribute")
        if role in _FIXED_ROLES and action != ItemAction.DELETE:
            if any(step.get("op") == "drop" for step in column.get("steps", [])) or action == ItemAction.KEEP:
                notes.append(
                    f"「{column['name']}」は{_FIXED_ROLES[role]}のため、求められた加工ではなく加工基準の処理"
                    "（削除又は置換え）を行います。"
                )
            continue
        if action == ItemAction.DELETE:
            column["steps"] = [{"op": "drop"}]
        elif action == ItemAction.GENERALIZE and wanted.get("level") in _LEVEL_STEPS:
            requested = dict(_LEVEL_STEPS[wanted["level"]])
            rest = [s for s in column.get("steps", []) if s.get("op") not in ("generalize", "keep", "drop")]
            column["steps"] = [requested, *rest]
        elif action in (ItemAction.TOP_CODE, ItemAction.BOTTOM_CODE) and _is_number(wanted.get("threshold")):
            op = "top_code" if action == ItemAction.TOP_CODE else "bottom_code"
            rest = [s for s in column.get("steps", []) if s.get("op") not in (op, "keep", "drop")]
            column["steps"] = [{"op": op, "threshold": wanted["threshold"]}, *rest]
            column.setdefault("type", "number")
        # KEEP: the processing standard's own steps for the column stay.
    dataset = plan.setdefault("dataset", {})
    records = request.get("records") or {}
    needs_review = False
    if records.get("selection") == RecordSelection.SAMPLE and 0 < (records.get("sample_rate") or 0) < 1:
        dataset["sample"] = {"fraction": float(records["sample_rate"])}
    elif records.get("selection") == RecordSelection.SUBSET:
        needs_review = True
        notes.append(
            "対象レコードは条件指定（「"
            + str(records.get("condition", ""))[:200]
            + "」）です。試行は全件で行いました。作成の前に、担当者が処理計画に抽出条件（dataset.filter）を"
            "指定してください。"
        )
    if entry.subject_count:
        # 審査基準②: no more data subjects than the file holds (seed 000)
        dataset.setdefault("data_subjects", {})["source_count"] = entry.subject_count
    try:
        load_plan(plan)
    except PlanError as exc:
        raise PlanUnavailable(["求められた加工の方法から処理計画を作成できません。", *exc.messages]) from None
    return ProposalPlan(plan=plan, notes=notes, needs_review=needs_review)


def hierarchy_table_messages(plan: dict) -> list[str]:
    """Japanese messages for every hierarchy given as a file (``table:``) in a plan kept in the portal.

    Refused rather than resolved: the web and worker processes may run in different folders, a file on the
    server could change after screening without the plan's digest changing, and nobody can upload one
    through the portal. A portal plan carries its hierarchies inline (``hierarchy:``); ``table:`` is for
    ``manage.py anonymize``, where it is read relative to the plan file.
    """
    return [
        f'列 "{column.get("name")}" の階層表ファイル（table）はポータルの処理計画では使えません。'
        "階層は hierarchy に直接記載してください。"
        for column in plan.get("columns") or []
        if isinstance(column, dict)
        and any(isinstance(step, dict) and "table" in step for step in column.get("steps") or [])
    ]
