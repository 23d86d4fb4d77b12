"""Helpers shared by the anonymizer commands (not a command: the name starts with an underscore)."""

from __future__ import annotations

from pathlib import Path

from anonymizer.engine import EngineError, PlanError


def engine_message(exc: EngineError) -> str:
    """The engine's Japanese message, every plan problem on its own line."""
    if isinstance(exc, PlanError):
        return "処理計画に誤りがあります:\n" + "\n".join(f"- {m}" for m in exc.messages)
    return str(exc)


def sniff_delimiter(path: str | Path, given: str | None) -> str | None:
    """``given`` if set; else ``;`` for a .csv/.txt whose header has more semicolons than commas (ARX-style
    files), else None (the engine's default: ``,``, tab for .tsv)."""
    if given:
        return "\t" if given in ("\\t", "tab") else given
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt") or not path.is_file():
        return None
    with open(path, "rb") as fh:
        head = fh.readline().decode("utf-8", errors="replace")
    return ";" if head.count(";") > head.count(",") else None
