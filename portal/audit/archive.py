"""Archive of the access records past their retention period (seed 004 第12条1項: 一定の期間保存).

A segment of the chain (the oldest records, all older than the cutoff) is written to a gzip'd JSON
Lines file, read back and checked, then recorded as an AccessArchive checkpoint and removed from the
live table in one transaction. The removal is the only DELETE the database lets through: on PostgreSQL
the SECURITY DEFINER function audit_access_records_purge() (migration 0002), which the app's role may
not execute, and which deletes only up to the end of a checkpoint whose hash matches the live record.
"""

import datetime
import gzip
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.audit.chain import canonical_record, chain_hash, records_for_walk, utc_text
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import GENESIS_HASH, AccessArchive, AccessRecord
from portal.audit.services import access_record

ARCHIVE_FORMAT = "portal-access-records-archive"
ARCHIVE_VERSION = 1
SYSTEM_ACTOR = "(archive_access_records)"


class ArchiveError(Exception):
    def __init__(self, message: str, *, position: int | None = None):
        super().__init__(message)
        self.position = position


@dataclass
class ArchiveSummary:
    first_position: int
    last_position: int
    previous_hash: str
    last_hash: str
    record_count: int
    file_sha256: str
    hashes_at: dict[int, str] = field(default_factory=dict)


def archive_path(file_name: str) -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR) / file_name


def access_records_archive(*, now: datetime.datetime | None = None) -> AccessArchive | None:
    """Move the records older than AUDIT_RETENTION_DAYS into an archive file; None if there are none.

    Side effects: writes <AUDIT_ARCHIVE_DIR>/access-records-<first>-<last>.jsonl.gz and its .sha256,
    removes the archived records from the database and appends an ARCHIVE access record. Raises
    ArchiveError when the segment's chain is broken (run verify_access_records first): a broken chain
    is never archived and never removed.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    latest = AccessArchive.objects.order_by("-last_position").first()
    after, previous_hash = (latest.last_position, latest.last_hash) if latest else (0, GENESIS_HASH)
    live = AccessRecord.objects.filter(position__gt=after)
    first_recent = live.filter(occurred_at__gte=cutoff).order_by("position").values_list("position", flat=True).first()
    if first_recent is None:
        through = live.order_by("-position").values_list("position", flat=True).first()
    else:
        through = first_recent - 1  # only a prefix of the chain: every record up to here is older
    if through is None or through <= after:
        return None
    summary, file_name = _write_archive_file(after=after, through=through, previous_hash=previous_hash, now=now)
    checked = archive_file_verify(archive_path(file_name), expected_sha256=summary.file_sha256)
    if (checked.first_position, checked.last_hash, checked.record_count) != (
        summary.first_position,
        summary.last_hash,
        summary.record_count,
    ):
        raise ArchiveError("書き出したアーカイブを読み直した結果が一致しません。", position=after + 1)
    bounds = AccessRecord.objects.filter(position__gt=after, position__lte=through).values_list(
        "occurred_at", flat=True
    )
    with transaction.atomic():
        archive = AccessArchive(
            first_position=summary.first_position,
            last_position=summary.last_position,
            previous_hash=summary.previous_hash,
            last_hash=summary.last_hash,
            record_count=summary.record_count,
            oldest_at=bounds.order_by("position").first(),
            newest_at=bounds.order_by("-position").first(),
            file_name=file_name,
            file_sha256=summary.file_sha256,
            created_at=now,
        )
        archive._chain_sealed = True
        archive.save()
        removed = _purge(through=through)
        if removed != summary.record_count:
            raise ArchiveError(
                f"削除件数 {removed} が移管件数 {summary.record_count} と一致しません。", position=after + 1
            )
        access_record(
            actor=None,
            username=SYSTEM_ACTOR,
            action=AccessAction.ARCHIVE,
            result=AccessResult.SUCCESS,
            obj=archive,
            detail={"first_position": archive.first_position, "last_position": archive.last_position},
        )
    return archive


def _write_archive_file(*, after: int, through: int, previous_hash: str, now) -> tuple[ArchiveSummary, str]:
    directory = Path(settings.AUDIT_ARCHIVE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    file_name = f"access-records-{after + 1:012d}-{through:012d}.jsonl.gz"
    partial = directory / f".{file_name}.partial"
    expected, current_hash, count = after + 1, previous_hash, 0
    header = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "first_position": after + 1,
        "last_position": through,
        "previous_hash": previous_hash,
        "created_at": utc_text(now),
    }
    try:
        with partial.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as archive:
            archive.write(_json_line(header))
            for values in records_for_walk(after=after, through=through):
                record = canonical_record(values)
                if values["position"] != expected:
                    raise ArchiveError(f"位置 {expected} の記録がありません。", position=expected)
                current_hash = chain_hash(current_hash, record)
                if current_hash != values["hash"]:
                    raise ArchiveError(f"位置 {expected} の記録のハッシュ値が一致しません。", position=expected)
                archive.write(_json_line({"hash": current_hash, "record": record}))
                expected, count = expected + 1, count + 1
            archive.write(_json_line({"end": True, "last_hash": current_hash, "record_count": count}))
        if expected != through + 1:
            raise ArchiveError(f"位置 {expected} の記録がありません。", position=expected)
    except BaseException:
        partial.unlink(missing_ok=True)  # a broken segment leaves no file behind
        raise
    with partial.open("rb") as written:
        os.fsync(written.fileno())
        digest = hashlib.file_digest(written, "sha256").hexdigest()
    os.replace(partial, directory / file_name)
    (directory / f"{file_name}.sha256").write_text(f"{digest}  {file_name}\n", encoding="ascii")
    summary = ArchiveSummary(after + 1, through, previous_hash, current_hash, count, digest)
    return summary, file_name


def _json_line(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def archive_file_verify(
    path: Path, *, expected_sha256: str | None = None, wanted_positions: Iterable[int] = ()
) -> ArchiveSummary:
    """Re-read an archive file and recompute its chain; raises ArchiveError naming the first bad position.

    wanted_positions: positions whose hash to return in `hashes_at` (to compare with exported heads).
    """
    wanted = set(wanted_positions)
    try:
        with path.open("rb") as raw:
            digest = hashlib.file_digest(raw, "sha256").hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise ArchiveError(f"アーカイブ {path.name} のSHA-256が記録と一致しません。")
        with gzip.open(path, "rb") as lines:
            header = json.loads(lines.readline())
            if (header.get("format"), header.get("version")) != (ARCHIVE_FORMAT, ARCHIVE_VERSION):
                raise ArchiveError(f"{path.name} はアクセス記録のアーカイブではありません。")
            expected, current_hash, hashes_at, end = header["first_position"], header["previous_hash"], {}, None
            for line in lines:
                entry = json.loads(line)
                if "end" in entry:
                    end = entry
                    break
                record = entry["record"]
                if record["position"] != expected:
                    raise ArchiveError(
                        f"アーカイブ {path.name}: 位置 {expected} の記録がありません。", position=expected
                    )
                current_hash = chain_hash(current_hash, record)
                if current_hash != entry["hash"]:
                    raise ArchiveError(
                        f"アーカイブ {path.name}: 位置 {expected} のハッシュ値が一致しません。", position=expected
                    )
                if expected in wanted:
                    hashes_at[expected] = current_hash
                expected += 1
    except (OSError, EOFError, ValueError, KeyError, TypeError, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"アーカイブ {path.name} を読めません（{exc.__class__.__name__}）。") from None
    count = expected - header["first_position"]
    if end is None or end.get("last_hash") != current_hash or end.get("record_count") != count:
        raise ArchiveError(f"アーカイブ {path.name} の末尾が欠けているか一致しません。", position=expected)
    if expected - 1 != header["last_position"]:
        raise ArchiveError(f"アーカイブ {path.name}: 位置 {expected} の記録がありません。", position=expected)
    return ArchiveSummary(
        header["first_position"], expected - 1, header["previous_hash"], current_hash, count, digest, hashes_at
    )


def _purge(*, through: int) -> int:
    """Remove the archived records up to `through` (inside the archive's transaction)."""
    if connection.vendor == "postgresql":
        # The narrow path: a function the table owner defined; EXECUTE is granted to the archiver
        # role only (docs/access-records.md). It re-checks the checkpoint before deleting.
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_access_records_purge(%s)", [through])
            return cursor.fetchone()[0]
    # SQLite runs only the demo: the Python guard of AccessRecord is the protection there.
    archive = AccessArchive.objects.get(last_position=through)
    records = AccessRecord.objects.filter(position__gte=archive.first_position, position__lte=through)
    return records._raw_delete(records.db)
