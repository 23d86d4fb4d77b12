"""Celery tasks of the access records: stable names, keyword arguments, idempotent."""

import datetime

from celery import shared_task

from portal.audit.analysis import Period, access_analyse, default_period
from portal.audit.archive import access_records_archive
from portal.audit.chain import chain_head_export
from portal.audit.monitoring import access_records_verify_daily
from portal.audit.services import alerts_send_pending


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
    """Verify the chain against the exported heads (第12条2項) and alert the managers once per finding,
    also when the heads file is missing, unreadable or shorter than the last run saw (beat: daily).

    The same check as `manage.py verify_access_records`, without re-reading the archive files.
    """
    return access_records_verify_daily()


@shared_task(name="audit.archive_access_records")
def archive_access_records() -> dict:
    """Move the records past AUDIT_RETENTION_DAYS into an archive file (第12条1項 一定の期間保存; beat: daily).

    Routed to the archive queue (CELERY_TASK_ROUTES): only the archive worker, connected as the archiver
    database role, may run the purge. Anyone may queue it: it archives nothing younger than the period.
    """
    archive = access_records_archive()
    if archive is None:
        return {"archived": 0}
    return {
        "archived": archive.record_count,
        "first_position": archive.first_position,
        "last_position": archive.last_position,
        "file_name": archive.file_name,
    }


def _aware(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset")
    return value
