"""Processing plans: load, validate (with Japanese messages) and represent.

A plan is plain data (JSON or YAML) that says, column by column, what happens to a personal information
file, plus dataset-level measures (subset, sampling, k-anonymity, l-diversity, the data-subject rule).
It never holds a secret: keys and seeds come from :class:`~anonymizer.engine.secrets.ProcessingSecrets`.
The published JSON Schema is ``anonymizer/schema/processing-plan.schema.json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import PlanError

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "processing-plan.schema.json"

# Operations that need the whole dataset (counts, sort order) rather than one row at a time. In a chunked
# run they are decided in the first pass, so the result does not depend on the chunk size.
GLOBAL_OPS = frozenset({"rare_categories", "microaggregate", "swap"})
NUMERIC_OPS = frozenset({"microaggregate", "noise"})  # need a numeric column type
DATE_LEVELS = ("year", "year_month", "fiscal_year")
# 法114条1項2号 / seed 000 審査基準②: a dataset describes at least 1000 本人. A plan may ask for more, never
# fewer (the schema's minimum says the same).
MIN_DATA_SUBJECTS = 1000
ADDRESS_LEVELS = ("prefecture", "municipality")

ROLE_LABELS = {
    "identifier": "特定の個人を識別することができる記述等",
    "quasi_identifier": "準識別子",
    "id_code": "個人識別符号",
    "linking_code": "情報を相互に連結する符号",
    "sensitive": "機微な属性",
    "free_text": "自由記述",
    "financial": "財産的被害が生じるおそれがある記述等",
    "attribute": "その他の属性",
}


@dataclass(frozen=True)
class Step:
    op: str
    params: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    role: str
    type: str
    steps: tuple[Step, ...]

    @property
    def dropped(self) -> bool:
        return any(s.op == "drop" for s in self.steps)

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(s.op for s in self.steps)


@dataclass(frozen=True)
class Plan:
    version: int
    name: str
    mode: str
    unlisted_columns: str
    suppressed_value: str
    columns: tuple[ColumnPlan, ...]
    dataset: dict[str, Any]
    digest: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    def column(self, name: str) -> ColumnPlan:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def output_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.dropped]

    @property
    def quasi_identifiers(self) -> list[str]:
        """QIs for k-anonymity: the plan's list, else every kept column whose role is quasi_identifier."""
        kanon = self.dataset.get("k_anonymity") or {}
        if kanon.get("quasi_identifiers"):
            return list(kanon["quasi_identifiers"])
        return [c.name for c in self.columns if c.role == "quasi_identifier" and not c.dropped]

    @property
    def subject_column(self) -> str | None:
        """The column whose distinct values are the 本人 (data subjects): ``data_subjects.column``, else the
        first linking code (one code per person), else None (then rows are counted)."""
        column = (self.dataset.get("data_subjects") or {}).get("column")
        if column:
            return column
        return next((c.name for c in self.columns if c.role == "linking_code"), None)

    @property
    def sensitive(self) -> str | None:
        ldiv = self.dataset.get("l_diversity")
        return ldiv["sensitive"] if ldiv else None

    def to_json(self) -> str:
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True)


@cache
def plan_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_plan(source: str | Path | bytes | dict[str, Any], *, base_dir: str | Path | None = None) -> Plan:
    """Load and validate a plan from a dict, a JSON/YAML text, or a path to a .json/.yaml/.yml file.

    Hierarchy tables named in the plan (``table:``) are read relative to ``base_dir`` (default: the plan
    file's folder, else the current folder). Raises :class:`PlanError` listing every problem in Japanese;
    never lets a parser traceback through.
    """
    if isinstance(source, dict):
        data = source
    else:
        if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
            path = Path(source)
            if base_dir is None:
                base_dir = path.parent
            try:
                text = path.read_text(encoding="utf-8-sig")
            except OSError:
                raise PlanError([f"処理計画ファイル {path.name} を読み込めません"]) from None
            except UnicodeDecodeError:
                raise PlanError([f"処理計画ファイル {path.name} は UTF-8 ではありません"]) from None
        else:
            text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
        try:
            data = yaml.safe_load(text)  # YAML is a superset of JSON
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"（{mark.line + 1} 行目付近）" if mark is not None else ""
            raise PlanError([f"処理計画の書式が JSON / YAML として読み取れません{where}"]) from None
    if not isinstance(data, dict):
        raise PlanError(["処理計画の最上位はオブジェクト（キーと値の組）でなければなりません"])
    messages = _schema_messages(data)
    if messages:
        raise PlanError(messages)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    messages, columns = _build_columns(data, base)
    messages += _dataset_messages(data, columns)
    if messages:
        raise PlanError(messages)
    return Plan(
        version=data["plan_version"],
        name=data.get("name", ""),
        mode=data.get("mode", "anonymized"),
        unlisted_columns=data.get("unlisted_columns", "error"),
        suppressed_value=data.get("suppressed_value", "*"),
        columns=tuple(columns),
        dataset=dict(data.get("dataset") or {}),
        digest=plan_digest(data),
        raw=data,
    )


def plan_digest(data: dict[str, Any]) -> str:
    """SHA-256 of the plan's canonical JSON (sorted keys, no spaces): the same plan, the same digest,
    however its keys were ordered or stored. ``Plan.digest`` is this of the validated data."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and text.strip().lower().endswith((".json", ".yaml", ".yml"))


# --- JSON Schema errors in Japanese ---------------------------------------------------------------------

_TYPE_NAMES = {
    "string": "文字列",
    "integer": "整数",
    "number": "数値",
    "boolean": "真偽値",
    "array": "配列",
    "object": "オブジェクト",
    "null": "null",
}


def _where(data: dict[str, Any], path: list[Any]) -> str:
    """Turn a JSON path into Japanese: ['columns', 2, 'steps', 0, 'level'] → 列 "住所" の処理 "generalize"."""
    parts: list[str] = []
    node: Any = data
    i = 0
    while i < len(path):
        key = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        if key == "columns" and isinstance(nxt, int):
            col = _safe_index(node.get("columns"), nxt)
            name = col.get("name") if isinstance(col, dict) else None
            parts.append(f'列 "{name}"' if isinstance(name, str) else f"{nxt + 1} 番目の列")
            node, i = col, i + 2
            continue
        if key == "steps" and isinstance(nxt, int):
            step = _safe_index(node.get("steps") if isinstance(node, dict) else None, nxt)
            op = step.get("op") if isinstance(step, dict) else None
            parts.append(f' の処理 "{op}"' if isinstance(op, str) else f" の {nxt + 1} 番目の処理")
            node, i = step, i + 2
            continue
        label = f"{key + 1} 番目" if isinstance(key, int) else str(key)
        parts.append(f"の {label}" if parts else label)
        node = node.get(key) if isinstance(node, dict) else _safe_index(node, key)
        i += 1
    return "".join(parts) if parts else "処理計画"


def _safe_index(seq: Any, idx: Any) -> Any:
    if isinstance(seq, list) and isinstance(idx, int) and 0 <= idx < len(seq):
        return seq[idx]
    return None


def _schema_messages(data: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(plan_schema())
    out: list[str] = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = _where(data, list(err.absolute_path))
        kind = err.validator
        if kind == "required":
            missing = [p for p in err.validator_value if not (isinstance(err.instance, dict) and p in err.instance)]
            out.extend(f"{where} に {p} がありません" for p in missing)
        elif kind == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            out.extend(f'{where} に不明な項目 "{p}" があります' for p in extra)
        elif kind == "type":
            expected = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            names = "・".join(_TYPE_NAMES.get(t, t) for t in expected)
            out.append(f"{where} は{names}でなければなりません")
        elif kind == "enum":
            allowed = ", ".join(map(str, err.validator_value))
            out.append(f'{where} の値 "{err.instance}" は使えません（使える値: {allowed}）')
        elif kind == "const":
            out.append(f"{where} は {err.validator_value} でなければなりません")
        elif kind in ("minimum", "exclusiveMinimum"):
            op = "以上" if kind == "minimum" else "より大きく"
            out.append(f"{where} は {err.validator_value} {op}でなければなりません")
        elif kind in ("maximum", "exclusiveMaximum"):
            op = "以下" if kind == "maximum" else "未満"
            out.append(f"{where} は {err.validator_value} {op}でなければなりません")
        elif kind == "multipleOf":
            out.append(f"{where} は {err.validator_value} の倍数でなければなりません")
        elif kind in ("minItems", "minLength"):
            out.append(f"{where} が空です")
        elif kind == "uniqueItems":
            out.append(f"{where} に重複があります")
        else:  # a rule added to the schema later without a translation here
            out.append(f"{where} が処理計画の様式に合いません（{kind}）")
    return list(dict.fromkeys(out))


# --- semantic checks -----------------------------------------------------------------------------------


def _build_columns(data: dict[str, Any], base: Path) -> tuple[list[str], list[ColumnPlan]]:
    messages: list[str] = []
    columns: list[ColumnPlan] = []
    seen: set[str] = set()
    for col in data["columns"]:
        name = col["name"]
        if name in seen:
            messages.append(f'列 "{name}" が二度記載されています')
        seen.add(name)
        steps: list[Step] = []
        ctype = col.get("type", "string")
        global_seen = False
        for raw in col["steps"]:
            params = {k: v for k, v in raw.items() if k not in ("op", "note")}
            op = raw["op"]
            where = f'列 "{name}" の処理 "{op}"'
            if op in GLOBAL_OPS:
                global_seen = True
            elif global_seen and op not in ("drop", "keep"):
                messages.append(
                    f"{where} は全体集計を伴う処理（rare_categories / microaggregate / swap）"
                    "の後に置けません。全体集計を伴う処理は最後に置いてください"
                )
            if op in ("drop", "keep") and len(col["steps"]) > 1:
                messages.append(f'{where} は単独で指定してください（列 "{name}" に他の処理があります）')
            if op in NUMERIC_OPS and ctype not in ("integer", "number"):
                messages.append(f"{where} には数値の列が必要です（列の type を integer か number にしてください）")
            if op == "generalize":
                messages += _generalize_messages(where, raw, params, base)
            if op == "suppress_cells" and not any(k in raw for k in ("values", "min", "max")):
                messages.append(f"{where} に values・min・max のいずれかがありません")
            if op == "noise" and raw.get("relative") and raw.get("scale", 0) > 1:
                messages.append(f"{where} の scale は relative のとき 1 以下にしてください")
            steps.append(Step(op, params))
        columns.append(ColumnPlan(name=name, role=col["role"], type=ctype, steps=tuple(steps)))
    return messages, columns


def _generalize_messages(where: str, raw: dict[str, Any], params: dict[str, Any], base: Path) -> list[str]:
    method = raw["method"]
    level = raw.get("level")
    if method == "date" and level not in DATE_LEVELS:
        return [f'{where} の level "{level}" は使えません（使える値: {", ".join(DATE_LEVELS)}）']
    if method == "address" and level not in ADDRESS_LEVELS:
        return [f'{where} の level "{level}" は使えません（使える値: {", ".join(ADDRESS_LEVELS)}）']
    if method == "hierarchy":
        if not isinstance(level, int) or level < 0:
            return [f"{where} の level は 0 以上の整数でなければなりません"]
        if "table" in raw:
            path = (base / raw["table"]).resolve()
            try:
                params["hierarchy"] = read_hierarchy(path)
            except OSError:
                return [f'{where} の階層表 "{raw["table"]}" を読み込めません']
            except ValueError as exc:
                return [f'{where} の階層表 "{raw["table"]}" が不正です: {exc}']
        elif "hierarchy" not in raw:
            return [f"{where} に table（階層表ファイル）か hierarchy（階層の定義）がありません"]
        depth = min((len(v) for v in params["hierarchy"].values()), default=0)
        if level > depth:
            return [f"{where} の level {level} は階層の深さ {depth} を超えています"]
    return []


def read_hierarchy(path: str | Path) -> dict[str, list[str]]:
    """Read an ARX-style hierarchy table (``;``-separated, column 0 = original, then one column per level).

    Returns ``{original: [level1, level2, ...]}``. Raises ValueError (Japanese) on ragged rows.
    """
    table: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            cells = line.split(";")
            if len(cells) < 2:
                raise ValueError(f"{lineno} 行目に上位の階層がありません")
            table[cells[0]] = cells[1:]
    if not table:
        raise ValueError("階層表が空です")
    depths = {len(v) for v in table.values()}
    if len(depths) > 1:
        raise ValueError("行ごとに階層の数が異なります")
    return table


def _dataset_messages(data: dict[str, Any], columns: list[ColumnPlan]) -> list[str]:
    ds = data.get("dataset") or {}
    names = {c.name for c in columns}
    kept = {c.name for c in columns if not c.dropped}
    out: list[str] = []
    kanon = ds.get("k_anonymity")
    qis: list[str] = []
    if kanon:
        for qi in kanon.get("quasi_identifiers", []):
            if qi not in names:
                out.append(f'k-匿名性の準識別子 "{qi}" が列の一覧にありません')
            elif qi not in kept:
                out.append(f'k-匿名性の準識別子 "{qi}" は削除される列です')
        qis = kanon.get("quasi_identifiers") or [c.name for c in columns if c.role == "quasi_identifier"]
        if not kanon.get("quasi_identifiers") and not any(
            c.role == "quasi_identifier" and not c.dropped for c in columns
        ):
            out.append(
                "k-匿名性の準識別子がありません（quasi_identifiers を指定するか、列の role を "
                "quasi_identifier にしてください）"
            )
        min_count = (ds.get("unique_descriptions") or {}).get("min_count")
        if min_count is not None and min_count < kanon["k"]:
            # seed 002 3-2-4: a value held by fewer than k records is as unique as the classes k forbids
            out.append(
                f"dataset の unique_descriptions の min_count（{min_count}）は k-匿名性の k（{kanon['k']}）"
                "以上にしてください"
            )
    ldiv = ds.get("l_diversity")
    # Classes and l-diversity are counted on categories, while micro-aggregated values are numbers decided
    # after the classes: the run could not count them, so the two never meet on one column.
    checked = [(q, "k-匿名性の準識別子") for q in qis] + ([(ldiv["sensitive"], "l-多様性の機微な属性")] if ldiv else [])
    by_name = {c.name: c for c in columns}
    for name, what in checked:
        if name in by_name and "microaggregate" in by_name[name].ops:
            out.append(
                f'列 "{name}" の処理 "microaggregate" は{what}には使えません（一般化やトップ／ボトムコーディングで'
                "粗くしてください）"
            )
    if ldiv and ldiv["sensitive"] not in kept:
        out.append(f'l-多様性の機微な属性 "{ldiv["sensitive"]}" が出力される列にありません')
    if ldiv and not kanon:
        out.append("l-多様性には k_anonymity（等価クラスを決める準識別子）の指定が必要です")
    for key in ("filter", "record_suppression"):
        for cond in ds.get(key, []):
            if cond["column"] not in names:
                out.append(f'dataset の {key} の列 "{cond["column"]}" が列の一覧にありません')
            if not any(k in cond for k in ("values", "min", "max")):
                out.append(f"dataset の {key} の条件に values・min・max のいずれかがありません")
    sample = ds.get("sample")
    if sample is not None and ("fraction" in sample) == ("rows" in sample):
        out.append("dataset の sample には fraction と rows のどちらか一方を指定してください")
    subj = (ds.get("data_subjects") or {}).get("column")
    if subj and subj not in names:
        out.append(f'本人の数を数える列 "{subj}" が列の一覧にありません')
    return out
