"""Reads of the register, for the public pages and for staff."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from files_registry.models import AnonymizedDatasetSummary, RegisterEntry
from portal.accounts.models import Organization
from portal.accounts.roles import organizations_managed_by

_LIST_FIELDS = (
    "public_id",
    "register_number",
    "name",
    "agency_name",
    "organization",
    "file_type",
    "open_for_proposals",
    "contains_sensitive_information",
    "updated_at",
)


def _published_datasets():
    return AnonymizedDatasetSummary.objects.filter(published=True)


def register_entries_public() -> QuerySet[RegisterEntry]:
    """Published entries with what the public list shows (no staff-only field is loaded)."""
    # The organization comes in a second small query rather than a join: a join lets a poor
    # row estimate for the search condition turn into a nested loop over every match.
    return (
        RegisterEntry.objects.published()
        .only(*_LIST_FIELDS)
        .prefetch_related(Prefetch("organization", queryset=Organization.objects.only("name")))
        .annotate(has_datasets=Exists(_published_datasets().filter(entry=OuterRef("pk"))))
    )


def register_entries_for_export() -> QuerySet[RegisterEntry]:
    """Published entries with everything the public export writes."""
    return (
        RegisterEntry.objects.published()
        .select_related("organization")
        .defer("search_text")
        .annotate(has_datasets=Exists(_published_datasets().filter(entry=OuterRef("pk"))))
        .prefetch_related(
            "recorded_items",
            Prefetch("dataset_summaries", queryset=_published_datasets().prefetch_related("items")),
        )
    )


def register_entry_public(public_id) -> RegisterEntry:
    """One published entry for its public page; RegisterEntry.DoesNotExist otherwise."""
    return (
        RegisterEntry.objects.published()
        .select_related("organization")
        .prefetch_related(
            "recorded_items",
            Prefetch("dataset_summaries", queryset=_published_datasets().prefetch_related("items")),
        )
        .get(public_id=public_id)
    )


def register_entries_for_user(user) -> QuerySet[RegisterEntry]:
    """The entries a staff member may maintain: every one with the global change permission,
    otherwise those of the organizations whose files they manage (object permission)."""
    if not (user.is_active and user.is_staff):
        return RegisterEntry.objects.none()
    if user.has_perm("files_registry.change_registerentry"):
        return RegisterEntry.objects.all()
    return RegisterEntry.objects.filter(organization__in=organizations_managed_by(user))
