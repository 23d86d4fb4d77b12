"""Writes to the register that carry rules: recorded items, search text, eligibility."""

from django.db import transaction
from django.utils import timezone

from files_registry.enums import EligibilityCondition
from files_registry.models import RecordedItem, RegisterEntry

_OFFSET = 10_000  # temporary positions while reordering, clear of the unique (entry, position)


@transaction.atomic
def entry_set_recorded_items(*, entry: RegisterEntry, names: list[str]) -> bool:
    """Make the entry's recorded items exactly `names`, in that order; returns whether anything changed.

    Items are matched by name and kept (later records point at them: proposals pick items);
    removed names are deleted, new ones created. Refreshes the search text when anything changed.
    """
    existing = {item.name: item for item in entry.recorded_items.all()}
    if [item.name for item in sorted(existing.values(), key=lambda item: item.position)] == names:
        return False
    RecordedItem.objects.filter(entry=entry).exclude(name__in=names).delete()
    kept = [existing[name] for name in names if name in existing]
    for item in kept:
        item.position += _OFFSET
    RecordedItem.objects.bulk_update(kept, ["position"])
    for position, name in enumerate(names, start=1):
        if name in existing:
            existing[name].position = position
        else:
            existing[name] = RecordedItem(entry=entry, position=position, name=name)
    RecordedItem.objects.bulk_update(kept, ["position"])
    RecordedItem.objects.bulk_create([existing[name] for name in names if existing[name].pk is None])
    entry_refresh_search_text(entry=entry, item_names=names)
    return True


def entry_refresh_search_text(*, entry: RegisterEntry, item_names: list[str] | None = None) -> None:
    """Recompute the normalised search text from the entry and its items (one UPDATE)."""
    if item_names is None:
        item_names = list(entry.recorded_items.order_by("position").values_list("name", flat=True))
    entry.search_text = entry.build_search_text(item_names)
    RegisterEntry.objects.filter(pk=entry.pk).update(search_text=entry.search_text)


def entry_record_eligibility(*, entry: RegisterEntry, condition: EligibilityCondition, holds: bool, actor) -> None:
    """Set one of the three conditions (seed 000 ①②③) on the in-memory entry, with who and when.

    The caller saves the entry; the database refuses open_for_proposals unless all three hold.
    """
    setattr(entry, f"eligibility_{condition.value}", holds)
    setattr(entry, f"eligibility_{condition.value}_by", actor if holds else None)
    setattr(entry, f"eligibility_{condition.value}_at", timezone.now() if holds else None)
