"""Refusals as access records: every 403 answered to a signed-in user (seed 004 第5条2項・第12条)."""

from portal.audit.context import request_bind, request_unbind
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record


class RequestContextMiddleware:
    """Makes the request being answered available to access records written without one
    (portal.audit.context.current_request): who changed a privilege, and from where (第12条).

    Goes right after AuthenticationMiddleware, so request.user is there when a receiver reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_bind(request)
        try:
            return self.get_response(request)
        finally:
            request_unbind(token)


class AccessRefusalMiddleware:
    """Records 権限のない操作 / 拒否 for each 403 to a signed-in user, unless the view recorded it already.

    Goes after AuthenticationMiddleware. Anonymous 403s (CSRF failures of bots) are not recorded: they
    would let anyone flood the chain. The repeated-refusals rule of the analysis reads these records.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            response.status_code == 403
            and user is not None
            and user.is_authenticated
            and not getattr(request, "audit_refusal_recorded", False)
        ):
            access_record(
                actor=user,
                action=AccessAction.UNAUTHORIZED,
                result=AccessResult.REFUSED,
                request=request,
                detail={"method": request.method[:10]},
            )
        return response


_READ_METHODS = ("GET", "HEAD", "OPTIONS")


class SuperuserActionMiddleware:
    """Records every request of a superuser as an access record flagged {"superuser": true} (seed 004 第14条).

    Superuser accounts are for set-up only and every use of one is on the record: the method, the path
    (request_path, never the query string), the status. Goes after AuthenticationMiddleware and inside
    AccessRefusalMiddleware (a superuser's 403 is recorded once, here). The user is read after the view,
    so a superuser's sign-in request is recorded and a sign-out request is recorded by the sign-out signal.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_superuser:
            access_record(
                actor=user,
                action=action_for_method(request.method),
                result=_result_for(response.status_code),
                request=request,
                detail={"superuser": True, "method": request.method[:10], "status": response.status_code},
            )
        return response


def action_for_method(method: str) -> AccessAction:
    """The action a request attempts: 閲覧 for a read, 削除 for DELETE, else 変更."""
    if method in _READ_METHODS:
        return AccessAction.VIEW
    return AccessAction.DELETE if method == "DELETE" else AccessAction.CHANGE


def _result_for(status: int) -> AccessResult:
    if status in (401, 403):
        return AccessResult.REFUSED
    return AccessResult.FAILED if status >= 400 else AccessResult.SUCCESS
