"""Reads of disposal certificates (消去証明)."""

import datetime
import zoneinfo
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from portal.accounts.roles import StaffRole, organizations_managed_by, user_has_role
from portal.disposal.models import DisposalCertificate
from portal.jdates import wareki

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
# The audit report's section "disposals" (seed 004 第29条), registered in DisposalConfig.ready.
REPORT_COLUMNS = ("証明番号", "消去日", "組織", "消去した情報", "消去の方法", "実施者", "理由")


def certificates_for_user(user) -> QuerySet[DisposalCertificate]:
    """The certificates `user` may see: every one for the chief manager and the audit officer (seed 004
    第29条・第30条); for a protection manager those of the organizations they manage and those they issued
    themselves; none for anyone else (model permission disposal.view_disposalcertificate is checked too)."""
    certificates = DisposalCertificate.objects.select_related("organization")
    if not user.is_active or not user.has_perm("disposal.view_disposalcertificate"):
        return certificates.none()
    # seed 004 第14条: a superuser (set-up only) sees no certificate through that flag alone.
    if user_has_role(user, StaffRole.CHIEF_MANAGER) or user_has_role(user, StaffRole.AUDIT_OFFICER):
        return certificates.all()
    return certificates.filter(Q(organization__in=organizations_managed_by(user)) | Q(actor=user))


def certificates_for_object(*, object_type: str, object_id: str) -> QuerySet[DisposalCertificate]:
    return DisposalCertificate.objects.filter(object_type=object_type, object_id=object_id)


def disposal_report_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """One row per disposal whose date (Japan time) lies in [start, end], oldest first (ReportSection.rows)."""
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=JST)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=JST)
    certificates = DisposalCertificate.objects.filter(disposed_at__gte=since, disposed_at__lt=until).order_by(
        "disposed_at", "id"
    )
    for certificate in certificates.iterator():
        yield (
            certificate.certificate_number,
            wareki(certificate.disposed_at.astimezone(JST).date()),
            certificate.organization_name or "－",
            certificate.description,
            certificate.get_method_display(),
            certificate.actor_name,
            certificate.reason,
        )
