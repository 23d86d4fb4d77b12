"""Celery tasks of the contracts app: stable names, keyword arguments, idempotent."""

from celery import shared_task


@shared_task(name="contracts.expire_contracts")
def expire_contracts() -> int:
    """End every concluded contract past its period of use (daily; running it twice ends nothing twice)."""
    from contracts.services import contracts_expire

    return contracts_expire()
