"""Celery tasks of the access records: stable names, keyword arguments, idempotent."""

import datetime

from celery import shared_task
from django.utils import timezone

from portal.audit.analysis import Period, access_analyse, default_period
from portal.audit.chain import chain_head_export, exported_heads_read, heads_file_path
from portal.audit.enums import AlertKind
from portal.audit.services import alert_raise, alerts_send_pending
from portal.audit.verification import chain_verify


@shared_task(name="audit.export_chain_head")
def export_chain_head() -> dict:
    """Append the chain's head outside the database (seed 004 第12条2項); beat: every few minutes."""
    head = chain_head_export()
    return {"position": head.position, "hash": head.hash, "exported_at": head.exported_at}


@shared_task(name="audit.analyse_access_records")
def analyse_access_records(*, since: str | None = None, until: str | None = None) -> dict:
    """Analyse the access records (第12条1項) of [since, until) (ISO 8601 with offset; default: from the
    start of yesterday, Japan time, to now), raise new alerts and retry unsent alert e-mails."""
    period = default_period()
    if since is not None or until is not None:
        period = Period(
            _aware(since) if since else period.start,
            _aware(until) if until else period.end,
        )
    raised = access_analyse(period=period)
    return {"raised": len(raised), "emailed_retry": alerts_send_pending()}


@shared_task(name="audit.verify_access_records")
def verify_access_records() -> dict:
    """Verify the chain against the exported heads (第12条2項) and alert the managers once per finding.

    The same check as `manage.py verify_access_records`, without re-reading the archive files.
    """
    path = heads_file_path()
    report = chain_verify(exported_heads=exported_heads_read(path) if path.exists() else [])
    problem = report.first_problem
    if problem is not None:
        now = timezone.now()
        alert_raise(
            kind=AlertKind.CHAIN_BROKEN,
            dedup_key=f"chain_broken:{problem.kind}:{problem.position}",
            period_start=now,
            period_end=now,
            first_position=problem.position,
            last_position=problem.position,
            detail={"problem": problem.kind.value, "message": problem.message[:200], "count": len(report.problems)},
        )
    return {"ok": report.ok, "records_checked": report.records_checked, "last_position": report.last_position}


def _aware(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset")
    return value
