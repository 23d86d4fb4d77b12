from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin

from portal.accounts.models import Organization, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("所属", {"fields": ("organization",)}),
    )
    list_display = ("username", "last_name", "first_name", "organization", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "organization")
    list_select_related = ("organization",)


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdmin):
    """Object permissions (who manages this organization's files) are granted from the
    「オブジェクト権限」 page of each organization."""

    list_display = ("name", "postal_code", "address")
    search_fields = ("name", "address")
