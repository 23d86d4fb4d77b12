"""What the compliance services share: the refusal they raise and the checks every write makes."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

NOT_ALLOWED = "この操作を行う権限がありません。"


class ComplianceError(Exception):
    """A rule refused the write; the message is for the person who tried it."""


def require(actor, perm: str) -> None:
    """Raise ComplianceError(NOT_ALLOWED) unless `actor` is an active user holding the model permission."""
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ComplianceError(NOT_ALLOWED)


def full_clean(obj) -> None:
    """Model validation, its messages named by the field's Japanese label. Raises ComplianceError."""
    try:
        obj.full_clean()
    except ValidationError as error:
        labels = {field.name: str(field.verbose_name) for field in obj._meta.fields}
        parts = [
            f"{labels[name]}: {message}" if name in labels else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
        raise ComplianceError(" ".join(parts)) from error


def not_future(value: datetime.date | datetime.datetime | None, label: str) -> None:
    """Raise ComplianceError when a recorded date or time lies ahead (a record says what happened)."""
    if value is None:
        return
    if isinstance(value, datetime.datetime):
        if value > timezone.now():
            raise ComplianceError(f"{label}に未来の日時は指定できません。")
    elif value > timezone.localdate():
        raise ComplianceError(f"{label}に未来の日付は指定できません。")


def stripped(value) -> str:
    """A text field's value without surrounding white space ("" for None)."""
    return (value or "").strip()
