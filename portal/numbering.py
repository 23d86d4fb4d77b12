"""Official numbers without gaps or duplicates (受付番号, 文書番号 …)."""

from django.db import IntegrityError, transaction

from portal.models import NumberSeries


def number_next(key: str) -> int:
    """The next number of the series `key` (1, 2, 3 …).

    Must run inside the transaction that uses the number: the row lock is held until it commits,
    so a rolled-back use leaves no gap and concurrent callers never get the same number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next() must run inside the transaction that uses the number")
    try:
        with transaction.atomic():
            NumberSeries.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # another transaction created the series first; it exists now
    series = NumberSeries.objects.select_for_update().get(key=key)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last
