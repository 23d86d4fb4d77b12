"""Sign-in, failed sign-in and sign-out as access records (seed 004 第12条; 第11条 認証機能)."""

from django.contrib.auth import get_user_model

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    access_record(actor=user, action=AccessAction.SIGN_IN, result=AccessResult.SUCCESS, request=request)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the attempted login name is kept: never the password (Django has masked it already, and
    # nothing else of `credentials` is read).
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    access_record(
        actor=None,
        username=str(username),
        action=AccessAction.SIGN_IN_FAILED,
        result=AccessResult.FAILED,
        request=request,
    )


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # logging out when not signed in changes nothing
        access_record(actor=user, action=AccessAction.SIGN_OUT, result=AccessResult.SUCCESS, request=request)
