"""Spreadsheet safety for exports and imports (CSV/Excel formula injection).

A cell that starts with = + - @ (or a tab / carriage return) is run as a formula by spreadsheet
programs. Exports prefix such a cell with an apostrophe; imports take that apostrophe off again,
so an export imports back unchanged, and refuse a bare formula.
"""

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"^[-+]?\d+(\.\d+)?$|^-+$")  # numbers and rules of dashes are not formulas


def neutralize_formula(text: str) -> str:
    return "'" + text if text.startswith(_TRIGGERS) else text


def restore_neutralized(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_TRIGGERS) else text


def looks_like_formula(text: str) -> bool:
    return text.startswith(_TRIGGERS) and not _HARMLESS.match(text)
