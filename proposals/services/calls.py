"""Writes and reads of proposal calls (法111)."""

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from files_registry.models import RegisterEntry
from portal.jdates import fiscal_year
from proposals.models import ProposalCall


def guideline_defaults() -> dict:
    """Standard wording of the guidelines (募集要綱) for a new call (proposals/data/…yaml); staff adapt it."""
    path = Path(__file__).resolve().parent.parent / "data" / "guideline_defaults.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class CallError(Exception):
    """A call action refused; the message is Japanese, for staff."""


@transaction.atomic
def call_publish_guidelines(*, call: ProposalCall, actor) -> ProposalCall:
    """Publish the call's guidelines (募集要綱の公示) now; refused once the call has opened.

    seed 000: the guidelines are published before the call opens, and each call covers files
    open for proposals only.
    """
    call = ProposalCall.objects.select_for_update().get(pk=call.pk)
    now = timezone.now()
    if call.guidelines_published_at is not None:
        raise CallError("この募集の募集要綱は既に公示されています。")
    if now >= call.opens_at:
        raise CallError("募集開始日時を過ぎているため、募集要綱を公示できません。募集開始日時を見直してください。")
    entries = list(call.entries.all())
    if not entries:
        raise CallError("対象となる個人情報ファイルを1つ以上選んでください。")
    closed = [entry.name for entry in entries if not entry.open_for_proposals]
    if closed:
        raise CallError(f"提案募集の対象でない個人情報ファイルが含まれています: {'、'.join(closed)}")
    try:
        call.full_clean()
    except ValidationError as error:
        raise CallError(" ".join(error.messages)) from None
    call._history_user = actor
    call.guidelines_published_at = now
    call.save(update_fields=["guidelines_published_at", "updated_at"])
    return call


def entries_without_call(year: int | None = None):
    """Entries open for proposals that have no call in fiscal `year` yet (seed 000: once a year)."""
    year = year or fiscal_year(timezone.localdate())
    return (
        RegisterEntry.objects.filter(open_for_proposals=True)
        .exclude(proposal_calls__fiscal_year=year)
        .select_related("organization")
        .order_by("register_number")
    )


def calls_public(now=None) -> dict[str, list[ProposalCall]]:
    """Published calls, grouped as the public page shows them: open, upcoming, past."""
    now = now or timezone.now()
    calls = list(ProposalCall.objects.published(now).annotate(entry_count=Count("entries")).order_by("opens_at"))
    return {
        "open": [call for call in calls if call.opens_at <= now <= call.closes_at],
        "upcoming": [call for call in calls if now < call.opens_at],
        "past": sorted((call for call in calls if call.closes_at < now), key=lambda call: call.closes_at, reverse=True),
    }
