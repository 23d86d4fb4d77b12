"""Sign-in, failed sign-in and sign-out as access records (seed 004 第12条; 第11条 認証機能), and every
change of a privilege (第5条・第14条): account flags, group (role) membership, model and object permissions.

Privilege changes are recorded as 変更 with detail["privilege"] naming the kind; the object is the user (or
the group) whose privilege changed. The actor is the signed-in user of the current request
(portal.audit.context); outside a request (management commands, shell) there is none, and detail names
the server account instead. Bulk writes that send no signals (QuerySet.update, bulk_create) are not seen:
change privileges through save(), the related managers or guardian's single-object shortcuts.
"""

import getpass

from django.contrib.auth import get_user_model

from portal.audit.context import current_request
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record

# The account flags that are privileges: who may sign in, into the admin, and with every permission.
PRIVILEGE_FLAGS = ("is_active", "is_staff", "is_superuser")


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


def on_user_saving(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Remember an existing account's privilege flags before the save, for on_user_saved to compare."""
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and not set(update_fields) & set(PRIVILEGE_FLAGS):
        return  # e.g. last_login at every sign-in: no flag can change, no query
    instance._audit_flags_before = (
        type(instance)._default_manager.filter(pk=instance.pk).values(*PRIVILEGE_FLAGS).first()
    )


def on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """Record an account's privilege flags as they change (seed 004 第5条・第14条). Fixtures loaded raw are not.

    A new superuser account is recorded as a superuser action (第14条, e.g. createsuperuser: detail
    superuser=true, as SuperuserActionMiddleware flags a superuser's requests). A new staff account is
    recorded as 作成 with its flags; a change of is_active, is_staff or is_superuser as 変更 with the
    new values of the flags that changed.
    """
    before = instance.__dict__.pop("_audit_flags_before", None)
    if raw:
        return
    if created:
        if not (instance.is_superuser or instance.is_staff):
            return
        action = AccessAction.CREATE
        if instance.is_superuser:
            detail = {"superuser": True}
        else:
            detail = {"privilege": "account_flags", **{flag: getattr(instance, flag) for flag in PRIVILEGE_FLAGS}}
    else:
        changed = {
            flag: getattr(instance, flag)
            for flag in PRIVILEGE_FLAGS
            if before and before[flag] != getattr(instance, flag)
        }
        if not changed:
            return
        action, detail = AccessAction.CHANGE, {"privilege": "account_flags", **changed}
    actor, request, where = _who()
    access_record(
        actor=actor,
        action=action,
        result=AccessResult.SUCCESS,
        obj=instance,
        request=request,
        detail={**detail, **where},
    )


def on_user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """A user put into or taken out of a group (a staff role, portal.accounts.roles) — 第5条・第14条."""
    _m2m_changed(
        instance, action, reverse, pk_set, relation="groups", privilege="group", label=lambda group: group.name
    )


def on_user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """A model permission given to or taken from a user directly (outside any role)."""
    _m2m_changed(
        instance,
        action,
        reverse,
        pk_set,
        relation="user_permissions",
        privilege="model_permission",
        label=lambda permission: f"{permission.content_type.app_label}.{permission.codename}",
    )


def _m2m_changed(instance, action, reverse, pk_set, *, relation: str, privilege: str, label) -> None:
    User = get_user_model()
    field = User._meta.get_field(relation)
    if action == "pre_clear":
        # The rows are gone by post_clear: remember which pairs the clear ends.
        related = getattr(instance, field.remote_field.get_accessor_name() if reverse else relation)
        instance._audit_cleared = set(related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    pks = instance.__dict__.pop("_audit_cleared", set()) if action == "post_clear" else set(pk_set or ())
    if not pks:
        return
    granted = action == "post_add"
    if reverse:  # group.user_set.add(user): the instance is the group or permission, the pks users
        pairs = [(user, instance) for user in User._default_manager.filter(pk__in=pks).order_by("pk")]
    else:
        targets = field.related_model._default_manager.filter(pk__in=pks).order_by("pk")
        pairs = [(instance, target) for target in targets]
    actor, request, where = _who()
    for user, target in pairs:
        access_record(
            actor=actor,
            action=AccessAction.CHANGE,
            result=AccessResult.SUCCESS,
            obj=user,
            request=request,
            detail={"privilege": privilege, privilege: label(target)[:200], "granted": granted, **where},
        )


def on_object_permission_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A guardian object permission granted (e.g. accounts.manage_files on an organization, 第5条)."""
    if created and not raw:
        _object_permission_record(instance, granted=True)


def on_object_permission_deleted(sender, instance, **kwargs) -> None:
    """A guardian object permission removed."""
    _object_permission_record(instance, granted=False)


def _object_permission_record(instance, *, granted: bool) -> None:
    permission = instance.permission
    holder_field = "user" if hasattr(instance, "user_id") else "group"
    holder_model = instance._meta.get_field(holder_field).related_model
    holder_id = getattr(instance, f"{holder_field}_id")
    holder = holder_model._default_manager.filter(pk=holder_id).first()
    actor, request, where = _who()
    access_record(
        actor=actor,
        action=AccessAction.CHANGE,
        result=AccessResult.SUCCESS,
        obj=holder,
        object_type=holder_model._meta.label_lower,
        object_id=str(holder_id),
        request=request,
        detail={
            "privilege": "object_permission",
            "object_permission": f"{permission.content_type.app_label}.{permission.codename}",
            "granted": granted,
            "on_type": f"{instance.content_type.app_label}.{instance.content_type.model}",
            "on_id": str(instance.object_pk)[:64],
            **where,
        },
    )


def _who():
    """(actor, request, where): the signed-in user of the current request and the request, or outside a
    request no actor and detail naming the server account."""
    request = current_request()
    if request is None:
        return None, None, outside_request()
    user = getattr(request, "user", None)
    return (user if user is not None and user.is_authenticated else None), request, {}


def outside_request() -> dict:
    """The detail of a record written outside a request: who ran the command on the server."""
    return {"outside_request": True, "os_user": _os_user()}


def _os_user() -> str:
    """The server account that ran the command (createsuperuser has no signed-in user), or ""."""
    try:
        return getpass.getuser()[:100]
    except (KeyError, OSError):
        return ""
