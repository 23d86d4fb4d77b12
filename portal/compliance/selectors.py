"""Reads of the compliance app. Which incidents and outsourcings a person sees (seed 004 第5条: least
privilege): overseers see all; protection managers those of their organizations and those without one."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.accounts.roles import organizations_managed_by
from portal.compliance.enums import OutsourcingStatus
from portal.compliance.models import Incident, Outsourcing, OutsourcingInspection


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


def inspected_in(fiscal_year: int):
    """An Exists() expression: the outsourcing has an inspection dated in `fiscal_year`."""
    first, last = fiscal_year_range(fiscal_year)
    return Exists(OutsourcingInspection.objects.filter(outsourcing=OuterRef("pk"), inspected_on__range=(first, last)))


def outsourcings_without_inspection(fiscal_year: int, *, user=None) -> QuerySet[Outsourcing]:
    """Active outsourcings with no inspection dated in `fiscal_year` (seed 004 第26条第4項: 年1回以上),
    limited to what `user` sees when given. Only outsourcings whose period touches that year count."""
    first, last = fiscal_year_range(fiscal_year)
    outsourcings = outsourcings_for_user(user) if user is not None else Outsourcing.objects.all()
    return (
        outsourcings.filter(status=OutsourcingStatus.ACTIVE, period_start__lte=last, period_end__gte=first)
        .exclude(inspected_in(fiscal_year))
        .order_by("period_end", "pk")
    )
