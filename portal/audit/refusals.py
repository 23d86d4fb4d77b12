"""Refusals answered as 404 (seed 004 第5条2項・第12条).

To the user, "no access" looks like "does not exist" (404, STYLE). On the record they differ: an object
that exists outside the user's scope is written down as 拒否, so the hourly analysis of repeated refusals
sees somebody probing ids. An id that names nothing is not recorded (nothing was refused).

Every scoped lookup of one object goes through `object_in_scope` (selectors) or `object_in_scope_or_404`
(views and the admin); `refusal_record_if_exists` serves code that found "not visible" another way.
"""

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from portal.audit.context import current_request
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.middleware import action_for_method
from portal.audit.services import access_record


def object_in_scope(queryset: QuerySet, *, actor, request: HttpRequest | None = None, **lookup) -> Model:
    """The object of `queryset` (what `actor` may see) that `lookup` names (e.g. public_id=…).

    Raises `queryset.model.DoesNotExist` when the scope holds none, also for a malformed id. Side effect:
    when the object exists outside the scope, a 拒否 access record is written first (outside a
    transaction that rolls back, or it goes with it). `request` defaults to the current request.
    """
    try:
        return queryset.get(**lookup)
    except (ValueError, ValidationError):
        raise queryset.model.DoesNotExist from None
    except queryset.model.DoesNotExist:
        refusal_record_if_exists(queryset.model, actor=actor, request=request, **lookup)
        raise


def object_in_scope_or_404(queryset: QuerySet, *, actor, request: HttpRequest | None = None, **lookup) -> Model:
    """`object_in_scope`, with Http404 for "none in the scope"."""
    try:
        return object_in_scope(queryset, actor=actor, request=request, **lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def refusal_record_if_exists(model: type[Model], *, actor, request: HttpRequest | None = None, **lookup) -> bool:
    """Record 拒否 for the object of `model` named by `lookup` if it exists; True if it did.

    The action is what the request attempted (閲覧 for a read, 変更 for a write); detail says the
    answer was 404. Anonymous visitors are not recorded (anyone could flood the chain).
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    try:
        existing = model._default_manager.filter(**lookup).first()
    except (ValueError, ValidationError):
        return False
    if existing is None:
        return False
    request = request if request is not None else current_request()
    access_record(
        actor=actor,
        action=action_for_method(request.method) if request is not None else AccessAction.VIEW,
        result=AccessResult.REFUSED,
        obj=existing,
        request=request,
        detail={"out_of_scope": True, "status": 404},
    )
    return True
