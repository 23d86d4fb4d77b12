"""Services over a user's sessions (seed 004 第21条: sign-out ends what a third party could reuse)."""

from importlib import import_module

from django.conf import settings
from django.db import transaction

from portal.security.models import UserSession


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_track(*, user, session_key: str | None) -> None:
    """Remember that `session_key` belongs to `user` (called at sign-in, after Django rotated the key)."""
    if user is None or not getattr(user, "pk", None) or not session_key:
        return
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def user_sessions_end(*, user, keep: str | None = None) -> int:
    """Delete every session of `user` from the session store, except `keep`; returns how many.

    Works with any session engine (database, cache, cached_db): each tracked key is deleted through
    the engine. Side effect: the user is signed out on every browser at their next request.
    """
    rows = list(UserSession.objects.select_for_update().filter(user=user).exclude(session_key=keep or ""))
    for row in rows:
        _store(row.session_key).delete(row.session_key)
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)
