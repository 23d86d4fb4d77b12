"""Individual identification codes and other identifiers: validate, find and delete, also inside free text.

seed 002 3-2-2: every individual identification code (My Number, basic pension number, passport, driver's
licence, health insurance numbers …) is deleted in full, wherever it appears. Contact details (phone,
e-mail, postal code) are identifying descriptions (3-2-1, 事例2). In pseudonymized mode, seed 003 4(1)③
adds data whose misuse causes financial loss: card numbers and login credentials.

The patterns are written in the syntax common to Rust's ``regex`` (polars runs them as vectorised kernels
over a whole column), RE2 and Python's ``re`` (small inputs). They accept full-width digits (１２３) and, at
the usual grouping positions, a hyphen look-alike, dot, slash, underscore or middle dot (spaced or not) or a
space; phone numbers also brackets (03(1234)5678) and +81. They are applied longest first, so a shorter
pattern never eats part of a longer number, and every replacement token is digit-free, so a later pattern
cannot match it. What they miss is for the leftover check (:mod:`.leftover`), which shares none of them.

Policy for a 12-digit number whose My Number check digit is wrong: it is deleted all the same (token
「[個人番号等]」). A mistyped My Number still points at a person, and 12 digits is also the driver's licence
number format, so deleting is the safe reading of 3-2-2; the report counts valid and invalid ones apart.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

D = "[0-9０-９]"
SP = "[ 　]"
# one separator between digit groups: a hyphen look-alike (incl. the long-vowel mark people type), a dot,
# slash, underscore or middle dot, each with an optional space either side (「1234 - 5678」), or a space
SEP = f"(?:{SP}?[-‐‑–—―−－ー.．/／・･_＿]{SP}?|{SP})"
PSEP = f"(?:{SP}?[-‐‑–—―−－ー.．/／・･_＿()（）]{SP}?|{SP})"  # a phone number's: also brackets, 03(1234)5678
OLD_SEP = "[-‐‑–—―−－ー 　]"  # hyphens and spaces only (card numbers; any grouping of a 0-led phone number)
NOT_D = "[^0-9０-９]"
LETTER = "[A-Za-zＡ-Ｚａ-ｚ]"
KANJI_D = "[〇一二三四五六七八九零]"
# keywords after which seven digits are a postal code even without 〒 (seed 002 3-2-1, 事例2: contact details)
ADDRESS_WORDS = "郵便番号|現住所|住所|居所|所在地|送付先|宛先|転居先|届出先"
EMAIL_AT = f"{SP}?(?:[@＠]|[(（\\[［](?i:at)[)）\\]］]){SP}?"
EMAIL_WORD = "[A-Za-zＡ-Ｚａ-ｚ0-9０-９\\-－]+"


def _grouped(*sizes: int, sep: str = SEP) -> str:
    return f"{sep}?".join(f"{D}{{{n}}}" for n in sizes)


def _phone() -> str:
    """Japanese numbering plan: 10 digits (fixed, 0 + area + local) or 11 (mobile, IP), any separators and
    brackets; +81 with the leading 0 dropped (「+81-90-…」「+81(0)3-…」); 0120/0800 grouped 4-3-3; any 0-led
    number grouped by hyphens or spaces; 10 or 11 contiguous digits after a 0."""
    area_local = f"{D}{PSEP}?{D}{{4}}|{D}{{2}}{PSEP}?{D}{{3,4}}|{D}{{3}}{PSEP}?{D}{{2,3}}|{D}{{4}}{PSEP}?{D}{{1,2}}"
    plan = f"[(（]?[0０](?:{area_local})"
    return "|".join(
        (
            f"[+＋][8８][1１]{PSEP}?(?:[(（][0０][)）]{PSEP}?)?{D}{{1,4}}{PSEP}?{D}{{1,4}}{PSEP}{D}{{4}}",
            f"[+＋][8８][1１]{D}{{9,10}}",
            f"{plan}{PSEP}{D}{{4}}",
            f"[(（]?[0０]{D}{{1,4}}[)）]?{OLD_SEP}?{D}{{1,4}}{OLD_SEP}{D}{{4}}",
            f"[0０](?:[1１][2２][0０]|[8８][0０][0０]){PSEP}?{D}{{3}}{PSEP}?{D}{{3}}",
            f"[0０]{D}{{9,10}}",
        )
    )


@dataclass(frozen=True)
class IdentifierPattern:
    kind: str
    label: str  # Japanese, for the report
    regex: str  # RE2 syntax, also valid for Python's re
    replacement: str  # may use \\1 for a kept keyword; never contains a digit
    token: str  # the literal the replacement leaves, used to count deletions
    modes: tuple[str, ...] = ("anonymized", "pseudonymized")


PATTERNS: tuple[IdentifierPattern, ...] = (
    IdentifierPattern(
        "email",
        "メールアドレス",
        f"[A-Za-zＡ-Ｚａ-ｚ0-9０-９._%+\\-．＿－＋]+{EMAIL_AT}{EMAIL_WORD}(?:[.．]{EMAIL_WORD})+",
        "[メールアドレス]",
        "[メールアドレス]",
    ),
    IdentifierPattern("long_number", "20桁以上の番号", f"{D}{{20,}}", "[番号]", "[番号]"),
    IdentifierPattern(
        "card_number",
        "クレジットカード番号等（13〜19桁）",
        # card numbers are grouped by hyphens or spaces only: with dots or slashes too, two My Numbers in
        # a list (「1234.5678.9018 / 1234.…」) would read as one card number and leave digits behind
        f"{_grouped(4, 4, 4, 4, 3, sep=OLD_SEP)}|{_grouped(4, 4, 4, 4, sep=OLD_SEP)}|{_grouped(4, 6, 5, sep=OLD_SEP)}"
        f"|{D}{{13,19}}",
        "[カード番号等]",
        "[カード番号等]",
    ),
    IdentifierPattern(
        "my_number", "個人番号・運転免許証番号等（12桁）", f"{_grouped(4, 4, 4)}", "[個人番号等]", "[個人番号等]"
    ),
    IdentifierPattern("phone", "電話番号", _phone(), "[電話番号]", "[電話番号]"),
    IdentifierPattern("basic_pension_number", "基礎年金番号", _grouped(4, 6), "[基礎年金番号]", "[基礎年金番号]"),
    IdentifierPattern(
        "residence_card",
        "在留カード番号",
        f"{LETTER}{{2}}{D}{{8}}{LETTER}{{2}}",
        "[在留カード番号]",
        "[在留カード番号]",
    ),
    IdentifierPattern(
        # 「TK1234567」; spaced or hyphenated (「TK 1234567」) only after two capitals
        "passport",
        "旅券番号",
        f"{LETTER}{{2}}{D}{{7}}|[A-ZＡ-Ｚ]{{2}}{SEP}{D}{{7}}",
        "[旅券番号]",
        "[旅券番号]",
    ),
    IdentifierPattern(
        # without 〒: seven digits, and no more, after an address keyword (kept, as is the character after the
        # digits); after the phone numbers, so 「住所 090-1234-5678」 is not taken for one
        "postal_code",
        "郵便番号",
        f"({ADDRESS_WORDS})([^0-9０-９。\\n\\]]{{0,24}}){D}{{3}}{SEP}?{D}{{4}}({NOT_D}|$)",
        "\\1\\2[郵便番号]\\3",
        "[郵便番号]",
    ),
    IdentifierPattern(
        "postal_code",
        "郵便番号",
        f"〒{SEP}?{D}{{3}}{SEP}?{D}{{4}}|{D}{{3}}[-‐‑–—―−－ー]{D}{{4}}",
        "[郵便番号]",
        "[郵便番号]",
    ),
    IdentifierPattern(
        # 被保険者証の「記号 1234 番号 5678」: both parts identify the insured person (seed 002 3-2-2).
        "health_insurance",
        "保険証の記号・番号",
        f"(記号)({NOT_D}{{0,3}}){D}(?:{SEP}?{D}){{0,7}}({NOT_D}{{0,3}}番号)({NOT_D}{{0,3}}){D}(?:{SEP}?{D}){{0,7}}",
        "\\1\\2[保険証の符号]\\3\\4[保険証の符号]",
        "[保険証の符号]",
    ),
    IdentifierPattern(
        "health_insurance",
        "保険証の記号・番号",
        f"(保険者番号|被保険者番号|保険証番号|被保険者証|記号番号)({NOT_D}{{0,4}}){D}(?:{SEP}?{D}){{3,}}",
        "\\1\\2[保険証の符号]",
        "[保険証の符号]",
    ),
    IdentifierPattern(
        "long_number",
        "8桁以上の番号（漢数字は10桁以上）",
        f"{D}{{8,}}|{KANJI_D}(?:{SEP}?{KANJI_D}){{9,}}",
        "[番号]",
        "[番号]",
    ),
    IdentifierPattern(
        "credentials",
        "ログインID・パスワード",
        "((?i:password|passwd|pass|pw|login ?id|user ?id)|パスワード|暗証番号|ログインID|ユーザーID|"
        "ユーザID)(\\s*[:：=＝]\\s*)[^\\s　、。,]+",
        "\\1\\2[認証情報]",
        "[認証情報]",
    ),
)
KINDS = tuple(dict.fromkeys(p.kind for p in PATTERNS))
_PY_PATTERNS = {id(p): re.compile(p.regex) for p in PATTERNS}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def patterns_for(kinds: list[str] | None = None, mode: str = "anonymized") -> list[IdentifierPattern]:
    chosen = set(kinds) if kinds else set(KINDS)
    return [p for p in PATTERNS if p.kind in chosen and mode in p.modes]


# --- check digits --------------------------------------------------------------------------------------

_MY_NUMBER_WEIGHTS = np.array([6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text.translate(_FULLWIDTH))


def my_number_is_valid(text: str) -> bool:
    """True if ``text`` (full-width, hyphens and spaces allowed) is 12 digits with a correct check digit.

    The published algorithm (個人番号の検査用数字): weights 6,5,4,3,2,7,6,5,4,3,2 on the first 11 digits;
    remainder r = sum mod 11; check digit = 0 if r <= 1 else 11 - r.
    """
    digits = digits_only(text)
    if len(digits) != 12:
        return False
    return bool(my_number_valid_mask(np.frombuffer(digits.encode(), dtype=np.uint8).reshape(1, 12) - 48)[0])


def my_number_valid_mask(digits: np.ndarray) -> np.ndarray:
    """Vectorised check-digit test on an (n, 12) array of digit values."""
    r = (digits[:, :11].astype(np.int64) @ _MY_NUMBER_WEIGHTS) % 11
    check = np.where(r <= 1, 0, 11 - r)
    return check == digits[:, 11]


def luhn_is_valid(text: str) -> bool:
    """Luhn (mod 10) check used by payment card numbers, 12–19 digits."""
    digits = digits_only(text)
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# --- delete inside text --------------------------------------------------------------------------------


@dataclass
class ScrubResult:
    values: pa.Array
    counts: dict[str, int]  # kind -> occurrences deleted
    my_number_invalid: int  # 12-digit numbers deleted whose My Number check digit is wrong


SCRUB_STAGE = 3  # patterns per stage of scrub_array (measured on the benchmark remarks: 3 beats 1, 2 and 4)


def _rust_replacement(replacement: str) -> str:
    return re.sub(r"\\(\d)", r"${\1}", replacement)


def combined_regex(pats: list[IdentifierPattern]) -> str:
    """One alternation of every pattern: does a value contain any identifier at all?"""
    return "|".join(f"(?:{p.regex})" for p in pats)


def _as_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    return arr


def scrub_array(
    values: pa.Array | pa.ChunkedArray,
    *,
    kinds: list[str] | None = None,
    mode: str = "anonymized",
    workers: int | None = None,
) -> ScrubResult:
    """Delete identifiers from a string column with vectorised regex kernels (polars, Rust ``regex``).

    Each occurrence is replaced by a Japanese token such as 「[電話番号]」; nulls stay null. The patterns run
    one after another (longest first, as documented above) in stages of ``SCRUB_STAGE``, each stage as one
    polars query per core, and only on the values that still hold an identifier: before each stage, one
    pass of the remaining patterns as a single alternation finds them (a value none of them matches would
    come out of them unchanged), and within a stage only the values its own patterns match are rewritten.
    Rust's ``\\s`` is Unicode-aware, as Python's ``re`` used by :func:`scrub_text` (RE2's is ASCII only),
    so the vectorised and the scalar versions agree.
    """
    arr = _as_text(values)
    pats = patterns_for(kinds, mode)
    counts: dict[str, int] = {p.kind: 0 for p in pats}
    if len(arr) == 0 or not pats:
        return ScrubResult(arr, counts, 0)
    series = pl.Series("v", arr)  # one conversion in, one out: everything between stays in polars
    cur, cur_idx = series, np.arange(len(arr))
    final_idx: list[np.ndarray] = []
    final_vals: list[pl.Series] = []
    invalid = 0
    for start in range(0, len(pats), SCRUB_STAGE):
        # the values that still hold an identifier of a pattern not yet applied: the others are final
        hit = cur.str.contains(combined_regex(pats[start:])).fill_null(False)
        keep = hit.to_numpy()
        if not keep.all():
            final_idx.append(cur_idx[~keep])
            final_vals.append(cur.filter(~hit))
            cur, cur_idx = cur.filter(hit), cur_idx[keep]
        if len(cur) == 0:
            break
        stage = pats[start : start + SCRUB_STAGE]
        # only the values this stage's own patterns match go through its replacements: the others would
        # come out unchanged (a replacement never creates a match for the pattern after it in the stage)
        own = cur.str.contains(combined_regex(stage)).fill_null(False)
        mine = own.to_numpy()
        if not mine.any():
            continue
        todo, todo_idx = (cur, cur_idx) if mine.all() else (cur.filter(own), cur_idx[mine])
        frames = [_scrub_query(todo.slice(a, b - a).to_frame("v").lazy(), stage) for a, b in _parts(len(todo), workers)]
        done = pl.concat(pl.collect_all(frames))
        if "my_number" in done.columns:
            invalid += _count_invalid_my_numbers(done.get_column("my_number").to_arrow())
        if mine.all():
            cur = done.get_column("v")
        else:
            cur = pl.concat([cur.filter(~own), done.get_column("v")])
            cur_idx = np.concatenate([cur_idx[~mine], todo_idx])
    final_idx.append(cur_idx)
    final_vals.append(cur)
    order = np.concatenate(final_idx)
    if len(order) and (order[:-1] > order[1:]).any():  # back to the input order
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))
        out = pl.concat(final_vals).gather(position)
    else:
        out = pl.concat(final_vals)
    arr = out.to_arrow().cast(pa.large_string()) if out is not series else arr
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    counts.update(count_tokens(out, pats))
    return ScrubResult(arr, counts, invalid)


def _parts(n: int, workers: int | None, min_part: int = 50_000) -> list[tuple[int, int]]:
    workers = workers if workers is not None else (os.cpu_count() or 1)
    k = max(1, min(workers, n // min_part))
    bounds = np.linspace(0, n, k + 1).astype(np.int64).tolist()
    return list(itertools.pairwise(bounds))


def _scrub_query(lf: pl.LazyFrame, pats: list[IdentifierPattern]) -> pl.LazyFrame:
    expr = pl.col("v")
    for pat in pats:
        if pat.kind == "my_number":
            # the first 12-digit number of each value, as the scrubber sees it at this point
            lf = lf.with_columns(expr.alias("v"))
            lf = lf.with_columns(pl.col("v").str.extract(f"({pat.regex})", 1).alias("my_number"))
            expr = pl.col("v")
        expr = expr.str.replace_all(pat.regex, _rust_replacement(pat.replacement))
    return lf.with_columns(expr.alias("v"))


def count_tokens(
    arr: pa.Array | pl.Series, pats: list[IdentifierPattern], workers: int | None = None
) -> dict[str, int]:
    """Occurrences of each pattern's token in ``arr`` (a token shared by two patterns counts once)."""
    kind_of = {p.token: p.kind for p in reversed(pats)}
    out = {p.kind: 0 for p in pats}
    if len(arr) == 0:
        return out
    alternation = "|".join(re.escape(t) for t in sorted(kind_of, key=len, reverse=True))
    series = arr if isinstance(arr, pl.Series) else pl.Series("v", arr)
    frames = [
        series.slice(a, b - a)
        .to_frame()
        .lazy()
        .filter(pl.col("v").str.contains("[", literal=True))
        .select(pl.col("v").str.extract_all(alternation).explode().drop_nulls().alias("t"))
        .group_by("t")
        .len()
        for a, b in _parts(len(series), workers)
    ]
    for part in pl.collect_all(frames):
        for token, n in part.iter_rows():
            out[kind_of[token]] += int(n)
    return out


def _count_invalid_my_numbers(found: pa.Array) -> int:
    """12-digit numbers whose check digit is wrong (the first one of each value, vectorised)."""
    found = pc.drop_null(found.cast(pa.large_string()))
    if len(found) == 0:
        return 0
    digits = pc.replace_substring_regex(normalize_digits(found), "[^0-9]", "")
    data = digits.cast(pa.large_string()).buffers()[2]
    offsets = np.frombuffer(digits.cast(pa.large_string()).buffers()[1], dtype=np.int64)[: len(digits) + 1]
    flat = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return int((~my_number_valid_mask(flat.reshape(-1, 12).astype(np.int64) - 48)).sum())


def normalize_digits(arr: pa.Array) -> pa.Array:
    return pc.utf8_normalize(arr, "NFKC") if not pc.all(pc.string_is_ascii(arr)).as_py() else arr


def scrub_text(text: str, *, kinds: list[str] | None = None, mode: str = "anonymized") -> str:
    """Scalar version of :func:`scrub_array` (same patterns, Python ``re``)."""
    for pat in patterns_for(kinds, mode):
        text = _PY_PATTERNS[id(pat)].sub(pat.replacement, text)
    return text
