"""The screening criteria (法114条1項各号) and what the portal can suggest for each by itself.

A suggestion is never a decision: the screener confirms it (its reason becomes theirs) or overrides it
with their own reason. ④ ⑥ ⑦ are human judgement and have no suggestion.
Suggestions read the latest submitted version (its frozen snapshot) plus current records: the register
entry's number of data subjects and the disqualification records.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone

from portal.jdates import wareki
from proposals import processing, rules
from proposals.disqualification import disqualification_findings
from proposals.enums import Criterion, ItemAction
from proposals.models import Proposal, ProposalVersion, ScreeningPolicy
from proposals.services.proposals import MIN_SUBJECTS

C = Criterion
# 法118条2項 (準用): a proposal on an existing dataset is screened against 1号 and 4号–7号 only.
EXISTING_DATASET_CRITERIA = (C.DISQUALIFICATION, C.CONTRIBUTION, C.USE_PERIOD, C.PROTECTION, C.AGENCY_WORKLOAD)
HUMAN_CRITERIA = (C.CONTRIBUTION, C.PROTECTION, C.AGENCY_WORKLOAD)

# ③ is found 適合 only on a dry run (anonymizer.dry_runs); without one the portal suggests nothing.
DRY_RUN_NOTE = "（加工の方法の記載に基づく確認であり、適合の根拠となる原データによる試行加工の結果はない。{}）"

# Processing standards (法116条1項, 規則; seed 000 加工基準①–③), by item name. Names are normalised
# (NFKC, no spaces) before matching. REVIEW (agency): extend with the agency's own item names.
_IDENTIFYING = re.compile(r"氏名|名前|フリガナ|ふりがな|カナ|住所|居所|所在地|電話|メール|顔写真|勤務先")
_ID_CODES = re.compile(
    r"マイナンバー|個人番号|旅券|パスポート|運転免許|基礎年金番号|被保険者|保険者番号|住民票コード|在留カード"
)
_LINKING = re.compile(r"ID$|^ID|番号$|コード$")


@dataclass(frozen=True)
class Suggestion:
    met: bool | None  # None: no suggestion (human judgement, or not enough data)
    reason: str


def applicable_criteria(proposal: Proposal) -> tuple[Criterion, ...]:
    """The criteria a proposal is screened against (法114条1項; 法118条2項 for an existing dataset)."""
    return EXISTING_DATASET_CRITERIA if proposal.is_existing_dataset else tuple(Criterion)


def suggestions(
    proposal: Proposal, *, version: ProposalVersion, on_date: datetime.date | None = None
) -> dict[Criterion, Suggestion]:
    """A suggestion for every applicable criterion, from `version`'s snapshot and current records."""
    on_date = on_date or timezone.localdate()
    snapshot = version.snapshot
    makers = {
        C.DISQUALIFICATION: lambda: _disqualification(proposal, snapshot, on_date),
        C.SUBJECT_COUNT: lambda: _subject_count(proposal, snapshot),
        C.PROCESSING: lambda: _processing(proposal, snapshot),
        C.USE_PERIOD: lambda: _use_period(snapshot, ScreeningPolicy.current().max_use_years),
    }
    return {
        criterion: makers[criterion]() if criterion in makers else Suggestion(None, "")
        for criterion in applicable_criteria(proposal)
    }


def _disqualification(proposal: Proposal, snapshot: dict, on_date) -> Suggestion:
    # 法114条1項1号 → 法113各号: the declarations as submitted, checked against today's records.
    findings = disqualification_findings(
        proposer=proposal.proposer, declarations=snapshot.get("declarations") or {}, on_date=on_date
    )
    if findings:
        return Suggestion(False, "".join(finding.message for finding in findings))
    return Suggestion(
        True,
        f"誓約書による申告及び欠格事由の記録（契約の解除・刑の執行等）を{wareki(on_date)}時点で照合し、"
        "法第113条各号のいずれにも該当しないことを確認した。",
    )


def _subject_count(proposal: Proposal, snapshot: dict) -> Suggestion:
    # 法114条1項2号: 1000 ≤ n ≤ the number of data subjects of the file.
    count = snapshot.get("subject_count")
    file_count = proposal.entry.subject_count
    if count is None:
        return Suggestion(False, "提案書に行政機関等匿名加工情報の本人の数の記載がない。")
    if count < MIN_SUBJECTS:
        return Suggestion(False, f"提案された本人の数（{count:,}人）が{MIN_SUBJECTS:,}人未満である。")
    if file_count is None:
        return Suggestion(
            None, f"提案された本人の数は{count:,}人。個人情報ファイルの本人の数が未登録のため確認を要する。"
        )
    if count > file_count:
        return Suggestion(
            False,
            f"提案された本人の数（{count:,}人）が、個人情報ファイルを構成する保有個人情報の本人の数"
            f"（{file_count:,}人）を超えている。",
        )
    return Suggestion(
        True,
        f"提案された本人の数（{count:,}人）は{MIN_SUBJECTS:,}人以上であり、個人情報ファイルの本人の数"
        f"（{file_count:,}人）以下である。",
    )


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def processing_findings(request: dict, items: list) -> list[str]:
    """Where the requested processing breaks the processing standards, in Japanese (empty: none found).

    A rule check of the item-by-item request (法116条1項, 規則): every item needs a method; identifying
    descriptions such as 氏名 may not be provided as they are (加工基準①); individual identification codes
    such as My Number must be deleted in full (②); codes linking records, such as IDs, must be deleted (③).
    """
    findings = list(processing.processing_problems(request, items))
    for entry in request.get("items", []):
        if not isinstance(entry, dict):
            continue
        name, action = _norm(str(entry.get("name", ""))), entry.get("action")
        if _ID_CODES.search(name) and action != ItemAction.DELETE:
            findings.append(f"「{entry.get('name')}」は個人識別符号であり、全部を削除する必要がある（加工基準②）。")
        elif _IDENTIFYING.search(name) and action == ItemAction.KEEP:
            findings.append(
                f"「{entry.get('name')}」は特定の個人を識別することができる記述等であり、そのまま提供することはできない"
                "（加工基準①）。"
            )
        elif _LINKING.search(name) and action != ItemAction.DELETE:
            findings.append(
                f"「{entry.get('name')}」は個人情報と他の情報とを連結する符号に当たるおそれがあり、削除する必要がある"
                "（加工基準③）。"
            )
    return findings


def _processing(proposal: Proposal, snapshot: dict) -> Suggestion:
    # 法114条1項3号
    findings = processing_findings(snapshot.get("processing_request") or {}, list(proposal.entry.recorded_items.all()))
    dry_run = _dry_run_note(proposal)
    if findings or dry_run.met is False:
        return Suggestion(False, "".join(findings) + dry_run.reason)
    return Suggestion(
        dry_run.met,
        "全ての記録項目に加工の方法が定められ、氏名等の記述、個人識別符号及び連結符号をそのまま提供するものはない。"
        + dry_run.reason,
    )


def _dry_run_note(proposal: Proposal) -> Suggestion:
    """The verdict of the dry run ③ may rest on (anonymizer.dry_runs: the latest version, the plan production
    would use now); met None, with what is missing, when there is none."""
    from anonymizer.dry_runs import dry_run_check

    check = dry_run_check(proposal)
    if check.adequate:
        return Suggestion(True, "（原データによる試行加工の結果、加工の基準に適合した。）")
    if check.dry_run is not None:  # it matches, and its verdict failed
        reasons = " ".join(check.dry_run.report["compliance"]["reasons"][:5])
        return Suggestion(False, f"（原データによる試行加工の結果、加工の基準に適合しなかった：{reasons}）")
    return Suggestion(None, DRY_RUN_NOTE.format("".join(check.problems)))


def _use_period(snapshot: dict, max_years: int) -> Suggestion:
    # 法114条1項5号: the portal compares with the maximum staff set; whether the period is necessary for
    # the purpose stays the screener's judgement.
    try:
        start, end = (datetime.date.fromisoformat(day) for day in snapshot.get("use_period") or [])
    except (TypeError, ValueError):
        return Suggestion(False, "提案書に事業の用に供しようとする期間の記載がない。")
    period = f"{wareki(start)}から{wareki(end)}まで"
    # A period of N years from `start` ends on the day before the same date N years later (民法143条).
    if end >= rules.add_years(start, max_years):
        return Suggestion(False, f"利用期間（{period}）が、利用期間の上限（{max_years}年）を超えている。")
    return Suggestion(
        True,
        f"利用期間（{period}）は利用期間の上限（{max_years}年）以内であり、利用の目的及び方法からみて必要な期間を"
        "超えるものではない。",
    )
