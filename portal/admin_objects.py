"""Object pages of the admin answer 404 alike for "no access" and "does not exist" (seed 004 第5条2項, STYLE).

Django's admin tells the two apart: an object out of the user's reach gets a 403 (or its history page
does), one that does not exist a redirect with "does not exist" — an oracle for which ids exist.
`ObjectAccessMixin` is mixed into every ModelAdmin registered on the portal's admin site
(portal.security.admin_site.PortalAdminSite.register), third-party ones included.
"""

from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from simple_history.admin import SimpleHistoryAdmin

from portal.audit.refusals import refusal_record_if_exists


class ObjectAccessMixin:
    """The change, history and delete pages (and simple_history's version page) first look the object up
    in the admin's own queryset (get_queryset: the user's scope) and check the view permission on it.
    Anything else answers 404, as an id that names nothing does; an existing object refused so is recorded
    as 拒否 (portal.audit.refusals). Past this check the pages behave as Django's (a visible object that
    the user may not delete still gets 403 on its delete page).

    The one exception: the history of a deleted object (simple_history keeps it) stays readable for
    whoever may view the model, as simple_history intends.
    """

    def object_visible_or_404(self, request, object_id, *, deleted_history: bool = False):
        """The object the user may view, or Http404 (a refusal recorded when it exists); None when the
        page is to be left to Django (a to_field Django refuses itself, a deleted object's history)."""
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            return None  # Django answers DisallowedModelAdminToField (400)
        obj = self.get_object(request, unquote(object_id), to_field)
        if obj is not None and self.has_view_or_change_permission(request, obj):
            return obj
        lookup = {to_field or "pk": unquote(object_id)}
        if refusal_record_if_exists(self.model, actor=request.user, request=request, **lookup):
            raise Http404
        if obj is None and deleted_history and self.has_view_or_change_permission(request):
            return None
        raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.object_visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.object_visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.object_visible_or_404(request, object_id, deleted_history=isinstance(self, SimpleHistoryAdmin))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Routed only for SimpleHistoryAdmin subclasses, which define it.
        self.object_visible_or_404(request, object_id, deleted_history=True)
        if request.method not in ("GET", "HEAD"):
            # SIMPLE_HISTORY_REVERT_DISABLED only hides the button: simple_history would still save a
            # POSTed old version. History is read-only; a change goes through the change form. (A version
            # that does not exist stays a 404, as simple_history answers it.)
            history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
            lookup = {self.model._meta.pk.attname: unquote(object_id), "history_id": version_id}
            get_object_or_404(history, **lookup)
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)


def with_object_access(admin_class: type) -> type:
    """`admin_class` with ObjectAccessMixin in front (the class itself if it has it already)."""
    if issubclass(admin_class, ObjectAccessMixin):
        return admin_class
    return type(admin_class.__name__, (ObjectAccessMixin, admin_class), {"__module__": admin_class.__module__})
