"""Sign-in, failed sign-in and sign-out as access records (seed 004 第12条; 第11条 認証機能)."""

import getpass

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


def on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A new superuser account is recorded as a superuser action (seed 004 第14条), e.g. createsuperuser.

    Creation only: raising an existing account to superuser is done in the admin by a superuser, and
    that request is recorded by SuperuserActionMiddleware. Fixtures loaded raw are not recorded.
    """
    if created and instance.is_superuser and not raw:
        access_record(
            actor=None,
            action=AccessAction.CREATE,
            result=AccessResult.SUCCESS,
            obj=instance,
            detail={"superuser": True, "outside_request": True, "os_user": _os_user()},
        )


def _os_user() -> str:
    """The server account that ran the command (createsuperuser has no signed-in user), or ""."""
    try:
        return getpass.getuser()[:100]
    except (KeyError, OSError):
        return ""
