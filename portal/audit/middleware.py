"""Refusals as access records: every 403 answered to a signed-in user (seed 004 第5条2項・第12条)."""

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record


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
