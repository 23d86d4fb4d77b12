"""Reads of the compliance app. Which incidents, outsourcings, inspections (点検) and dataset corrections a
person sees (seed 004 第5条: least privilege): overseers see all; protection managers those of their
organizations (and, except corrections, those without one)."""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.accounts.roles import organizations_managed_by
from portal.compliance.enums import OutsourcingKind, OutsourcingStatus, SubcontractingStatus
from portal.compliance.models import (
    DatasetCorrection,
    Incident,
    Inspection,
    Outsourcing,
    OutsourcingInspection,
    Subcontracting,
)


def fiscal_year_range(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of fiscal year `year` (April to March)."""
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def incidents_for_user(user) -> QuerySet[Incident]:
    """Incidents `user` may see: every one with compliance.oversee_incident (chief manager, audit officer);
    otherwise those of the organizations they manage, those they reported, and for holders of
    compliance.change_incident (protection managers) those with no organization set."""
    incidents = Incident.objects.all()
    if not (user.is_active and user.is_staff):
        return incidents.none()
    if user.has_perm("compliance.oversee_incident"):
        return incidents
    visible = Q(reported_by=user) | Q(organization__in=organizations_managed_by(user))
    if user.has_perm("compliance.change_incident"):
        visible |= Q(organization__isnull=True)
    return incidents.filter(visible)


def outsourcings_for_user(user) -> QuerySet[Outsourcing]:
    """Outsourcings `user` may see: every one for chief managers and audit officers (no organization grant
    limits them); for protection managers those of their organizations and those with no organization."""
    outsourcings = Outsourcing.objects.all()
    if not (user.is_active and user.is_staff and user.has_perm("compliance.view_outsourcing")):
        return outsourcings.none()
    if user.has_perm("compliance.oversee_outsourcing"):
        return outsourcings
    return outsourcings.filter(Q(organization__in=organizations_managed_by(user)) | Q(organization__isnull=True))


def subcontractings_for_user(user) -> QuerySet[Subcontracting]:
    """Re-contractings of the outsourcings `user` sees (outsourcings_for_user)."""
    return Subcontracting.objects.filter(outsourcing__in=outsourcings_for_user(user))


def inspected_in(fiscal_year: int):
    """An Exists() expression on an outsourcing: the contractor itself has an inspection dated in
    `fiscal_year` (an inspection of a subcontractor does not count for it)."""
    first, last = fiscal_year_range(fiscal_year)
    return Exists(
        OutsourcingInspection.objects.filter(
            outsourcing=OuterRef("pk"), subcontracting__isnull=True, inspected_on__range=(first, last)
        )
    )


def subcontracting_inspected_in(fiscal_year: int):
    """An Exists() expression on a subcontracting: it has an inspection dated in `fiscal_year`."""
    first, last = fiscal_year_range(fiscal_year)
    return Exists(
        OutsourcingInspection.objects.filter(subcontracting=OuterRef("pk"), inspected_on__range=(first, last))
    )


def _in_force(fiscal_year: int) -> Q:
    """Outsourcings (委託, not dispatch: 第26条第4項) 有効 with a period touching `fiscal_year`."""
    first, last = fiscal_year_range(fiscal_year)
    return Q(
        kind=OutsourcingKind.OUTSOURCING,
        status=OutsourcingStatus.ACTIVE,
        period_start__lte=last,
        period_end__gte=first,
    )


def outsourcings_in_force(fiscal_year: int) -> QuerySet[Outsourcing]:
    """Outsourcings that must be inspected in `fiscal_year` (第26条第4項): 有効 委託 whose period touches it."""
    return Outsourcing.objects.filter(_in_force(fiscal_year))


def subcontractings_without_inspection(fiscal_year: int, *, user=None) -> QuerySet[Subcontracting]:
    """有効 re-contractings of outsourcings in force in `fiscal_year` with no inspection of the subcontractor
    dated in it (seed 004 第26条第5項: 前項の措置, 年1回以上), limited to what `user` sees when given."""
    subcontractings = subcontractings_for_user(user) if user is not None else Subcontracting.objects.all()
    return (
        subcontractings.filter(status=SubcontractingStatus.ACTIVE, outsourcing__in=outsourcings_in_force(fiscal_year))
        .exclude(subcontracting_inspected_in(fiscal_year))
        .order_by("outsourcing__period_end", "outsourcing_id", "pk")
    )


def outsourcings_without_inspection(fiscal_year: int, *, user=None) -> QuerySet[Outsourcing]:
    """Outsourcings in force in `fiscal_year` (有効 委託 whose period touches it) with no inspection of the
    contractor dated in it, or with a 有効 re-contracting whose subcontractor has none (seed 004 第26条第4項・
    第5項: 年1回以上), limited to what `user` sees when given."""
    outsourcings = outsourcings_for_user(user) if user is not None else Outsourcing.objects.all()
    subcontractor_missing = subcontractings_without_inspection(fiscal_year).values("outsourcing")
    return (
        outsourcings.filter(_in_force(fiscal_year))
        .filter(~inspected_in(fiscal_year) | Q(pk__in=subcontractor_missing))
        .order_by("period_end", "pk")
    )


def inspections_for_user(user) -> QuerySet[Inspection]:
    """Inspections (点検, seed 004 第30条) `user` may see: every one with compliance.oversee_inspection (chief
    manager, audit officer); for protection managers those of their organizations and those of the whole
    institute (no organization)."""
    inspections = Inspection.objects.all()
    if not (user.is_active and user.is_staff and user.has_perm("compliance.view_inspection")):
        return inspections.none()
    if user.has_perm("compliance.oversee_inspection"):
        return inspections
    return inspections.filter(Q(organization__in=organizations_managed_by(user)) | Q(organization__isnull=True))


def download_alert_settings() -> dict[str, int]:
    """The download warning's thresholds in force (seed 004 第13条; 0 switches a measure off)."""
    return {
        "AUDIT_DOWNLOAD_ALERT_ROWS": settings.AUDIT_DOWNLOAD_ALERT_ROWS,
        "AUDIT_DOWNLOAD_ALERT_BYTES": settings.AUDIT_DOWNLOAD_ALERT_BYTES,
    }


def last_inspection(subject: str) -> Inspection | None:
    """The latest inspection of `subject` anywhere (e.g. the review of the download warning, 第13条)."""
    return Inspection.objects.filter(subject=subject).order_by("-inspected_on", "-id").first()


def dataset_corrections_for_user(user) -> QuerySet[DatasetCorrection]:
    """Dataset corrections (第8条) `user` may see: all with compliance.oversee_datasetcorrection; for protection
    managers those of the organizations whose files they manage."""
    corrections = DatasetCorrection.objects.all()
    if not (user.is_active and user.is_staff and user.has_perm("compliance.view_datasetcorrection")):
        return corrections.none()
    if user.has_perm("compliance.oversee_datasetcorrection"):
        return corrections
    return corrections.filter(organization__in=organizations_managed_by(user))
