"""Leftover check on the output: an identifier detector built independently of the scrubber.

seed 002 3-2-2 and 3-2-1: no individual identification code or contact identifier may remain in any output
column. The scrubber (:mod:`.identifiers`) deletes the formats it lists; this module must notice what it
misses, so it shares none of its patterns and lists no formats. It looks at *digit runs*: digits (half- or
full-width, or kanji 〇一二…九) joined by at most three separator characters (hyphens and dashes, dots,
slashes, underscores, middle dots, brackets, spaces). A run of **ten or more digits** is a leftover, except
ordinary text:

- dates (2024/01/01, 01.02.2024) are taken out first, so a range or a date and time does not join up;
- a decimal number (「57.23456789012」 from noise) — one dot between two groups;
- a list of short numbers (no group of four digits or more, 「80/75/90/65/70」) — unless it is 3-3-3-3 and
  its twelve digits pass the My Number check digit.

A twelve-digit run whose check digit is right is reported as ``my_number``, any other as ``digit_sequence``.
Commas, 、 and 。 do not join digits (amounts such as 1,234,567,890円, lists of years), nor do ～〜~ (ranges)
or colons (times). Besides the runs: anything e-mail-like (a character, then @, ＠ or (at), then a domain of
Latin letters and digits ending in a dot and two letters: 「たろう＠example．jp」 too) is ``email``, and 〒 or
郵便番号 followed by digits is ``postal_code``. Shorter codes (a 7-digit passport number, an 8-digit insurance
number) are left to the scrubber. Every pattern here is Rust ``regex`` syntax, run by polars.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

_DIGIT_CHARS = "0-9０-９〇一二三四五六七八九零"
D = f"[{_DIGIT_CHARS}]"
NOT_D = f"[^{_DIGIT_CHARS}]"
JOIN = "[-‐‑‒–—―−－ー﹣.．･・/／_＿()（）\\[\\]［］{}｛｝「」『』【】〔〕<>＜＞ 　\\t]"
RUN = f"{D}+(?:{JOIN}{{1,3}}{D}+)*"
MIN_DIGITS = 10

_YEAR = "(?:[1１][89８９]|[2２][0０])[0-9０-９]{2}"
_MONTH = "(?:[0０]?[1-9１-９]|[1１][0-2０-２])"
_DAY = "(?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])"
_DS = "[-‐－−/／.．]"
_DATE_BODY = f"{_YEAR}{_DS}{_MONTH}{_DS}{_DAY}|{_DAY}{_DS}{_MONTH}{_DS}{_YEAR}|{_MONTH}{_DS}{_DAY}{_DS}{_YEAR}"
DATE = f"(^|{NOT_D})(?:{_DATE_BODY})({NOT_D}|$)"
_DATE_MARK = "${1}〓${2}"  # 〓 joins nothing: the date splits the run it stood in

_SP = "[ 　]?"
_AT = "(?:[@＠]|[(（\\[［](?i:at)[)）\\]］])"
_LABEL = "[A-Za-zＡ-Ｚａ-ｚ0-9０-９_＿\\-－]+"
_DOT = f"{_SP}[.．。・,，]{_SP}"
EMAIL = f"[^\\s@＠]{_SP}{_AT}{_SP}(?:{_LABEL}{_DOT})+[A-Za-zＡ-Ｚａ-ｚ]{{2}}"
POSTAL = f"(?:〒|郵便番号){NOT_D}{{0,4}}{D}{{3}}"
_TIME = "[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
# whole values that are a decimal number or a date (and time): most of a numeric or date column, skipped
# before the closer look, which costs about ten times the first pass
PLAIN_VALUE = f"^(?:[-+]?[0-9]+[.][0-9]+(?:[eE][-+]?[0-9]+)?|(?:{_DATE_BODY})(?:{_TIME})?)$"
# a superset of every leftover: ten digits with short gaps, an at-sign, a 〒 or 郵便番号 before digits
CANDIDATE = f"{D}(?:{JOIN}{{0,3}}{D}){{{MIN_DIGITS - 1}}}|{_AT}|{POSTAL}"

KINDS = ("digit_sequence", "my_number", "email", "postal_code")
_TO_ASCII = dict(zip("０１２３４５６７８９〇一二三四五六七八九零", "01234567890123456789" + "0", strict=True))
_MY_NUMBER_WEIGHTS = np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def scan_array(values: pa.Array | pa.ChunkedArray) -> dict[str, int]:
    """Occurrences of identifier-like text left in an output column, by kind (``KINDS``); {} when clean.

    Nulls count nothing. A dictionary-encoded column is scanned through its dictionary, each hit weighted
    by how often its value occurs. One pass over the column decides which values need a closer look.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    weights = None
    if pa.types.is_dictionary(arr.type):
        weights = np.bincount(arr.indices.drop_null().to_numpy(zero_copy_only=False), minlength=len(arr.dictionary))
        arr = arr.dictionary
    if not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    if len(arr) == 0:
        return {}
    series = pl.Series("v", arr)
    hit = series.str.contains(CANDIDATE).fill_null(False)
    if hit.any():
        hit = hit & ~series.str.contains(PLAIN_VALUE).fill_null(False)
    if not hit.any():
        return {}
    values_hit = series.filter(hit)
    weight = weights[np.flatnonzero(hit.to_numpy())] if weights is not None else np.ones(len(values_hit), np.int64)
    found = {
        "email": int(values_hit.str.count_matches(EMAIL).to_numpy() @ weight),
        "postal_code": int(values_hit.str.count_matches(POSTAL).to_numpy() @ weight),
        **_digit_runs(values_hit, weight),
    }
    return {kind: found[kind] for kind in KINDS if found.get(kind)}


def _digit_runs(values: pl.Series, weight: np.ndarray) -> dict[str, int]:
    runs = (
        pl.DataFrame({"row": np.arange(len(values)), "run": values.str.replace_all(DATE, _DATE_MARK)})
        .with_columns(pl.col("run").str.extract_all(RUN))
        .explode("run")
        .drop_nulls("run")
        .with_columns(n=pl.col("run").str.count_matches(D))
        .filter(pl.col("n") >= MIN_DIGITS)
    )
    if runs.height == 0:
        return {}
    run = runs.get_column("run")
    n = runs.get_column("n").to_numpy()
    twelve = np.flatnonzero(n == 12)
    valid = np.zeros(len(run), dtype=bool)
    if len(twelve):
        digits = run.gather(twelve).str.replace_all(NOT_D, "").str.replace_many(_TO_ASCII)
        flat = np.frombuffer("".join(digits.to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, 12) - 48
        valid[twelve] = my_number_check_digit_ok(flat)
    long_group = run.str.contains(f"{D}{{4}}").to_numpy()
    decimal = run.str.contains(f"^{D}+[.．]{D}+$").to_numpy()
    four_groups = run.str.count_matches(f"{D}+").to_numpy() == 4
    flagged = ~decimal & (long_group | (four_groups & valid))
    rows = runs.get_column("row").to_numpy()
    my_number = flagged & valid
    return {
        "my_number": int(weight[rows[my_number]].sum()),
        "digit_sequence": int(weight[rows[flagged & ~valid]].sum()),
    }


def my_number_check_digit_ok(digits: np.ndarray) -> np.ndarray:
    """On an (n, 12) array of digit values: is the last one the My Number check digit of the first eleven?

    個人番号の検査用数字: weights 6,5,4,3,2,7,6,5,4,3,2; r = sum mod 11; check digit 0 if r <= 1 else 11 - r.
    (Written out again here, not imported, so that the leftover check shares no code with the scrubber.)
    """
    r = (digits[:, :11].astype(np.int64) @ _MY_NUMBER_WEIGHTS) % 11
    return np.where(r <= 1, 0, 11 - r) == digits[:, 11]
