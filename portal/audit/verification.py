"""Verification of the access-record chain against the archives and the exported heads (第12条2項).

Finds, and names by position, a record edited, reordered or deleted from the middle (the walk), and
records deleted from the tail (an exported head the chain no longer reaches).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from portal.audit.archive import ArchiveError, archive_file_verify, archive_path
from portal.audit.chain import ExportedHead, canonical_record, chain_hash, records_for_walk
from portal.audit.models import GENESIS_HASH, AccessArchive, AccessChainHead, AccessRecord


class ProblemKind(StrEnum):
    HASH_MISMATCH = "hash_mismatch"  # a record was edited, or records were reordered
    MISSING = "missing"  # a record was deleted from the middle
    TAIL_MISSING = "tail_missing"  # records were deleted from the end
    EXPORT_MISMATCH = "export_mismatch"  # the chain was rewritten up to an exported head
    ARCHIVE = "archive"  # the archive checkpoints or files do not fit together


@dataclass(frozen=True)
class Problem:
    position: int
    kind: ProblemKind
    message: str


@dataclass
class VerifyReport:
    records_checked: int = 0
    first_position: int | None = None
    last_position: int = 0
    last_hash: str = GENESIS_HASH
    heads_checked: int = 0
    heads_unverifiable: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return min(self.problems, key=lambda problem: problem.position, default=None)


def chain_verify(*, exported_heads: Sequence[ExportedHead] = (), check_archive_files: bool = False) -> VerifyReport:
    """Walk the archives' checkpoints and the live chain; compare with the head row and exported heads.

    Reads the whole live table once, streamed. With check_archive_files every archive file is re-read
    and its chain recomputed (slow: run it monthly, not hourly).
    """
    report = VerifyReport()
    wanted = {head.position for head in exported_heads}
    hashes_at: dict[int, str] = {0: GENESIS_HASH}
    archived_through = _check_archives(report, hashes_at, wanted, check_archive_files)

    first_live = AccessRecord.objects.order_by("position").values_list("position", flat=True).first()
    if first_live is None:
        report.last_position, report.last_hash = archived_through, hashes_at[archived_through]
    else:
        start = first_live - 1
        if start > archived_through:
            # The records before the first live one are neither live nor archived: deleted.
            _problem(report, archived_through + 1, ProblemKind.MISSING, "の記録がありません（削除されています）。")
        # Without a known predecessor (after a gap, or live records still overlapping an archive) the first
        # record is not checked on its own; the archive ends and exported heads inside the range still are.
        hashes_at.setdefault(start, None)
        _walk(report, hashes_at, wanted, start=start)

    _check_head_row(report)
    _check_exported_heads(report, exported_heads, hashes_at, archived_through)
    return report


def _problem(report: VerifyReport, position: int, kind: ProblemKind, text: str) -> None:
    report.problems.append(Problem(position, kind, f"位置 {position} {text}"))


def _check_archives(report: VerifyReport, hashes_at: dict, wanted: set, check_files: bool) -> int:
    through, previous_hash = 0, GENESIS_HASH
    for archive in AccessArchive.objects.order_by("last_position"):
        if archive.first_position != through + 1 or archive.previous_hash != previous_hash:
            _problem(report, through + 1, ProblemKind.ARCHIVE, "からのアーカイブが直前のアーカイブと連続していません。")
            return through
        if check_files:
            try:
                summary = archive_file_verify(
                    archive_path(archive.file_name), expected_sha256=archive.file_sha256, wanted_positions=wanted
                )
            except ArchiveError as error:
                _problem(report, error.position or archive.first_position, ProblemKind.ARCHIVE, f"付近: {error}")
                return through
            hashes_at.update(summary.hashes_at)
            if (summary.first_position, summary.last_position, summary.last_hash) != (
                archive.first_position,
                archive.last_position,
                archive.last_hash,
            ):
                _problem(
                    report, archive.first_position, ProblemKind.ARCHIVE, "からのアーカイブが移管の記録と一致しません。"
                )
                return through
        hashes_at[archive.last_position] = archive.last_hash
        through, previous_hash = archive.last_position, archive.last_hash
    return through


def _walk(report: VerifyReport, hashes_at: dict, wanted: set, *, start: int) -> None:
    previous_hash, expected = hashes_at[start], start + 1
    report.first_position = expected
    for values in records_for_walk(after=start):
        position = values["position"]
        if position != expected:
            _problem(report, expected, ProblemKind.MISSING, "の記録がありません（削除されています）。")
            previous_hash = None  # the record after a gap cannot be checked against its predecessor
        computed = chain_hash(previous_hash, canonical_record(values)) if previous_hash is not None else None
        if computed is not None and computed != values["hash"]:
            _problem(
                report,
                position,
                ProblemKind.HASH_MISMATCH,
                "の記録のハッシュ値が一致しません（この記録又は直前の記録の改ざんの疑い）。",
            )
        if position in hashes_at and hashes_at[position] not in (None, values["hash"]):
            _problem(report, position, ProblemKind.ARCHIVE, "の記録がアーカイブの最後のハッシュ値と一致しません。")
        if position in wanted:
            hashes_at[position] = values["hash"]
        # Keep walking from the stored hash, so one edit is reported once, not at every later record.
        previous_hash, expected = values["hash"], position + 1
        report.records_checked += 1
        report.last_position, report.last_hash = position, values["hash"]


def _check_head_row(report: VerifyReport) -> None:
    head = AccessChainHead.objects.filter(pk=1).first()
    if head is None or (head.position, head.hash) == (report.last_position, report.last_hash):
        return
    if head.position > report.last_position:
        _problem(
            report, report.last_position + 1, ProblemKind.TAIL_MISSING, f"から {head.position} までの記録がありません。"
        )
    else:
        _problem(report, head.position, ProblemKind.HASH_MISMATCH, "で連鎖の先頭の記録が一致しません。")


def _check_exported_heads(report: VerifyReport, heads: Sequence[ExportedHead], hashes_at: dict, archived: int) -> None:
    matched = 0  # the last position where an exported head matched: the chain is sound up to there
    for head in sorted(heads, key=lambda head: (head.position, head.line_number)):
        report.heads_checked += 1
        if head.position > report.last_position:
            text = f"から {head.position} までの記録がありません（{head.exported_at} に書き出した先頭より短い）。"
            _problem(report, report.last_position + 1, ProblemKind.TAIL_MISSING, text)
            return
        known = hashes_at.get(head.position)
        if known is None:
            report.heads_unverifiable += 1  # inside an archive not re-read (check_archive_files)
            continue
        if known != head.hash:
            text = (
                f"から {head.position} までの間で記録が書き換えられています"
                f"（{head.exported_at} に書き出した先頭と不一致）。"
            )
            _problem(report, matched + 1, ProblemKind.EXPORT_MISMATCH, text)
            return
        matched = head.position
