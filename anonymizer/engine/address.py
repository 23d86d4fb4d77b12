"""Japanese addresses → prefecture or municipality (seed 002 3-2-1 事例1: 住所を○○県△△市に置き換える).

Vectorised with RE2 (pyarrow ``extract_regex``). The municipality is the first unit ending in 市・区・町・村,
after an optional 郡 (kept, e.g. 「足柄上郡中井町」); for a designated city the city is returned, not the
ward (「北海道札幌市中央区北1条西2丁目」→「札幌市」); Tokyo's special wards are municipalities
(「東京都千代田区霞が関1-2-3」→「千代田区」). Names that contain 市・区・町・村・郡 before their end
(四日市市, 町田市, 大和郡山市, 余市郡余市町 …) are listed so the first-suffix rule does not cut them.
An address that cannot be parsed becomes the suppressed value: the original is never passed through.
"""

from __future__ import annotations

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


def parse_addresses(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Return (prefecture, municipality) string arrays; null where not found.

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
        return _parse(long_heads)
    col = pl.col("v")
    before_digit = col.cast(pl.Binary).bin.head(col.str.find("[0-9０-９]").fill_null(col.str.len_bytes()))
    cut = pl.Series("v", long_heads).to_frame().select(before_digit.cast(pl.String)).to_series().to_arrow()
    cut = cut.cast(pa.large_string())
    pref, muni = _parse_distinct(cut)
    redo = pc.and_(pc.is_null(muni), pc.less(pc.binary_length(cut), pc.binary_length(long_heads)))
    redo = redo.fill_null(False)
    if pc.any(redo).as_py():
        rows = pa.array(np.flatnonzero(redo.to_numpy(zero_copy_only=False)))
        pref2, muni2 = _parse_distinct(long_heads.take(rows))
        pref = pc.replace_with_mask(pref, redo, pref2)
        muni = pc.replace_with_mask(muni, redo, muni2)
    return pref, muni


def _parse_distinct(heads: pa.Array) -> tuple[pa.Array, pa.Array]:
    enc = pc.dictionary_encode(heads)
    pref, muni = _parse(enc.dictionary)
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


def generalize_address(values: pa.Array | pa.ChunkedArray, level: str, suppressed: str = "*") -> pa.Array:
    """Replace each address by its prefecture (``level="prefecture"``) or prefecture + municipality.

    Unparsable non-null addresses become ``suppressed``; nulls stay null.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    pref, muni = parse_addresses(arr)
    if level == "prefecture":
        out = pref
    else:
        # a municipality without its prefecture is kept alone (still no finer than the municipality)
        joined = pc.binary_join_element_wise(pref.fill_null(""), muni, pa.scalar("", pref.type))
        out = pc.if_else(pc.is_valid(muni), joined, pa.scalar(None, pref.type))
    failed = pc.and_(pc.is_valid(arr), pc.is_null(out))
    return pc.if_else(failed, pa.scalar(suppressed, out.type), out)
