"""The risk and utility report of a run (a JSON-serialisable dict) and its compliance verdict.

The verdict checks the five processing standards (seed 002 3-2-1 … 3-2-5; in pseudonymized mode the three
of seed 003 4(1)) and the data-subject rule of screening criterion ② (seed 000: 本人の数が1000人以上かつ
個人情報ファイルの本人の数以下), with a Japanese reason for every failure.

The report never holds a processing secret or a deleted value: it names columns, operations and counts;
value distributions show only values held by at least ``max(k, 10)`` records, top N of them, and numeric
columns show no minimum or maximum (an extreme is exactly the unique description that was removed).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .kanon import ClassStats, class_stats
from .plan import MIN_DATA_SUBJECTS, ROLE_LABELS, Plan

if TYPE_CHECKING:
    from .globalpass import GlobalState
    from .steps import StepStats

MAX_TRACKED_VALUES = 50_000
ANONYMIZED_LABEL = "行政機関等匿名加工情報"
PSEUDONYMIZED_LABEL = "仮名加工情報"
STANDARDS = {
    "anonymized": {
        "1": "① 特定の個人を識別することができる記述等の削除",
        "2": "② 個人識別符号の削除",
        "3": "③ 情報を相互に連結する符号の削除",
        "4": "④ 特異な記述等の削除",
        "5": "⑤ 個人情報ファイルの性質を踏まえたその他の措置",
    },
    "pseudonymized": {
        "1": "① 特定の個人を識別することができる記述等の削除",
        "2": "② 個人識別符号の削除",
        "3": "③ 不正に利用されることにより財産的被害が生じるおそれがある記述等の削除",
    },
}
NUMERIC_TYPES = ("integer", "number")
PERTURBING_OPS = {"noise", "microaggregate"}  # the published numbers are no longer anyone's true values
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_BAND = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)～")  # 「20～29」「20～25未満」 (generalize_bands)


def source_distribution_columns(plan: Plan) -> list[str]:
    """The columns whose *source* value counts the report shows beside the output's: quasi-identifiers,
    sensitive columns and attributes; never an identifier's or a code's source values."""
    return [
        name
        for name in distribution_columns(plan)
        if plan.column(name).role in ("quasi_identifier", "sensitive", "attribute")
    ]


def distribution_columns(plan: Plan) -> list[str]:
    """The output columns whose value counts a run keeps: quasi-identifiers, sensitive and other attributes
    (the report's distributions), and what the verdict measures on the output: identifiers kept in a
    generalised form (①) and numeric columns (④). Never a pseudonymized column (its values are IDs)."""
    return [
        c.name
        for c in plan.columns
        if not c.dropped
        and "pseudonymize" not in c.ops
        and (c.role in ("quasi_identifier", "sensitive", "attribute", "identifier") or c.type in NUMERIC_TYPES)
    ]


class Distributions:
    """Value counts per column, accumulated chunk by chunk, bounded in size."""

    def __init__(self, columns: list[str], top_n: int = 10):
        self.top_n = top_n
        self.counts: dict[str, Counter] = {c: Counter() for c in columns}
        self.too_many: set[str] = set()

    def add(self, name: str, arr: pa.Array) -> None:
        if name not in self.counts or name in self.too_many:
            return
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        counter = self.counts[name]
        if pa.types.is_dictionary(arr.type):
            idx = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            counts = np.bincount(idx[idx >= 0], minlength=len(arr.dictionary))
            used = np.flatnonzero(counts)
            if len(used) > MAX_TRACKED_VALUES:
                self._give_up(name)
                return
            labels = arr.dictionary.take(pa.array(used)).to_pylist()
            pairs = [(str(v), int(c)) for v, c in zip(labels, counts[used], strict=True)]
        else:
            vc = pc.value_counts(pc.drop_null(arr))
            if len(vc) > MAX_TRACKED_VALUES:  # too many to list: do not build them as Python objects
                self._give_up(name)
                return
            pairs = list(zip(map(str, vc.field("values").to_pylist()), vc.field("counts").to_pylist(), strict=True))
        for value, count in pairs:
            counter[value] += count
        if len(counter) > MAX_TRACKED_VALUES:
            self._give_up(name)

    def _give_up(self, name: str) -> None:
        self.too_many.add(name)
        self.counts[name] = Counter()

    def summary(self, name: str, min_count: int) -> dict[str, Any]:
        if name in self.too_many:
            return {"distinct": f"{MAX_TRACKED_VALUES} 超", "top": [], "note": "値の種類が多いため省略"}
        counter = self.counts.get(name, Counter())
        shown = [(v, c) for v, c in counter.most_common() if c >= min_count][: self.top_n]
        total = sum(counter.values())
        return {
            "distinct": len(counter),
            "top": [[v, c] for v, c in shown],
            "other": total - sum(c for _, c in shown),
            "records": total,
        }

    def rare(self, name: str, min_count: int, marker: str) -> int | None:
        """How many distinct values have fewer than ``min_count`` records (None if not tracked)."""
        if name in self.too_many or name not in self.counts:
            return None
        return sum(1 for v, c in self.counts[name].items() if c < min_count and v != marker)


def output_class_stats(plan: Plan, state: GlobalState) -> ClassStats | None:
    """k, l and uniqueness of the rows the global pass kept (None without k-anonymity). Final once the global
    pass is done, so the pipeline computes it on its pool while the row pass runs."""
    kanon = plan.dataset.get("k_anonymity")
    if not kanon:
        return None
    qis = [state.columns[q] for q in plan.quasi_identifiers]
    sens = state.columns.get(plan.sensitive) if plan.sensitive else None
    l_target = (plan.dataset.get("l_diversity") or {}).get("l")
    return class_stats(qis, kanon["k"], sens, l_target, rows=np.flatnonzero(state.keep))


def build_report(
    plan: Plan,
    *,
    state: GlobalState,
    stats: StepStats,
    before: Distributions,
    after: Distributions,
    leftovers: dict[str, dict[str, int]],
    timings: dict[str, float],
    classes: ClassStats | None = None,
) -> dict[str, Any]:
    """The risk and utility report with the compliance verdict; ``classes`` is :func:`output_class_stats`
    when the caller has it already."""
    ds = plan.dataset
    m = state.measures
    kept_rows = np.flatnonzero(state.keep)
    output_rows = len(kept_rows)
    kanon = ds.get("k_anonymity")
    k_target = kanon["k"] if kanon else None
    privacy: dict[str, Any] = {"quasi_identifiers": plan.quasi_identifiers if kanon else [], "k_target": k_target}
    if kanon:
        cs = classes if classes is not None else output_class_stats(plan, state)
        l_target = (ds.get("l_diversity") or {}).get("l")
        suppressed = m.get("records_suppressed", 0)
        base = max(m.get("sampled_rows", 0), 1)
        privacy.update(
            {
                "method": m.get("method"),
                "k": cs.k,
                "classes": cs.classes,
                "classes_below_k": cs.classes_below_k,
                "records_below_k": cs.records_below_k,
                "unique_records": cs.unique_records,
                "unique_share": cs.unique_records / output_rows if output_rows else 0.0,
                "sensitive": plan.sensitive,
                "l_target": l_target,
                "l": cs.l,
                "classes_below_l": cs.classes_below_l,
                "records_suppressed": suppressed,
                "record_suppression_rate": suppressed / base,
                "qi_cells_suppressed": m.get("cells_suppressed", 0),
                "max_suppression": m.get("max_suppression"),
                "before": {key: m["before_k"][key] for key in ("k", "classes", "classes_below_k", "unique_records")},
            }
        )
    subj_cfg = ds.get("data_subjects") or {}
    subject_column = plan.subject_column
    hashes = state.subjects_hash
    subjects = pl.Series(hashes[kept_rows]).n_unique() if hashes is not None else output_rows
    min_count = max(k_target or 1, 10)
    report: dict[str, Any] = {
        "report_version": 1,
        "label": ANONYMIZED_LABEL if plan.mode == "anonymized" else PSEUDONYMIZED_LABEL,
        "plan": {"name": plan.name, "digest": plan.digest, "mode": plan.mode},
        "rows": {
            "source": m["source_rows"],
            "subset": m["subset_rows"],
            "sampled": m["sampled_rows"],
            "suppressed": m.get("records_suppressed", 0),
            "output": output_rows,
        },
        "items": {"output": plan.output_columns, "dropped": [c.name for c in plan.columns if c.dropped]},
        "privacy": privacy,
        "cells_suppressed": {
            **stats.cells_suppressed,
            **({"(準識別子)": m["cells_suppressed"]} if m.get("cells_suppressed") else {}),
        },
        "data_subjects": {
            "count": subjects,
            # a linking code is one person's: several rows of one person count once (seed 000 審査基準②)
            "counted_by": subject_column if hashes is not None and subject_column else "行数",
            "minimum": max(subj_cfg.get("minimum", MIN_DATA_SUBJECTS), MIN_DATA_SUBJECTS),
            "source_count": subj_cfg.get("source_count"),
        },
        "identifiers": {
            "deleted": stats.identifiers_deleted,
            "my_number_invalid_check_digit": stats.my_number_invalid,
            "leftover": {c: v for c, v in leftovers.items() if v},
            "leftover_total": sum(sum(v.values()) for v in leftovers.values()),
            "not_scanned": [
                c.name for c in plan.columns if not c.dropped and any(s.op == "pseudonymize" for s in c.steps)
            ],
        },
        "columns": {},
        "distributions": {
            name: {
                # an identifier's source values are never summarised (they are the names themselves)
                "before": None if plan.column(name).role == "identifier" else before.summary(name, min_count),
                "after": after.summary(name, min_count),
            }
            for name in after.counts
        },
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }
    measured = _measured_fails(plan, after)
    report["columns"] = {c.name: _column_entry(c, plan, measured) for c in plan.columns}
    report["compliance"] = _verdict(plan, report, after, measured)
    return report


def _column_entry(col: Any, plan: Plan, measured: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    ops = []
    for s in col.steps:
        params = {k: v for k, v in s.params.items() if k != "hierarchy"}
        ops.append({"op": s.op, **params})
    return {
        "role": col.role,
        "role_label": ROLE_LABELS[col.role],
        "output": "削除" if col.dropped else "出力",
        "operations": ops,
        "standards": _standards_met(col, plan, measured),
    }


def _standards_met(col: Any, plan: Plan, measured: dict[str, dict[str, list[str]]]) -> list[str]:
    """The standards this column's treatment meets, as measured: a column named in a measured failure of a
    standard (an identifier still telling people apart, a rare value left at a numeric tail) is not listed."""
    ops = set(col.ops)
    out: list[str] = []
    names = STANDARDS[plan.mode]
    if col.role == "identifier" and ops & {"drop", "pseudonymize", "generalize"} and col.name not in measured["1"]:
        out.append(names["1"])
    if col.role == "quasi_identifier" and ops & {"drop", "generalize"}:
        out.append(names["1"])
    if (col.role == "id_code" and ops & {"drop", "pseudonymize"}) or "scrub_identifiers" in ops:
        out.append(names["2"])
    if plan.mode == "anonymized":
        if col.role == "linking_code" and ops & {"drop", "pseudonymize"}:
            out.append(names["3"])
        if ops & {"top_code", "bottom_code", "rare_categories"} and col.name not in measured["4"]:
            out.append(names["4"])
        if ops & {"suppress_cells", "microaggregate", "swap", "noise"} or (
            col.name in plan.quasi_identifiers and plan.dataset.get("k_anonymity") and not col.dropped
        ):
            out.append(names["5"])
    elif (col.role == "financial" and ops & {"drop", "pseudonymize"}) or "scrub_identifiers" in ops:
        out.append(names["3"])
    return list(dict.fromkeys(out))


def _unique_threshold(plan: Plan) -> int:
    """Fewer records than this make a value a unique description: ``unique_descriptions.min_count`` (at
    least 2 and at least k, checked by the plan), else k, else 2."""
    kanon = plan.dataset.get("k_anonymity") or {}
    return (plan.dataset.get("unique_descriptions") or {}).get("min_count") or kanon.get("k") or 2


def _measured_fails(plan: Plan, after: Distributions) -> dict[str, dict[str, list[str]]]:
    """What the output itself shows, per standard and column: ① an identifier kept in a generalised form
    whose values still tell fewer than k people apart; ④ a unique description left in a quasi-identifier,
    a sensitive column or at the tails of a numeric column."""
    out: dict[str, dict[str, list[str]]] = {"1": {}, "4": {}}
    kanon = plan.dataset.get("k_anonymity")
    threshold = _unique_threshold(plan)
    k = kanon["k"] if kanon else threshold
    for col in plan.columns:
        ops = set(col.ops)
        q = f'列 "{col.name}"'
        if col.dropped:
            continue
        if col.role == "identifier" and "pseudonymize" not in ops:
            # seed 002 3-2-1: a generalised identifying description must no longer single anyone out
            if "generalize" not in ops:
                reason = f"{q} は特定の個人を識別できる記述等ですが、削除・仮IDへの置換・一般化のいずれもされていません"
            else:
                rare = after.rare(col.name, k, plan.suppressed_value)
                if rare is None:
                    reason = f"{q} は一般化後も値の種類が多く、特定の個人を識別できないことを確認できません"
                elif rare:
                    reason = f"{q} は一般化後も {k} 件未満しかない値が {rare} 種類残っており、特定の個人を識別できます"
                else:
                    reason = ""
            if reason:
                out["1"].setdefault(col.name, []).append(reason)
        if plan.mode != "anonymized":
            continue
        reasons = []
        if col.type in NUMERIC_TYPES and not ops & PERTURBING_OPS:
            # seed 002 3-2-4 事例2: an extreme value (116歳, a 170 cm child) held by a few records
            tail = _tail_rare(col, after, threshold, plan.suppressed_value)
            if tail is None:
                reasons.append(f"{q} は値の種類が多く、特異な値（極端な値）が残っていないことを確認できません")
            elif tail:
                reasons.append(
                    f"{q} の最大側・最小側に {threshold} 件未満しかない値が {tail} 種類残っています"
                    "（トップ／ボトムコーディング等でまとめてください）"
                )
        if col.role in ("quasi_identifier", "sensitive") and (
            col.type not in NUMERIC_TYPES or ops & {"generalize", "rare_categories"}
        ):
            rare = after.rare(col.name, threshold, plan.suppressed_value)
            if rare is None:
                reasons.append(f"{q} は値の種類が多く、特異な記述等が残っていないことを確認できません")
            elif rare:
                reasons.append(f"{q} に {threshold} 件未満しかない値が {rare} 種類残っています（特異な記述等）")
        if reasons:
            out["4"][col.name] = list(dict.fromkeys(reasons))
    return out


def _tail_rare(col: Any, after: Distributions, min_count: int, marker: str) -> int | None:
    """How many distinct output values of a numeric column lie beyond every value held by ``min_count``
    records or more, at either end (None when the values were too many to count). Numbers and band labels
    (「200～219」) are ordered by value; the labels of the column's own top/bottom coding are the coding
    itself and are not counted; other labels have no order and are left to the other checks."""
    if col.name in after.too_many or col.name not in after.counts:
        return None
    coded = {
        s.get("label") or f"{s.get('threshold'):g}{s.get('unit', '')}{'以上' if s.op == 'top_code' else '以下'}"
        for s in col.steps
        if s.op in ("top_code", "bottom_code")
    }
    ordered: list[tuple[float, int]] = []
    for value, count in after.counts[col.name].items():
        if value == marker or value in coded:
            continue
        if _NUMBER.match(value):
            ordered.append((float(value), count))
        elif band := _BAND.match(value):
            ordered.append((float(band.group(1)), count))
    common = [position for position, count in ordered if count >= min_count]
    if not common:
        return len(ordered)
    low, high = min(common), max(common)
    return sum(1 for position, _ in ordered if position < low or position > high)


def _verdict(
    plan: Plan, report: dict[str, Any], after: Distributions, measured: dict[str, dict[str, list[str]]]
) -> dict[str, Any]:
    names = STANDARDS[plan.mode]
    fails: dict[str, list[str]] = {key: [] for key in names}
    for col in plan.columns:
        ops = set(col.ops)
        q = f'列 "{col.name}"'
        fails["1"].extend(measured["1"].get(col.name, []))
        if col.role == "id_code" and not ops & {"drop", "pseudonymize"}:
            fails["2"].append(f"{q} は個人識別符号ですが、削除されていません")
        if col.role == "free_text" and not col.dropped and "scrub_identifiers" not in ops:
            fails["2"].append(f"{q} は自由記述ですが、個人識別符号等の削除（scrub_identifiers）が指定されていません")
        if col.role == "linking_code" and not ops & {"drop", "pseudonymize"}:
            key = "3" if plan.mode == "anonymized" else "1"
            fails[key].append(f"{q} は情報を相互に連結する符号ですが、削除も仮IDへの置換もされていません")
        if col.role == "financial" and not ops & {"drop", "pseudonymize"}:
            key = "3" if plan.mode == "pseudonymized" else "1"
            fails[key].append(f"{q} は財産的被害が生じるおそれがある記述等ですが、削除されていません")
        if plan.mode == "anonymized":
            fails["4"].extend(measured["4"].get(col.name, []))
    leftover = report["identifiers"]["leftover"]
    if report["identifiers"]["leftover_total"]:
        where = "、".join(f'"{c}"' for c in leftover)
        fails["2"].append(
            f"出力に個人識別符号等のパターンが {report['identifiers']['leftover_total']} 件残っています（列 {where}）"
        )
    if plan.mode == "anonymized":
        _nature_fails(plan, report, fails["5"])
    standards = {names[key]: {"passed": not fails[key], "reasons": fails[key]} for key in names}
    subjects = _subject_fails(plan, report)
    reasons = [r for key in names for r in fails[key]] + subjects
    return {
        "compliant": not reasons,
        "standards": standards,
        "data_subjects": {"passed": not subjects, "reasons": subjects}
        if plan.mode == "anonymized"
        else {"passed": True, "reasons": [], "note": "仮名加工情報には適用しない"},
        "reasons": reasons,
    }


def _nature_fails(plan: Plan, report: dict[str, Any], out: list[str]) -> None:
    """seed 002 3-2-5: k-anonymity (and l-diversity) on the quasi-identifiers, within the suppression limit.
    An anonymized plan always names its quasi-identifiers and k: without them nothing shows that a record
    cannot be singled out by the attributes others may know (the roles alone can be set aside)."""
    p = report["privacy"]
    if not plan.dataset.get("k_anonymity"):
        out.append(
            "準識別子についての k-匿名性（dataset.k_anonymity）が指定されていません（準識別子と k を定めてください）"
        )
        return
    if report["rows"]["output"] == 0:
        out.append("出力されるレコードがありません")
        return
    if p["k"] < p["k_target"]:
        out.append(
            f"k-匿名性を満たしていません（k = {p['k']}、目標 {p['k_target']}。目標未満の等価クラスが "
            f"{p['classes_below_k']} 個、{p['records_below_k']} レコード）"
        )
    if p["record_suppression_rate"] > p["max_suppression"]:
        out.append(
            f"レコード削除率 {p['record_suppression_rate']:.1%} が上限 {p['max_suppression']:.1%} を"
            "超えています（一般化を強めてください）"
        )
    if p.get("l_target") and (p["l"] or 0) < p["l_target"]:
        out.append(f"l-多様性を満たしていません（l = {p['l']}、目標 {p['l_target']}）")


def _subject_fails(plan: Plan, report: dict[str, Any]) -> list[str]:
    """seed 000 審査基準② (法114条1項2号): 本人の数が1000人以上かつ個人情報ファイルを構成する保有個人情報の
    本人の数以下. The floor of 1000 cannot be lowered by a plan."""
    if plan.mode != "anonymized":
        return []
    d = report["data_subjects"]
    out = []
    if d["count"] < d["minimum"]:
        out.append(
            f"本人の数が {d['count']} 人（数え方: {d['counted_by']}）で、{d['minimum']} 人以上という審査基準②を"
            "満たしません"
        )
    if d["source_count"] is not None and d["count"] > d["source_count"]:
        out.append(f"本人の数 {d['count']} 人が個人情報ファイルの本人の数 {d['source_count']} 人を超えています")
    return out


# The privacy measures of the output that the recipient may see (no measure of the source).
_RECIPIENT_PRIVACY = ("quasi_identifiers", "k_target", "k", "classes", "sensitive", "l_target", "l")


def recipient_report(report: dict[str, Any], *, descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """The version of ``report`` delivered with a dataset (seed 002 3-3: what was removed and how is the
    agency's 加工方法等情報, kept from the recipient).

    After-state only: the label, the plan digest, the output's rows, items, 本人の数, k / l of the output, the
    verdict and the output's value distributions. Left out: every measure of the source (``before``
    distributions, ``privacy.before``, source, sampled and suppressed rows, deleted identifiers), the
    processing parameters, the dropped items and the timings. ``descriptions`` (item → published
    description of its processing, 法117) is added per item. The staff keep the full report.
    """
    privacy = report.get("privacy") or {}
    compliance = report.get("compliance") or {}
    items = list((report.get("items") or {}).get("output", []))
    columns = report.get("columns") or {}
    return {
        "report_version": report.get("report_version"),
        "label": report.get("label"),
        "plan": {"digest": (report.get("plan") or {}).get("digest")},
        "rows": {"output": (report.get("rows") or {}).get("output")},
        "data_subjects": {"count": (report.get("data_subjects") or {}).get("count")},
        "columns": {
            name: {
                "role_label": (columns.get(name) or {}).get("role_label"),
                "processing": (descriptions or {}).get(name, ""),
            }
            for name in items
        },
        "privacy": {key: privacy[key] for key in _RECIPIENT_PRIVACY if key in privacy},
        "compliance": {
            "compliant": compliance.get("compliant"),
            "standards": [name for name, result in (compliance.get("standards") or {}).items() if result["passed"]],
        },
        "distributions": {
            name: {"after": summary["after"]} for name, summary in (report.get("distributions") or {}).items()
        },
    }
