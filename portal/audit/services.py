"""Writes of the access records (seed 004 第12条) and of their alerts (第12条・第13条).

`access_record()` is the only writer of AccessRecord: other apps call it (or `download_record()`) for
every access to anonymized datasets and to what protects them.
"""

import datetime
import functools
import ipaddress
import logging
import re
import unicodedata
import zoneinfo
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.chain import canonical_record, chain_hash, chain_tip
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert, AccessChainHead, AccessRecord, DownloadTally

logger = logging.getLogger(__name__)
JST = zoneinfo.ZoneInfo("Asia/Tokyo")

_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_DETAIL_SECRET_WORDS = ("password", "passwd", "secret", "token", "salt", "credential", "cookie", "session", "private")
_DETAIL_MAX_KEYS = 20
_DETAIL_MAX_TEXT = 200


def server_now() -> datetime.datetime:
    """The server clock (UTC), read under the chain lock; the one seam tests move."""
    return timezone.now()


def access_record(
    *,
    actor,
    action: AccessAction,
    result: AccessResult,
    obj=None,
    request: HttpRequest | None = None,
    detail: dict | None = None,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AccessRecord:
    """Append one access record to the chain and return it (seed 004 第12条).

    actor: the signed-in user, or None / AnonymousUser (then `username` may name an attempted login).
    obj: a model instance (type, id and str() are copied in) or a model class; or give object_type,
    object_id and object_repr yourself. detail: a flat dict of counts and short labels (at most 20
    keys; int, bool, None or text up to 200 characters); never secrets or personal data values.
    request: gives the IP address (REMOTE_ADDR, or X-Forwarded-For behind AUDIT_TRUSTED_PROXY_COUNT
    proxies), the user agent and the path.

    Joins the caller's transaction: the record commits or rolls back with the work it describes, so
    record a refusal outside a transaction that the refusal rolls back. The chain lock is held until that
    transaction ends: call this last in a transaction and keep the transaction short (or decorate the
    function with `access_records_last`). Raises ValueError on a bad detail or enum value.
    """
    action, result = AccessAction(action), AccessResult(result)
    fields = {
        **_actor_fields(actor, username),
        **_object_fields(obj, object_type, object_id, object_repr),
        **_request_fields(request),
        "action": action.value,
        "result": result.value,
        "detail": _clean_detail(detail),
    }
    if request is not None and result != AccessResult.SUCCESS:
        request.audit_refusal_recorded = True  # AccessRefusalMiddleware records a 403 once
    deferred = _deferred.get()
    if deferred is not None:
        deferred.append(fields)
        return AccessRecord(**fields)  # unsaved: access_records_last appends it when its function returns
    return _append(fields)


def _append(fields: dict) -> AccessRecord:
    with transaction.atomic():
        # The single head row serialises every writer, across threads and processes, so positions are
        # gap-free and each record chains from the one before. On SQLite the write lock taken by BEGIN
        # IMMEDIATE (settings: transaction_mode) does the same.
        head = _head_locked()
        record = AccessRecord(position=head.position + 1, occurred_at=server_now(), **fields)
        record.hash = chain_hash(head.hash, canonical_record(record))
        record._chain_sealed = True
        record.save()
        AccessChainHead.objects.filter(pk=1).update(position=record.position, hash=record.hash)
    return record


_deferred: ContextVar[list | None] = ContextVar("portal_audit_deferred_records", default=None)


def access_records_last(func):
    """Decorator: the access records `func` writes are appended, in order, when it returns.

    For a long transaction (e.g. a disposal that renders certificate PDFs): the chain lock, which every
    sign-in and download of the portal waits for, is then taken last and held only until the commit, and
    always after the function's own locks (no lock-order inversion). Put it below @transaction.atomic so
    the records commit or roll back with the work; a call that raises writes none of them. While
    deferred, access_record() returns the record unsaved (no position yet). Nested uses defer to the
    outermost one. RuntimeError when called outside a transaction.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _deferred.get() is not None:
            return func(*args, **kwargs)
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{func.__qualname__} defers its access records: run it inside transaction.atomic")
        queue: list[dict] = []
        token = _deferred.set(queue)
        try:
            result = func(*args, **kwargs)
        finally:
            _deferred.reset(token)
        for fields in queue:
            _append(fields)
        return result

    return wrapper


def _head_locked() -> AccessChainHead:
    head = AccessChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First use (or the row was lost): start from the newest record, never from 0 over old records.
        position, hash_ = chain_tip()
        AccessChainHead.objects.bulk_create(
            [AccessChainHead(pk=1, position=position, hash=hash_)], ignore_conflicts=True
        )
        head = AccessChainHead.objects.select_for_update().get(pk=1)
    return head


def _clean_text(value, limit: int) -> str:
    """Printable text only (PostgreSQL refuses NUL; control characters have no place in a record)."""
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    text = "".join(char for char in text if unicodedata.category(char) != "Cc")
    return text[:limit]


def _actor_fields(actor, username: str) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_user_id": None, "actor_username": _clean_text(username, 150), "actor_name": ""}
    return {
        "actor": actor,
        "actor_user_id": actor.pk,
        "actor_username": _clean_text(actor.get_username(), 150),
        "actor_name": _clean_text(getattr(actor, "display_name", "") or actor.get_username(), 150),
    }


def _object_fields(obj, object_type: str, object_id: str, object_repr: str) -> dict:
    if isinstance(obj, models.Model):
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
        object_repr = object_repr or str(obj)
    elif isinstance(obj, type) and issubclass(obj, models.Model):
        object_type = object_type or obj._meta.label_lower
    elif obj is not None:
        raise ValueError("obj must be a model instance or a model class")
    return {
        "object_type": _clean_text(object_type, 100),
        "object_id": _clean_text(object_id, 64),
        "object_repr": _clean_text(object_repr, 200),
    }


def _request_fields(request: HttpRequest | None) -> dict:
    if request is None:
        return {"ip_address": None, "user_agent": "", "request_path": ""}
    return {
        "ip_address": client_ip(request.META, trusted_proxy_count=settings.AUDIT_TRUSTED_PROXY_COUNT),
        "user_agent": _clean_text(request.META.get("HTTP_USER_AGENT", ""), 300),
        "request_path": _clean_text(request.path, 300),
    }


def client_ip(meta: dict, *, trusted_proxy_count: int) -> str | None:
    """The client's address: REMOTE_ADDR, or with N trusted proxies the N-th X-Forwarded-For entry from
    the right (the one the outermost trusted proxy saw). With fewer entries than proxies the request did
    not come through them, and REMOTE_ADDR stands. Normalised so the stored text hashes the same."""
    candidate = meta.get("REMOTE_ADDR", "")
    if trusted_proxy_count:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_proxy_count:
            candidate = forwarded[-trusted_proxy_count]
    try:
        address = ipaddress.ip_address(str(candidate).split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _clean_detail(detail: dict | None) -> dict:
    if not detail:
        return {}
    if not isinstance(detail, dict) or len(detail) > _DETAIL_MAX_KEYS:
        raise ValueError(f"detail must be a dict of at most {_DETAIL_MAX_KEYS} keys")
    for key, value in detail.items():
        if not isinstance(key, str) or not _DETAIL_KEY.match(key):
            raise ValueError(f"detail key {key!r} must be lower_snake_case, at most 40 characters")
        if any(word in key for word in _DETAIL_SECRET_WORDS):
            raise ValueError(f"detail key {key!r} looks like a secret; access records never hold secrets")
        if isinstance(value, str):
            if len(value) > _DETAIL_MAX_TEXT or value != _clean_text(value, _DETAIL_MAX_TEXT):
                raise ValueError(f"detail[{key!r}] must be printable text of at most {_DETAIL_MAX_TEXT} characters")
        elif value is not None and not isinstance(value, int):  # bool is an int
            raise ValueError(f"detail[{key!r}] must be an int, a bool, None or short text")
    return dict(detail)


# --- Downloads (seed 004 第13条) ---

DOWNLOAD_WARNING = (
    "本日のダウンロード量が警告の基準（{limits}）を超えています。行政機関等匿名加工情報の一定量以上のダウンロードは"
    "記録され、総括管理者及び保護管理者に通知されます。業務上必要な範囲に限って取り扱ってください。"
)


@dataclass(frozen=True)
class DownloadOutcome:
    record: AccessRecord
    warning: bool  # the user's total today is above a threshold: show `message` (第13条 警告表示)
    alerted: bool  # this download took the total over: the day's one alert was raised
    message: str = ""


def download_record(
    *, actor, obj, rows: int | None = None, bytes: int | None = None, request: HttpRequest | None = None
) -> DownloadOutcome:
    """Record a download and check the user's volume for the Japan-time day (seed 004 第13条).

    The download that first takes the day's rows or bytes above AUDIT_DOWNLOAD_ALERT_ROWS /
    AUDIT_DOWNLOAD_ALERT_BYTES raises the day's one AccessAlert (e-mailed to the managers after
    commit); every download while above returns warning=True and a Japanese message to show. A total
    equal to the threshold is not above it. Downloads without a signed-in user are recorded, not tallied.
    """
    detail = {}
    for name, value in (("rows", rows), ("bytes", bytes)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0")
            detail[name] = value
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        tally = _tally_locked(user_id) if user_id is not None else None
        record = access_record(
            actor=actor,
            action=AccessAction.DOWNLOAD,
            result=AccessResult.SUCCESS,
            obj=obj,
            request=request,
            detail=detail,
        )
        if tally is None:
            return DownloadOutcome(record=record, warning=False, alerted=False)
        tally.rows += rows or 0
        tally.bytes += bytes or 0
        exceeded = _limits_exceeded(tally)
        alerted = bool(exceeded) and tally.alert_id is None
        if alerted:
            tally.alert, _ = alert_raise(
                kind=AlertKind.DOWNLOAD_VOLUME,
                dedup_key=f"download_volume:{user_id}:{tally.day.isoformat()}",
                subject=actor,
                period_start=datetime.datetime.combine(tally.day, datetime.time(), tzinfo=JST),
                period_end=record.occurred_at,
                record_count=1,
                first_position=record.position,
                last_position=record.position,
                detail={"rows": tally.rows, "bytes": tally.bytes, **_thresholds(), "exceeded": exceeded},
            )
        tally.save(update_fields=["rows", "bytes", "alert"])
    message = DOWNLOAD_WARNING.format(limits="、".join(exceeded)) if exceeded else ""
    return DownloadOutcome(record=record, warning=bool(exceeded), alerted=alerted, message=message)


@dataclass(frozen=True)
class DownloadDay:
    """A user's downloads so far on the Japan-time day, with the thresholds of 第13条 (0 = not checked)."""

    rows: int
    bytes: int
    rows_threshold: int
    bytes_threshold: int
    message: str  # the warning (DOWNLOAD_WARNING) while the day's total is above a threshold, else ""

    @property
    def thresholds_label(self) -> str:
        """The thresholds as the page prints them, e.g. 「100,000行・524,288,000バイト」."""
        limits = [
            f"{self.rows_threshold:,}行" if self.rows_threshold else "",
            f"{self.bytes_threshold:,}バイト" if self.bytes_threshold else "",
        ]
        return "・".join(limit for limit in limits if limit)


def download_day(user) -> DownloadDay:
    """The user's download volume of today (Japan time) and the warning to show before the next download
    (seed 004 第13条 警告表示). A read: no lock, no record."""
    day = timezone.localdate(server_now(), JST)
    tally = DownloadTally.objects.filter(user_id=user.pk, day=day).first() or DownloadTally(rows=0, bytes=0)
    exceeded = _limits_exceeded(tally)
    return DownloadDay(
        rows=tally.rows,
        bytes=tally.bytes,
        rows_threshold=settings.AUDIT_DOWNLOAD_ALERT_ROWS,
        bytes_threshold=settings.AUDIT_DOWNLOAD_ALERT_BYTES,
        message=DOWNLOAD_WARNING.format(limits="、".join(exceeded)) if exceeded else "",
    )


def _tally_locked(user_id: int) -> DownloadTally:
    # Why a row lock: two concurrent downloads must not both see "below" (no alert) or both see
    # "first over" (two alerts). The second waits here until the first commits, then reads its total.
    day = timezone.localdate(server_now(), JST)
    DownloadTally.objects.bulk_create([DownloadTally(user_id=user_id, day=day)], ignore_conflicts=True)
    return DownloadTally.objects.select_for_update().get(user_id=user_id, day=day)


def _thresholds() -> dict:
    return {
        "rows_threshold": settings.AUDIT_DOWNLOAD_ALERT_ROWS,
        "bytes_threshold": settings.AUDIT_DOWNLOAD_ALERT_BYTES,
    }


def _limits_exceeded(tally: DownloadTally) -> list[str]:
    exceeded = []
    if settings.AUDIT_DOWNLOAD_ALERT_ROWS and tally.rows > settings.AUDIT_DOWNLOAD_ALERT_ROWS:
        exceeded.append(f"{settings.AUDIT_DOWNLOAD_ALERT_ROWS:,}行")
    if settings.AUDIT_DOWNLOAD_ALERT_BYTES and tally.bytes > settings.AUDIT_DOWNLOAD_ALERT_BYTES:
        exceeded.append(f"{settings.AUDIT_DOWNLOAD_ALERT_BYTES:,}バイト")
    return exceeded


# --- Alerts ---


def alert_raise(
    *,
    kind: AlertKind,
    dedup_key: str,
    period_start: datetime.datetime,
    period_end: datetime.datetime,
    subject=None,
    subject_username: str = "",
    record_count: int = 0,
    first_position: int | None = None,
    last_position: int | None = None,
    detail: dict | None = None,
) -> tuple[AccessAlert, bool]:
    """Raise the alert named by `dedup_key` once; returns (alert, created).

    Side effect after commit, for a new alert only: the managers are e-mailed (`alert_send`).
    """
    with transaction.atomic():
        if subject is not None:
            subject_username = subject.get_username()
        alert, created = AccessAlert.objects.get_or_create(
            dedup_key=dedup_key,
            defaults={
                "kind": AlertKind(kind).value,
                "raised_at": timezone.now(),
                "subject": subject,
                "subject_user_id": subject.pk if subject is not None else None,
                "subject_username": _clean_text(subject_username, 150),
                "subject_name": _clean_text(getattr(subject, "display_name", ""), 150) if subject else "",
                "period_start": period_start,
                "period_end": period_end,
                "record_count": record_count,
                "first_position": first_position,
                "last_position": last_position,
                "detail": detail or {},
            },
        )
        if created:
            transaction.on_commit(partial(alert_send, alert_id=alert.pk), robust=True)
    return alert, created


def alert_recipients() -> list[str]:
    """E-mail addresses of the active chief and protection managers (総括管理者・保護管理者)."""
    groups = [StaffRole.CHIEF_MANAGER.label, StaffRole.PROTECTION_MANAGER.label]
    users = get_user_model().objects.filter(is_active=True, groups__name__in=groups).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def alert_send(*, alert_id: int) -> bool:
    """E-mail one alert to the managers if not yet sent; True if this call sent it.

    The alert row stays locked while sending, so two workers never both send. A failure is logged and
    left for the next analysis run (`alerts_send_pending`), never raised into the caller.
    """
    with transaction.atomic():
        alert = AccessAlert.objects.select_for_update(skip_locked=True).filter(pk=alert_id, emailed_at=None).first()
        if alert is None:
            return False
        recipients = alert_recipients()
        if not recipients:
            logger.warning("access alert %s: no manager with an e-mail address to notify", alert.pk)
            return False
        context = {
            "alert": alert,
            "period_start": timezone.localtime(alert.period_start, JST),
            "period_end": timezone.localtime(alert.period_end, JST),
            "raised_at": timezone.localtime(alert.raised_at, JST),
            "PORTAL_TITLE": settings.PORTAL_TITLE,
            "AGENCY_NAME": settings.AGENCY_NAME,
        }
        subject = " ".join(render_to_string("audit/email/alert_subject.txt", context).split())
        body = render_to_string(f"audit/email/{alert.kind}.txt", context)
        try:
            EmailMessage(subject, body, to=recipients).send()
        except Exception as exc:  # any mailer failure: retried by the next analysis run
            logger.warning("access alert %s not e-mailed: %s", alert.pk, exc.__class__.__name__)
            return False
        alert.emailed_at = timezone.now()
        alert.save(update_fields=["emailed_at"])
        return True


def alerts_send_pending() -> int:
    """Retry the e-mail of every alert not yet sent; returns how many were sent now."""
    pending = AccessAlert.objects.filter(emailed_at=None).order_by("pk").values_list("pk", flat=True)[:500]
    return sum(alert_send(alert_id=pk) for pk in pending)


def alert_review(*, alert: AccessAlert, actor, note: str, request: HttpRequest | None = None) -> AccessAlert:
    """Mark an alert as reviewed by `actor` with a note; recorded itself as an access record (第12条).

    Raises PermissionDenied (recorded as a refusal) without audit.review_accessalert, and
    ValidationError for an empty note or an alert already reviewed.
    """
    if not actor.has_perm("audit.review_accessalert"):
        access_record(actor=actor, action=AccessAction.CHANGE, result=AccessResult.REFUSED, obj=alert, request=request)
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise ValidationError({"review_note": "確認の記録を入力してください。"})
    with transaction.atomic():
        locked = AccessAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.is_reviewed:
            raise ValidationError("この警告は既に確認済みです。")
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = actor
        locked.reviewed_by_user_id = actor.pk
        locked.reviewed_by_name = _clean_text(getattr(actor, "display_name", "") or actor.get_username(), 150)
        locked.review_note = note
        locked.save(
            update_fields=["reviewed_at", "reviewed_by", "reviewed_by_user_id", "reviewed_by_name", "review_note"]
        )
        access_record(
            actor=actor,
            action=AccessAction.CHANGE,
            result=AccessResult.SUCCESS,
            obj=locked,
            request=request,
            detail={"change": "reviewed"},
        )
    return locked
