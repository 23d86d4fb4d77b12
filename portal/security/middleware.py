"""Session timeouts and no-store headers (seed 004 第21条: no third party sees what a user left open).

A small middleware rather than a library: django-session-security and django-auto-logout work in the
browser with JavaScript (our CSP allows no inline script, and a server-side rule cannot be skipped by
closing the tab); django-session-timeout has one timeout and no release since 2020. What is needed is
two comparisons per request, kept here.
"""

import time

from django.conf import settings
from django.contrib import auth, messages
from django.utils.cache import add_never_cache_headers

from portal.security.signals import SESSION_SEEN_AT, SESSION_STARTED_AT

# Writing the "last seen" stamp on every request would save the session on every request; once a
# minute is enough for a timeout counted in minutes.
_SEEN_RESOLUTION_SECONDS = 60


def idle_timeout_for(user) -> int:
    return settings.SECURITY_STAFF_IDLE_TIMEOUT if user.is_staff else settings.SECURITY_IDLE_TIMEOUT


class SessionTimeoutMiddleware:
    """Signs out a session idle longer than its user's idle timeout or older than the absolute timeout.

    Goes after AuthenticationMiddleware and MessageMiddleware. Staff idle out sooner (30 minutes by
    default, SECURITY_STAFF_IDLE_TIMEOUT) than proposers (SECURITY_IDLE_TIMEOUT); every session ends
    SECURITY_ABSOLUTE_TIMEOUT after sign-in whatever the activity. Only this session is ended.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request, user) -> None:
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED_AT)
        seen = session.get(SESSION_SEEN_AT)
        if started is None or seen is None:  # a session from before this middleware: start counting now
            session[SESSION_STARTED_AT] = started or now
            session[SESSION_SEEN_AT] = now
            return
        if now - started >= settings.SECURITY_ABSOLUTE_TIMEOUT or now - seen >= idle_timeout_for(user):
            request.security_timeout = True
            auth.logout(request)
            messages.info(request, "一定時間が経過したため、サインアウトしました。もう一度サインインしてください。")
            return
        if now - seen >= _SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN_AT] = now


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with no-cache, must-revalidate, private) on restricted pages.

    Restricted: every answer to a signed-in user, and every page under SECURITY_NO_STORE_PREFIXES
    (the admin, マイページ, the account pages with forms), signed in or not. Public pages for anonymous
    visitors stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        restricted = signed_in or request.path.startswith(tuple(settings.SECURITY_NO_STORE_PREFIXES))
        if restricted and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
