"""What every status workflow shares: lock the row, check the app's explicit table of allowed moves,
log the move with who and why, save. Each app keeps its own table and a thin `transition()`."""

from collections.abc import Callable

from django.db import models, transaction


def actor_name(actor) -> str:
    """How an actor is named in records that outlive the account (STYLE: audit rows copy the name)."""
    if actor is None:
        return "システム"
    return getattr(actor, "display_name", None) or actor.get_username()


def move(
    obj: models.Model,
    to: str,
    *,
    allowed: dict[tuple[str, str], str],
    statuses: type[models.TextChoices],
    log: Callable[..., models.Model],
    actor,
    reason: str,
    error: type[Exception],
):
    """Move `obj` to status `to` and return the locked, updated instance.

    Must run inside a transaction: the row lock is held to commit, so two people (or a person and a
    scheduled task) acting at once cannot both move it. Raises `error` with a message for the person
    when the table has no such move from the current status; `log(locked, **fields)` writes the history.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside a transaction")
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if (locked.status, to) not in allowed:
        raise error(
            f"現在の状況（{statuses(locked.status).label}）からは「{statuses(to).label}」にできません。"
            "画面を更新して状況を確認してください。"
        )
    log(locked, from_status=locked.status, to_status=to, actor=actor, actor_name=actor_name(actor), reason=reason)
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    return locked
