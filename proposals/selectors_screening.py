"""Reads of screening; each takes the user. A screener sees only the screenings assigned to them
(object permission proposals.screen_screening); overseers (approvers, managers, audit) see all."""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from portal.audit.refusals import object_in_scope
from proposals.models import ResultNotice, ResultNoticeDocument, Screening


def screenings_for_user(user) -> QuerySet[Screening]:
    if not (user.is_active and user.is_staff):
        return Screening.objects.none()
    if user.has_perm("proposals.oversee_screening"):
        queryset = Screening.objects.all()
    else:
        queryset = get_objects_for_user(
            user, "proposals.screen_screening", klass=Screening, accept_global_perms=False, with_superuser=False
        )
    return queryset.select_related("proposal__proposer", "proposal__entry").order_by("-started_at")


def screening_for_user(user, pk) -> Screening:
    """Screening.DoesNotExist when the user may not see it (the view answers 404); an existing one out of
    reach is recorded as a refusal (seed 004 第5条2項, portal.audit.refusals)."""
    return object_in_scope(screenings_for_user(user), actor=user, pk=pk)


def notice_documents_for_proposer(user, proposal) -> QuerySet[ResultNoticeDocument]:
    """The notice PDFs of the user's own proposal (empty for anyone else's)."""
    return (
        ResultNoticeDocument.objects.filter(notice__proposal=proposal, notice__proposal__proposer__user=user)
        .select_related("notice")
        .order_by("notice__issued_at", "id")
    )


def notices_for_user(user) -> QuerySet[ResultNotice]:
    return ResultNotice.objects.filter(screening__in=screenings_for_user(user)).select_related("proposal")
