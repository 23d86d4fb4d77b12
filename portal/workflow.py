"""What every status workflow shares: lock the row, check the app's explicit table of allowed moves,
log the move with who and why, save. Each app keeps its own table and a thin `transition()`. And how
records name the people who acted (an account plus a copied-in name)."""

from collections.abc import Callable

from django.conf import settings
from django.db import models, transaction


def actor_name(actor) -> str:
    """How an actor is named in records that outlive the account (STYLE: audit rows copy the name)."""
    if actor is None:
        return "システム"
    return getattr(actor, "display_name", None) or actor.get_username()


def recorded_person(
    label: str, *, blank: bool = False, editable: bool = True, max_length: int = 200
) -> tuple[models.ForeignKey, models.CharField]:
    """The pair of fields that names a person in a record: the account (set to NULL when it is deleted)
    and the name copied in with `actor_name`, so the record still says who when the account is gone."""
    return (
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=f"{label}のアカウント",
            on_delete=models.SET_NULL,
            null=True,
            blank=blank,
            editable=editable,
            related_name="+",
        ),
        models.CharField(label, max_length=max_length, blank=blank, editable=editable),
    )


class TransitionRecord(models.Model):
    """One status change: who, when, why. An audit row: it outlives the people it names, so the actor's
    name is copied in. Each workflow's record adds its subject and its `status_pair`."""

    actor, actor_name = recorded_person("実施者")
    reason = models.TextField("理由", blank=True)
    occurred_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        abstract = True


def status_pair(statuses: type[models.TextChoices], *, max_length: int) -> tuple[models.CharField, models.CharField]:
    """The from/to status fields of a TransitionRecord."""
    return (
        models.CharField("変更前", max_length=max_length, choices=statuses.choices),
        models.CharField("変更後", max_length=max_length, choices=statuses.choices),
    )


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
