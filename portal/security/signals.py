"""Receivers that keep the session table in step with sign-in, sign-out and disabling (第21条)."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save

from portal.security.sessions import session_forget, session_track, user_sessions_end

SESSION_STARTED_AT = "security_started_at"
SESSION_SEEN_AT = "security_seen_at"


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:  # login() flushed another user's session: give this one a key now
        session.save()
    now = int(time.time())
    session[SESSION_STARTED_AT] = now
    session[SESSION_SEEN_AT] = now
    session_track(user=user, session_key=session.session_key)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    """Signing out ends the user's sessions on every browser; a timeout ends only the one that idled."""
    session = getattr(request, "session", None)
    if user is None:
        return
    if getattr(request, "security_timeout", False):
        session_forget(session_key=session.session_key if session is not None else None)
        return
    user_sessions_end(user=user)


def on_user_saved(sender, instance, created, **kwargs) -> None:
    # A disabled account keeps no session (第21条); Django would refuse it at the next request anyway,
    # this also removes the stored session data. QuerySet.update() bypasses this: use save().
    if not created and not instance.is_active:
        user_sessions_end(user=instance)


def connect() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="security.user_logged_in")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="security.user_logged_out")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="security.user_saved")
