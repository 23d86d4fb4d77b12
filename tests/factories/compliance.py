"""Incidents and outsourcings (compliance), built through the services so the numbering, escalation and the
clause rows are the real ones."""

import datetime

from django.utils import timezone

from portal.compliance import services
from portal.compliance.enums import Clause, OutsourcingStatus
from portal.compliance.models import OutsourcingClause
from tests.factories.proposals import CORPORATE_NUMBER


def incident_reported(actor, **fields):
    """An incident reported by `actor` an hour ago (status 報告受付)."""
    values = {
        "title": "USBメモリの紛失",
        "summary": "行政機関等匿名加工情報を保存したUSBメモリを紛失した。",
        "detected_at": timezone.now() - datetime.timedelta(hours=1),
        **fields,
    }
    return services.incident_report(actor=actor, **values)


def outsourcing_created(actor, **fields):
    """An outsourcing in 契約準備中 with its eight clauses unchecked; the period spans the current year."""
    today = timezone.localdate()
    values = {
        "name": "株式会社試験データ処理",
        "corporate_number": CORPORATE_NUMBER,
        "work": "行政機関等匿名加工情報の作成に係る加工作業",
        "data_scope": "提案に係る個人情報ファイルの記録項目のうち加工に必要なもの",
        "period_start": today - datetime.timedelta(days=400),
        "period_end": today + datetime.timedelta(days=400),
        **fields,
    }
    return services.outsourcing_create(actor=actor, **values)


def clauses_check_all(outsourcing, actor, *, but: tuple = ()) -> None:
    for clause in OutsourcingClause.objects.filter(outsourcing=outsourcing).exclude(clause__in=but):
        services.clause_set(clause=clause, actor=actor, checked=True, location=f"第{clause.pk}条")


def outsourcing_active(actor, **fields):
    """An outsourcing made 有効 after every clause of 第26条第1項 was checked."""
    outsourcing = outsourcing_created(actor, **fields)
    clauses_check_all(outsourcing, actor)
    moved = services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=actor)
    assert moved.status == OutsourcingStatus.ACTIVE
    return moved


ALL_CLAUSES = tuple(Clause)
