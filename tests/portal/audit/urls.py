"""Views for the middleware tests only."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record


def refused(request):
    raise PermissionDenied


def refused_and_recorded(request):
    access_record(actor=request.user, action=AccessAction.VIEW, result=AccessResult.REFUSED, request=request)
    raise PermissionDenied


def allowed(request):
    return HttpResponse("ok")


urlpatterns = [
    path("refused/", refused),
    path("refused-and-recorded/", refused_and_recorded),
    path("allowed/", allowed),
]
