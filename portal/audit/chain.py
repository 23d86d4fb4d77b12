"""The hash chain of the access records and the export of its head (seed 004 第12条2項).

hash(n) = SHA-256( hash(n-1) ‖ "\n" ‖ canonical(record n) ), hash(0) = 64 zeros, where canonical() is
the JSON object of CANONICAL_FIELDS with sorted keys, no spaces, UTF-8, times as UTC ISO 8601 with
microseconds and a "Z". docs/access-records.md states the same so that an archive can be checked
without this code.
"""

import datetime
import hashlib
import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from portal.audit.models import GENESIS_HASH, AccessArchive, AccessChainHead, AccessRecord

CANONICAL_FIELDS = (
    "position",
    "occurred_at",
    "actor_user_id",
    "actor_username",
    "actor_name",
    "action",
    "result",
    "object_type",
    "object_id",
    "object_repr",
    "ip_address",
    "user_agent",
    "request_path",
    "detail",
)
HEADS_FILE_NAME = "access-chain-heads.jsonl"
SYSLOG_TAG = "portal-access-chain-head"


def utc_text(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_record(values: Mapping | AccessRecord) -> dict:
    """The hashed content of a record, from a model instance or a dict of its field values."""
    get = values.__getitem__ if isinstance(values, Mapping) else lambda name: getattr(values, name)
    record = {name: get(name) for name in CANONICAL_FIELDS}
    record["occurred_at"] = utc_text(record["occurred_at"])
    return record


def canonical_bytes(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def chain_hash(previous_hash: str, record: dict) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + b"\n" + canonical_bytes(record)).hexdigest()


def chain_tip() -> tuple[int, str]:
    """(position, hash) of the newest record, live or archived; (0, genesis) for an empty chain."""
    last = AccessRecord.objects.order_by("-position").values_list("position", "hash").first()
    if last is not None:
        return last
    archive = AccessArchive.objects.order_by("-last_position").values_list("last_position", "last_hash").first()
    return archive if archive is not None else (0, GENESIS_HASH)


def records_for_walk(*, after: int = 0, through: int | None = None) -> Iterator[dict]:
    """Live records in position order as dicts of the canonical fields plus `hash` (streamed)."""
    records = AccessRecord.objects.filter(position__gt=after).order_by("position")
    if through is not None:
        records = records.filter(position__lte=through)
    yield from records.values(*CANONICAL_FIELDS, "hash").iterator(chunk_size=2000)


# --- Export of the head outside the database ---


@dataclass(frozen=True)
class ExportedHead:
    position: int
    hash: str
    exported_at: str
    line_number: int


class HeadsFileError(Exception):
    pass


def heads_file_path() -> Path:
    return Path(settings.AUDIT_HEAD_EXPORT_DIR) / HEADS_FILE_NAME


def chain_head_export(*, now: datetime.datetime | None = None) -> ExportedHead:
    """Append the chain's current (position, hash) to the heads file, and to syslog when configured.

    The file is opened with O_APPEND only: the process never seeks, truncates or rewrites it. In
    production the directory is an append-only (chattr +a) or WORM mount and syslog forwards to a log
    server the portal cannot write back to (docs/access-records.md). A later deletion of records from
    the tail of the chain shows up as an exported head the database no longer reaches (第12条2項).
    """
    head = AccessChainHead.objects.filter(pk=1).values_list("position", "hash").first() or chain_tip()
    exported_at = utc_text(now or timezone.now())
    line = json.dumps({"exported_at": exported_at, "hash": head[1], "position": head[0]}, sort_keys=True)
    path = heads_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode())  # one write: appends of a short line do not interleave
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if settings.AUDIT_HEAD_SYSLOG_ADDRESS:
        _syslog(f"{SYSLOG_TAG}: {line}")
    return ExportedHead(position=head[0], hash=head[1], exported_at=exported_at, line_number=0)


def _syslog(message: str) -> None:
    address: str | tuple[str, int] = settings.AUDIT_HEAD_SYSLOG_ADDRESS
    socktype = None
    if not str(address).startswith("/"):
        host, _, port = str(address).rpartition(":")
        address, socktype = (host, int(port)), socket.SOCK_DGRAM
    handler = logging.handlers.SysLogHandler(
        address=address, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV, socktype=socktype
    )
    try:
        record = logging.LogRecord("portal.audit", logging.INFO, __file__, 0, message, None, None)
        handler.emit(record)
    finally:
        handler.close()


def exported_heads_read(path: Path) -> list[ExportedHead]:
    """Every head in an exported heads file; raises HeadsFileError naming the first unreadable line."""
    heads = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.strip(" \t\r\n\x00")  # a line kept by a syslog receiver may end in a NUL
            if not line:
                continue
            try:
                data = json.loads(line)
                head = ExportedHead(
                    position=int(data["position"]),
                    hash=str(data["hash"]),
                    exported_at=str(data["exported_at"]),
                    line_number=number,
                )
            except (ValueError, KeyError, TypeError):
                raise HeadsFileError(f"{path} の {number} 行目を読めません。") from None
            heads.append(head)
    return heads
