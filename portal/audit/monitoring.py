"""The daily check of the access records (seed 004 第12条2項): the chain and the exported heads file.

The heads file only ever grows (O_APPEND, one line per export). So each run notes on the chain what it
saw, as an access record of the verification, and the next run compares: a file that is gone, cannot be
read, or is shorter than last time means someone may have removed the evidence of a tail deletion.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from portal.audit import services
from portal.audit.chain import ExportedHead, HeadsFileError, exported_heads_read, heads_file_path
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessRecord
from portal.audit.services import JST, access_record, alert_raise
from portal.audit.verification import chain_verify

VERIFIER = "(verify_access_records)"
VERIFICATION_OBJECT_TYPE = "audit.verification"


@dataclass
class HeadsObservation:
    """What one run found in the heads file: `state` is ok, missing, unreadable or shorter."""

    state: str
    heads: list[ExportedHead] = field(default_factory=list)
    size: int | None = None
    message: str = ""

    def detail(self) -> dict:
        seen = {"heads_bytes": self.size, "heads_count": len(self.heads)} if self.size is not None else {}
        return {"heads": self.state, **seen}


def access_records_verify_daily(*, now: datetime.datetime | None = None) -> dict:
    """Verify the chain against the exported heads and alert the managers once per finding (per day for
    a heads file that is missing, unreadable or shorter than the previous run saw).

    Side effects: AccessAlert rows (kind CHAIN_BROKEN, e-mailed after commit) and one access record
    閲覧 of the verification by VERIFIER, whose detail is the next run's baseline.
    """
    now = now or services.server_now()
    observation = heads_file_observe(heads_file_path(), baseline=_last_observation())
    report = chain_verify(exported_heads=observation.heads)
    problem = report.first_problem
    if problem is not None:
        alert_raise(
            kind=AlertKind.CHAIN_BROKEN,
            dedup_key=f"chain_broken:{problem.kind}:{problem.position}",
            period_start=now,
            period_end=now,
            first_position=problem.position,
            last_position=problem.position,
            detail={"problem": problem.kind.value, "message": problem.message[:200], "count": len(report.problems)},
        )
    if observation.state != "ok":
        alert_raise(
            kind=AlertKind.CHAIN_BROKEN,
            dedup_key=f"chain_heads:{observation.state}:{now.astimezone(JST).date().isoformat()}",
            period_start=now,
            period_end=now,
            detail={"problem": f"heads_{observation.state}", "message": observation.message[:200], "count": 1},
        )
    access_record(
        actor=None,
        username=VERIFIER,
        action=AccessAction.VIEW,
        result=AccessResult.SUCCESS,
        object_type=VERIFICATION_OBJECT_TYPE,
        object_repr="アクセス記録の定期検証",
        detail={"ok": report.ok, "last_position": report.last_position, **observation.detail()},
    )
    return {
        "ok": report.ok,
        "records_checked": report.records_checked,
        "last_position": report.last_position,
        "heads": observation.state,
    }


def heads_file_observe(path: Path, *, baseline: dict | None) -> HeadsObservation:
    """Read the heads file and compare it with `baseline` ({"heads_bytes", "heads_count"} of a past run)."""
    if not path.exists():
        return HeadsObservation("missing", message=f"書き出した先頭のファイル {path} がありません。")
    try:
        size = path.stat().st_size
        heads = exported_heads_read(path)
    except HeadsFileError as error:
        return HeadsObservation("unreadable", message=f"書き出した先頭のファイルを読めません: {error}")
    except (OSError, ValueError) as error:
        return HeadsObservation(
            "unreadable", message=f"書き出した先頭のファイル {path} を読めません（{error.__class__.__name__}）。"
        )
    if baseline and (size < baseline["heads_bytes"] or len(heads) < baseline["heads_count"]):
        return HeadsObservation(
            "shorter",
            heads,
            size,
            f"書き出した先頭のファイル {path} が前回の検証時（{baseline['heads_count']}件、"
            f"{baseline['heads_bytes']}バイト）より短くなっています（{len(heads)}件、{size}バイト）。",
        )
    return HeadsObservation("ok", heads, size)


def _last_observation() -> dict | None:
    """The heads file as the newest earlier verification that could read it saw it, or None."""
    return (
        AccessRecord.objects.filter(
            actor_username=VERIFIER, object_type=VERIFICATION_OBJECT_TYPE, detail__has_key="heads_bytes"
        )
        .order_by("-position")
        .values_list("detail", flat=True)
        .first()
    )
