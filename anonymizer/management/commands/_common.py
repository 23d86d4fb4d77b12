"""Helpers shared by the anonymizer commands (not a command: the name starts with an underscore)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import CommandError

from anonymizer.engine import EngineError, PlanError


def engine_message(exc: EngineError) -> str:
    """The engine's Japanese message, every plan problem on its own line."""
    if isinstance(exc, PlanError):
        return "処理計画に誤りがあります:\n" + "\n".join(f"- {m}" for m in exc.messages)
    return str(exc)


def unexpected_failure() -> CommandError:
    """A fault the engine did not foresee, as a Japanese message without the exception's text (which could
    hold a data value); ``--traceback`` shows the original."""
    return CommandError(
        "処理中に予期しない障害が発生しました。処理計画と入力ファイルを確認し、解決しない場合は"
        "システム管理者に連絡してください（詳細は --traceback で表示できます）"
    )


def existing_folder(path: Path, option: str) -> Path:
    """The nearest folder that exists at or above ``path``, checked to be writable (so a run never ends in
    an OSError after its work is done); CommandError (Japanese) otherwise."""
    folder = path
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise CommandError(f"{option} の場所 {path} にはフォルダを作れません（途中に同じ名前のファイルがあります）")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{option} の場所 {folder} に書き込む権限がありません")
    return folder


def sniff_delimiter(path: str | Path, given: str | None) -> str | None:
    """``given`` if set; else ``;`` for a .csv/.txt whose header has more semicolons than commas (ARX-style
    files), else None (the engine's default: ``,``, tab for .tsv)."""
    if given:
        return "\t" if given in ("\\t", "tab") else given
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt") or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.readline().decode("utf-8", errors="replace")
    except OSError:
        return None  # the engine reports the unreadable file in Japanese
    return ";" if head.count(";") > head.count(",") else None
