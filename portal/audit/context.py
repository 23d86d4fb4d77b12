"""The request being answered, for access records written where no request is passed in (seed 004 第12条).

Signal receivers (a group membership, an object permission, a user's flags) and the refusal helper run
deep below the view; they read the request from here to record from where a change came.
`RequestContextMiddleware` (portal.audit.middleware) sets it for every request; outside a request
(management commands, Celery tasks) it is None.
"""

from contextvars import ContextVar

from django.http import HttpRequest

_current_request: ContextVar[HttpRequest | None] = ContextVar("portal_audit_current_request", default=None)


def current_request() -> HttpRequest | None:
    """The request this thread or task is answering, or None outside a request."""
    return _current_request.get()


def request_bind(request: HttpRequest):
    """Make `request` the current request; returns the token to give back to `request_unbind`."""
    return _current_request.set(request)


def request_unbind(token) -> None:
    _current_request.reset(token)
