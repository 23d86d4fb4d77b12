"""Japanese addresses → prefecture or municipality (seed 002 3-2-1 事例1: 住所を○○県△△市に置き換える).

Vectorised with RE2 (pyarrow ``extract_regex``). The municipality is the first unit ending in 市・区・町・村,
after an optional 郡 (kept, e.g. 「足柄上郡中井町」); for a designated city the city is returned, not the
ward (「北海道札幌市中央区北1条西2丁目」→「札幌市」); Tokyo's special wards are municipalities
(「東京都千代田区霞が関1-2-3」→「千代田区」). Names that contain 市・区・町・村・郡 before their end
(四日市市, 町田市, 大和郡山市, 余市郡余市町 …) are listed so the first-suffix rule does not cut them.
An address that cannot be parsed becomes the suppressed value: the original is never passed through.

One place, one label: a municipality is looked up in ``data/municipalities.tsv`` (every municipality of
Japan, with the names an address may use for it: a town without its 郡, a designated city's ward without
the city). An address without its prefecture gets the prefecture when the name belongs to one prefecture
only (「千代田区霞が関」→「東京都」/「東京都千代田区」), and is suppressed when it does not (「中央区」,
「府中市」), so it never adds a second label for a place; a known name is written as the table writes it
(「神奈川県中井町」→「神奈川県足柄上郡中井町」, 「大阪府大阪市北区」→「大阪府大阪市」).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

# Municipalities (and 郡) whose name has 市・区・町・村・郡 before the final suffix.
NAME_EXCEPTIONS = (
    "四日市市",
    "廿日市市",
    "野々市市",
    "大町市",
    "十日町市",
    "東村山市",
    "武蔵村山市",
    "羽村市",
    "田村市",
    "大和郡山市",
    "小郡市",
    "蒲郡市",
    "郡山市",
    "郡上市",
    "市川市",
    "市原市",
    "町田市",
    "村山市",
    "村上市",
    "大村市",
    "玉村町",
    "大町町",
    "上市町",
    "下市町",
    "市貝町",
    "市川三郷町",
    "余市町",
    "東村",
    "西村",
    "北村",
    "中村区",
    "木村",
    "今市",
    "八日市",
    "村田町",
    "町野町",
    "大市",
    "市場町",
)
GUN_EXCEPTIONS = ("西村山郡", "北村山郡", "東村山郡", "余市郡", "中新川郡", "吉野郡", "佐波郡")

_PREF_RE = "(?P<pref>" + "|".join(PREFECTURES) + ")"
_EXC = "|".join(sorted(NAME_EXCEPTIONS, key=len, reverse=True))
_GUN = "(?:" + "|".join(GUN_EXCEPTIONS) + "|[^市区町村郡\\s]+?郡)"
_MUNI_RE = f"(?P<muni>(?:{_EXC})|{_GUN}?(?:{_EXC}|[^\\s]+?[市区町村]))"
ADDRESS_RE = f"^\\s*{_PREF_RE}?\\s*{_MUNI_RE}?"


HEAD_CHARS = 24  # longer than any prefecture + 郡 + municipality name


def parse_addresses(values: pa.Array | pa.ChunkedArray, *, one_label: bool = False) -> tuple[pa.Array, pa.Array]:
    """Return (prefecture, municipality) string arrays; null where not found. With ``one_label``, as
    :func:`_one_label_per_place` makes them (computed once per distinct head as well).

    Only the first characters matter, and they repeat (a file holds a few thousand municipalities at most),
    so the regex runs once per distinct head, not once per row. The head stops before the first digit
    (ASCII or full-width): no prefecture or municipality name has one, and the house number that makes
    each address distinct starts with one. Where no municipality is found before that digit, the longer
    head is parsed as well, so the result is the same as parsing the first ``HEAD_CHARS`` characters.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    long_heads = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(arr), 0, HEAD_CHARS)
    if len(arr) == 0:
        return _one_label_per_place(*_parse(long_heads)) if one_label else _parse(long_heads)
    col = pl.col("v")
    before_digit = col.cast(pl.Binary).bin.head(col.str.find("[0-9０-９]").fill_null(col.str.len_bytes()))
    cut = pl.Series("v", long_heads).to_frame().select(before_digit.cast(pl.String)).to_series().to_arrow()
    cut = cut.cast(pa.large_string())
    pref, muni = _parse_distinct(cut, one_label)
    redo = pc.and_(pc.is_null(muni), pc.less(pc.binary_length(cut), pc.binary_length(long_heads)))
    redo = redo.fill_null(False)
    if pc.any(redo).as_py():
        rows = pa.array(np.flatnonzero(redo.to_numpy(zero_copy_only=False)))
        pref2, muni2 = _parse_distinct(long_heads.take(rows), one_label)
        pref = pc.replace_with_mask(pref, redo, pref2)
        muni = pc.replace_with_mask(muni, redo, muni2)
    return pref, muni


def _parse_distinct(heads: pa.Array, one_label: bool = False) -> tuple[pa.Array, pa.Array]:
    enc = pc.dictionary_encode(heads)
    pref, muni = _parse(enc.dictionary)
    if one_label:
        pref, muni = _one_label_per_place(pref, muni)
    return pref.take(enc.indices), muni.take(enc.indices)


def _parse(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    parts = pc.extract_regex(arr, ADDRESS_RE)
    pref = pc.struct_field(parts, "pref")
    muni = pc.struct_field(parts, "muni")
    empty_pref = pc.equal(pref, "")
    empty_muni = pc.equal(muni, "")
    pref = pc.if_else(empty_pref, pa.scalar(None, pref.type), pref)
    muni = pc.if_else(empty_muni, pa.scalar(None, muni.type), muni)
    return pref, muni


MUNICIPALITIES = Path(__file__).resolve().parent / "data" / "municipalities.tsv"


@cache
def _municipality_tables() -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, pa.Array, pa.Array]:
    """(names that name one place in all Japan, its prefecture, its label; "prefecture\tname" keys that name
    one place within their prefecture, its label; keys that name several places within their prefecture)."""
    places: dict[str, set[tuple[str, str]]] = {}
    within: dict[str, set[str]] = {}
    for line in MUNICIPALITIES.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        pref, name, label = line.split("\t")
        places.setdefault(name, set()).add((pref, label))
        within.setdefault(f"{pref}\t{name}", set()).add(label)
    unique = sorted(name for name, found in places.items() if len(found) == 1)
    keys = sorted(key for key, labels in within.items() if len(labels) == 1)
    several = sorted(key for key, labels in within.items() if len(labels) > 1)
    text = pa.large_string()
    return (
        pa.array(unique, text),
        pa.array([next(iter(places[n]))[0] for n in unique], text),
        pa.array([next(iter(places[n]))[1] for n in unique], text),
        pa.array(keys, text),
        pa.array([next(iter(within[k])) for k in keys], text),
        pa.array(several, text),
    )


def _one_label_per_place(pref: pa.Array, muni: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The prefecture filled in where the municipality names one place in Japan, the municipality written
    as the table writes it; a municipality that names several places (in Japan when the prefecture is
    missing, else in its prefecture: 「大阪府北区」) or, without a prefecture, none the table knows becomes
    null, so the address is suppressed at that level."""
    names, name_pref, name_label, keys, key_label, several = _municipality_tables()
    null = pa.scalar(None, pa.large_string())
    pref, muni = pref.cast(pa.large_string()), muni.cast(pa.large_string())
    alone = pc.and_(pc.is_null(pref), pc.is_valid(muni))
    found = pc.index_in(muni, value_set=names)
    pref = pc.if_else(alone, name_pref.take(found), pref)
    muni = pc.if_else(alone, name_label.take(found), muni)
    key = pc.binary_join_element_wise(pref, muni, pa.scalar("\t", pa.large_string()))
    known = key_label.take(pc.index_in(key, value_set=keys))
    muni = pc.if_else(pc.is_valid(known), known, muni)
    unclear = pc.or_kleene(pc.is_null(pref), pc.is_in(key, value_set=several))
    return pref, pc.if_else(unclear, null, muni)


def generalize_address(values: pa.Array | pa.ChunkedArray, level: str, suppressed: str = "*") -> pa.Array:
    """Replace each address by its prefecture (``level="prefecture"``) or prefecture + municipality, one label
    per place (see the module docstring).

    Unparsable non-null addresses become ``suppressed``; nulls stay null.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    pref, muni = parse_addresses(arr, one_label=True)
    if level == "prefecture":
        out = pref
    else:
        joined = pc.binary_join_element_wise(pref, muni, pa.scalar("", pref.type))
        out = pc.if_else(pc.is_valid(muni), joined, pa.scalar(None, pref.type))
    failed = pc.and_(pc.is_valid(arr), pc.is_null(out))
    return pc.if_else(failed, pa.scalar(suppressed, out.type), out)
