"""The processing plan of a proposal: the file's processing standard (加工基準) with the proposal's
item-by-item request (法112条2項4号) laid over it.

The same function builds the plan for screening's dry run and for the production job, so both run the
same processing (issue 5). The request can only make a column's processing coarser than the standard, or
leave it as it is; it never makes it finer:

- 削除 drops the column (always allowed);
- 一般化 replaces the standard's step of the same method only by one at least as coarse (prefecture over
  municipality, year over year_month, bands as wide or wider and a multiple of the standard's width, a
  higher hierarchy level), or is added after the standard's steps when the standard has none of that method
  (a step applied to the standard's output can only merge values);
- トップ／ボトムコーディング lowers the standard's top-coding threshold or raises its bottom-coding one, or adds
  the coding when the standard has none (on the band boundaries of the standard's bands, if any);
- そのまま keeps the standard's steps.

Whatever else is asked, the standard's processing stays and a Japanese note for the screener says so: a
finer step, a column the standard drops or replaces by pseudonyms, and the columns whose treatment the
five standards fix (seed 002 3-2-1 … 3-2-3: identifying descriptions, identification codes, linking codes;
and financial descriptions). The portal makes and provides 行政機関等匿名加工情報 only: a standard in
pseudonymized mode is refused (see :func:`mode_messages`).
"""

import copy
import math
import unicodedata
from dataclasses import dataclass, field

from anonymizer.describe import describe_column
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
# How coarse each level of a method is; equal ranks with different levels (year, fiscal_year) are not
# comparable: neither holds the other's groups.
_LEVEL_RANKS = {
    "address": {"municipality": 1, "prefecture": 2},
    "date": {"year_month": 1, "year": 2, "fiscal_year": 2},
}
# Roles whose treatment the five standards fix: the request cannot keep these columns as they are.
_FIXED_ROLES = {
    "identifier": "特定の個人を識別することができる記述等（加工基準①）",
    "id_code": "個人識別符号（加工基準②）",
    "linking_code": "情報を相互に連結する符号（加工基準③）",
    "financial": "財産的被害が生じるおそれのある記述等",
}
_GLOBAL_OPS = {"rare_categories", "microaggregate", "swap"}
_PROVIDED_MODE = "anonymized"


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


def mode_messages(plan: dict) -> list[str]:
    """[] when `plan` makes what the portal may provide; otherwise why not, in Japanese.

    The portal creates and provides 行政機関等匿名加工情報 only. 仮名加工情報 (mode: pseudonymized) must not
    be provided to a third party (seed 003 5(4)・6(1) 第三者提供の禁止等); the engine keeps the mode for
    the command line.
    """
    mode = plan.get("mode", _PROVIDED_MODE) if isinstance(plan, dict) else _PROVIDED_MODE
    if mode == _PROVIDED_MODE:
        return []
    return [
        "処理計画の mode が anonymized ではありません。このポータルで作成・提供できるのは行政機関等匿名加工情報"
        "だけです（仮名加工情報は第三者に提供できません）。mode を anonymized にしてください。"
    ]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def profile_plan(entry) -> dict:
    """The file's processing standard as a validated plan dict (PlanUnavailable when it has none, when it is
    invalid or when it is not for 行政機関等匿名加工情報)."""
    profile = getattr(entry, "processing_profile", None)
    if profile is None:
        raise PlanUnavailable([f"個人情報ファイル「{entry.name}」の加工基準が登録されていません。"])
    try:
        load_plan(profile.plan)
    except PlanError as exc:
        raise PlanUnavailable(["加工基準の処理計画に誤りがあります。", *exc.messages]) from None
    refused = mode_messages(profile.plan)
    if refused:
        raise PlanUnavailable(["加工基準から処理計画を作成できません。", *refused])
    return copy.deepcopy(profile.plan)


def plan_for_request(entry, request: dict) -> ProposalPlan:
    """The plan for `request` (Proposal.processing_request) on `entry`'s processing standard: never finer
    than the standard (see the module docstring); `notes` say where the request was not followed."""
    plan = profile_plan(entry)
    notes: list[str] = []
    by_name = {_norm(str(item.get("name", ""))): item for item in request.get("items", []) if isinstance(item, dict)}
    for column in plan["columns"]:
        wanted = by_name.get(_norm(column["name"]))
        if wanted is not None:
            note = _lay_over(column, wanted)
            if note:
                notes.append(note)
    dataset = plan.setdefault("dataset", {})
    _forget_dropped(plan)
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


# --- one column -----------------------------------------------------------------------------------------


def _lay_over(column: dict, wanted: dict) -> str:
    """Apply one item's request to the standard's `column` in place, if it is at least as coarse; returns
    the note for the screener when the standard's processing stays instead ('' when none is needed)."""
    name = column["name"]
    action = wanted.get("action")
    steps = column.get("steps", [])
    ops = {step.get("op") for step in steps}
    role = column.get("role", "attribute")
    if action == ItemAction.DELETE:
        column["steps"] = [{"op": "drop"}]
        return ""
    if role in _FIXED_ROLES:
        return (
            f"「{name}」は{_FIXED_ROLES[role]}のため、求められた加工ではなく加工基準の処理（削除又は置換え）を"
            "行います。"
        )
    if "drop" in ops:
        return f"「{name}」は加工基準で削除する項目のため、求められた加工ではなく削除します。"
    if action == ItemAction.KEEP:
        return ""  # そのまま: the standard's own steps
    if "pseudonymize" in ops:
        return f"「{name}」は加工基準で仮IDに置き換える項目のため、求められた加工ではなく加工基準の処理を行います。"
    standard = describe_column(column) or "そのまま"
    if action == ItemAction.GENERALIZE and wanted.get("level") in _LEVEL_STEPS:
        asked = f"一般化（{GeneralizationLevel(wanted['level']).label}）"
        refusal = _generalize(column, dict(_LEVEL_STEPS[wanted["level"]]))
    elif action in (ItemAction.TOP_CODE, ItemAction.BOTTOM_CODE) and _is_number(wanted.get("threshold")):
        top = action == ItemAction.TOP_CODE
        asked = f"{ItemAction(action).label}（{wanted['threshold']}{'以上' if top else '以下'}）"
        refusal = _code(column, "top_code" if top else "bottom_code", wanted["threshold"])
    else:
        return ""
    if refusal:
        return f"「{name}」について求められた{asked}は{refusal}ため、加工基準の処理（{standard}）を行います。"
    return ""


def _forget_dropped(plan: dict) -> None:
    """A column the request deletes is no longer a quasi-identifier of k-anonymity, nor the sensitive column
    of l-diversity (nothing of it is published to tell anyone apart or to be diverse)."""
    dropped = {c["name"] for c in plan["columns"] if any(step.get("op") == "drop" for step in c.get("steps", []))}
    kanon = plan["dataset"].get("k_anonymity") or {}
    if kanon.get("quasi_identifiers"):
        kanon["quasi_identifiers"] = [name for name in kanon["quasi_identifiers"] if name not in dropped]
    if (plan["dataset"].get("l_diversity") or {}).get("sensitive") in dropped:
        del plan["dataset"]["l_diversity"]


def _row_end(steps: list[dict]) -> int:
    """Where a step is added after the standard's row-wise steps: before its first whole-dataset step."""
    return next((i for i, step in enumerate(steps) if step.get("op") in _GLOBAL_OPS), len(steps))


def _without_keep(column: dict) -> list[dict]:
    return [step for step in column.get("steps", []) if step.get("op") != "keep"]


def _generalize(column: dict, requested: dict) -> str:
    """Lay a requested generalisation over the column; '' when done, else why the standard stays."""
    steps = _without_keep(column)
    same = [
        i
        for i, step in enumerate(steps)
        if step.get("op") == "generalize" and step.get("method") == requested["method"]
    ]
    if not same:
        # Applied to what the standard's steps produce, a step can only merge values: never finer.
        steps.insert(_row_end(steps), requested)
        column["steps"] = steps
        return ""
    index = same[-1]
    if requested["method"] == "bands" and "start" in steps[index]:
        requested["start"] = steps[index]["start"]  # the same boundaries, so each standard band fits in one
    if not coarser_or_equal(requested, steps[index]):
        return "加工基準の処理より細かい"
    steps[index] = requested
    column["steps"] = steps
    return ""


def coarser_or_equal(requested: dict, standard: dict) -> bool:
    """Whether the generalisation step `requested` groups values at least as coarsely as `standard` (both
    engine steps of the same method): every group of the standard falls inside one group of the request."""
    method = requested.get("method")
    if method != standard.get("method"):
        return False
    if method in _LEVEL_RANKS:
        ranks = _LEVEL_RANKS[method]
        mine, theirs = requested.get("level"), standard.get("level")
        return mine == theirs or ranks.get(mine, 0) > ranks.get(theirs, math.inf)
    if method == "bands":
        ratio = requested["width"] / standard["width"]
        aligned = requested.get("start", 0) == standard.get("start", 0)
        return aligned and ratio >= 1 and math.isclose(ratio, round(ratio))
    if method == "hierarchy":
        same_table = (requested.get("table"), requested.get("hierarchy")) == (
            standard.get("table"),
            standard.get("hierarchy"),
        )
        return same_table and requested["level"] >= standard["level"]
    return requested == standard


def _code(column: dict, op: str, threshold: float) -> str:
    """Lay a requested top (bottom) coding over the column; '' when done, else why the standard stays."""
    top = op == "top_code"
    steps = _without_keep(column)
    mine = next((step for step in steps if step.get("op") == op), None)
    if mine is not None and mine["threshold"] == threshold:
        return ""  # what the standard does already
    other = next((step for step in steps if step.get("op") == ("bottom_code" if top else "top_code")), None)
    if mine is not None and (threshold > mine["threshold"] if top else threshold < mine["threshold"]):
        return "加工基準のしきい値より緩い"
    if other is not None and (threshold <= other["threshold"] if top else threshold >= other["threshold"]):
        return "加工基準の反対側のコーディングと重なる"
    bands = [i for i, step in enumerate(steps) if step.get("op") == "generalize" and step.get("method") == "bands"]
    # dates, addresses, hierarchies, mappings: no order of numbers that a threshold could cut
    if any(step.get("op") == "generalize" and step.get("method") != "bands" for step in steps):
        return "加工基準の一般化と組み合わせられない"
    if bands:
        band = steps[bands[0]]
        edge = threshold if top else threshold + 1  # integer values: ≤ 19 codes whole bands ending at 19
        offset = (edge - band.get("start", 0)) / band["width"]
        if not math.isclose(offset, round(offset)):
            return "加工基準の階級の境目に合わない"
    if mine is not None:
        mine["threshold"] = threshold
        mine.pop("label", None)  # the standard's own wording named its threshold
    elif bands:
        # coding works on numbers, so it goes before the bands turn them into labels
        steps.insert(bands[0], {"op": op, "threshold": threshold})
    else:
        steps.insert(_row_end(steps), {"op": op, "threshold": threshold})
    column["steps"] = steps
    column.setdefault("type", "number")
    return ""


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
