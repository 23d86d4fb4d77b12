from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import Http404
from guardian.admin import GuardedModelAdmin

from portal.accounts.models import Organization, User
from portal.admin_objects import ObjectAccessMixin
from portal.audit.refusals import refusal_record_if_exists


@admin.register(User)
class PortalUserAdmin(ObjectAccessMixin, UserAdmin):
    """Accounts. Every change of a privilege made here (flags, groups = roles, permissions) is recorded by
    portal.audit.signals (seed 004 第5条・第14条)."""

    fieldsets = (
        *UserAdmin.fieldsets,
        ("所属", {"fields": ("organization",)}),
    )
    list_display = ("username", "last_name", "first_name", "organization", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "organization")
    list_select_related = ("organization",)

    def user_change_password(self, request, id, form_url=""):
        # An account the staff member may not see answers 404, as one that does not exist (第5条2項).
        self.object_visible_or_404(request, id)
        return super().user_change_password(request, id, form_url)


@admin.register(Organization)
class OrganizationAdmin(ObjectAccessMixin, GuardedModelAdmin):
    """Object permissions (who manages this organization's files) are granted from the
    「オブジェクト権限」 page of each organization; each grant and removal is recorded (portal.audit.signals).
    Those pages answer 404 to staff who may not change organizations, as for one that does not exist."""

    list_display = ("name", "postal_code", "address")
    search_fields = ("name", "address")

    def _permissions_page_or_404(self, request, object_pk) -> None:
        if not self.has_change_permission(request):
            refusal_record_if_exists(Organization, actor=request.user, request=request, pk=object_pk)
            raise Http404

    def obj_perms_manage_view(self, request, object_pk):
        self._permissions_page_or_404(request, object_pk)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._permissions_page_or_404(request, object_pk)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._permissions_page_or_404(request, object_pk)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)
