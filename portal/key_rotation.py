"""Master-key rotation for every encrypted object of the portal (seed 004 第18条).

Each app registers the models that hold a wrapped data key (`encrypted_model_register`, called from its
AppConfig.ready); `master_keys_rewrap` re-wraps every live data key that the current master key (the first
of PORTAL_MASTER_KEYS) did not wrap. Only the wrapped data keys are unwrapped and wrapped again: no file
is read or decrypted, so a rotation over terabytes takes as long as a few thousand small row updates.

A registered model has a CharField `key_id` (the master key that wrapped its data key), a nullable
BinaryField `wrapped_key` (None once crypto-erased, 第10条) and a `key_context` property (the bytes the
wrap is bound to, portal.crypto.wrap). Backup sets are not registered on purpose: a set stays wrapped by
the master key of the day it was taken, so retiring that key crypto-erases every copy of it (docs/backup.md).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models, transaction

from portal import crypto
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record

MASTER_KEY_OBJECT_TYPE = "crypto.masterkey"
ACTOR = "(rotate_master_key)"
BATCH_SIZE = 500
_registry: dict[str, type[models.Model]] = {}


class KeyRotationError(Exception):
    """A rotation that must not start; the message is Japanese and meant for the operator."""


def encrypted_model_register(model: type[models.Model]) -> None:
    """Add `model` to the models whose data keys `master_keys_rewrap` re-wraps (idempotent).

    Raises ImproperlyConfigured when the model lacks `key_id`, a nullable `wrapped_key` or `key_context`.
    """
    try:
        key_id, wrapped_key = model._meta.get_field("key_id"), model._meta.get_field("wrapped_key")
    except FieldDoesNotExist as error:
        raise ImproperlyConfigured(f"{model._meta.label} cannot hold a wrapped data key: {error}") from None
    if not (
        isinstance(key_id, models.CharField)
        and isinstance(wrapped_key, models.BinaryField)
        and wrapped_key.null
        and isinstance(getattr(model, "key_context", None), property)
    ):
        raise ImproperlyConfigured(
            f"{model._meta.label} needs a CharField key_id, a nullable BinaryField wrapped_key "
            "and a key_context property"
        )
    _registry[model._meta.label_lower] = model


def encrypted_models() -> list[type[models.Model]]:
    """The registered models, in registration order (the order of INSTALLED_APPS)."""
    return list(_registry.values())


def kind_label(model: type[models.Model]) -> str:
    """The Japanese name of a kind of encrypted object, as the command prints it."""
    return str(model._meta.verbose_name_plural)


def _live(model: type[models.Model]) -> models.QuerySet:
    return model.objects.filter(wrapped_key__isnull=False)


def master_keys_in_use() -> dict[str, dict[str, int]]:
    """{model label: {key id: number of live data keys it wraps}}; crypto-erased rows are not counted."""
    usage = {}
    for model in encrypted_models():
        rows = _live(model).values("key_id").annotate(count=models.Count("pk")).order_by("key_id")
        usage[model._meta.label_lower] = {row["key_id"]: row["count"] for row in rows}
    return usage


@dataclass
class KindResult:
    """What a rotation did to one kind: re-wrapped now, found under the current key, and failed rows."""

    model: type[models.Model]
    rewrapped: int = 0
    already_current: int = 0
    failed: list[str] = field(default_factory=list)  # public ids (or pks) whose key would not unwrap

    @property
    def label(self) -> str:
        return kind_label(self.model)


def _missing_keys_check(current: str) -> None:
    """Refuse before any change when a live data key is wrapped by a master key that is not configured:
    it cannot be unwrapped, and a half-rotated store would only hide that."""
    missing: dict[str, list[str]] = defaultdict(list)
    for label, counts in master_keys_in_use().items():
        for key_id, count in counts.items():
            if key_id != current and key_id not in settings.PORTAL_MASTER_KEYS:
                missing[key_id].append(f"{kind_label(_registry[label])} {count}件")
    if not missing:
        return
    names = "、".join(f"「{key_id}」（{'、'.join(uses)}）" for key_id, uses in sorted(missing.items()))
    access_record(
        actor=None,
        username=ACTOR,
        action=AccessAction.CHANGE,
        result=AccessResult.REFUSED,
        object_type=MASTER_KEY_OBJECT_TYPE,
        object_repr="マスター鍵の切替え",
        detail={"missing_key_ids": ",".join(sorted(missing))[:200]},
    )
    raise KeyRotationError(
        f"使用中のマスター鍵 {names} が PORTAL_MASTER_KEYS に設定されていません。"
        "何も包み直さずに中止しました。その鍵を設定に戻してから、もう一度実行してください。"
    )


def master_keys_rewrap(*, batch_size: int = BATCH_SIZE) -> list[KindResult]:
    """Re-wrap every live data key of every registered model that the current master key did not wrap.

    Works in batches of `batch_size` rows per model, each in its own transaction: lock the rows, unwrap each
    data key with its master key and wrap it with the current one, save, and append one access record
    「変更」 naming the kind, the count and the key ids (last in the transaction: the chain lock is short).
    Idempotent and resumable: rows already under the current key are left alone, and an interrupted run
    keeps the batches it committed. A row whose key does not unwrap (altered, or moved from another row) is
    left as it was, recorded 「変更」「失敗」 and reported in `failed`. Raises KeyRotationError (Japanese),
    changing nothing, when a key id in use is not configured. Never reads a file.
    """
    current = crypto.current_key_id()
    _missing_keys_check(current)
    results = []
    for model in encrypted_models():
        result = KindResult(model=model, already_current=_live(model).filter(key_id=current).count())
        last_pk = None
        while True:
            with transaction.atomic():
                pending = _live(model).exclude(key_id=current).order_by("pk")
                if last_pk is not None:
                    pending = pending.filter(pk__gt=last_pk)
                # The row lock keeps a concurrent disposal (which erases wrapped_key) from being undone.
                rows = list(pending.select_for_update()[:batch_size])
                if not rows:
                    break
                last_pk = rows[-1].pk
                _batch_rewrap(model, rows, current, result)
        results.append(result)
    return results


def _batch_rewrap(model, rows: list, current: str, result: KindResult) -> None:
    changed, old_ids, failed = [], set(), []
    for row in rows:
        try:
            wrapped = crypto.rewrap(crypto.WrappedKey(row.key_id, bytes(row.wrapped_key)), context=row.key_context)
        except crypto.DecryptionError:
            failed.append(row)
            continue
        old_ids.add(row.key_id)
        row.key_id, row.wrapped_key = wrapped.key_id, wrapped.blob
        changed.append(row)
    if changed:
        model.objects.bulk_update(changed, ["key_id", "wrapped_key"])
        result.rewrapped += len(changed)
    for row in failed:
        result.failed.append(str(getattr(row, "public_id", row.pk)))
        access_record(
            actor=None,
            username=ACTOR,
            action=AccessAction.CHANGE,
            result=AccessResult.FAILED,
            obj=row,
            detail={"reason": "the wrapped data key does not unwrap", "key_id": row.key_id},
        )
    if changed:
        access_record(
            actor=None,
            username=ACTOR,
            action=AccessAction.CHANGE,
            result=AccessResult.SUCCESS,
            obj=model,
            object_repr=f"{kind_label(model)}のデータ鍵 {len(changed)}件を包み直し",
            detail={"count": len(changed), "from_key_ids": ",".join(sorted(old_ids))[:200], "to_key_id": current},
        )
