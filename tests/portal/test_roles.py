import pytest
from django.contrib.auth.models import Group

from portal.accounts.roles import ROLE_PERMISSIONS, StaffRole, organizations_managed_by, roles_sync

pytestmark = pytest.mark.django_db


def test_every_staff_role_is_a_group_with_exactly_its_permissions():
    roles_sync()

    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.label)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert granted == set(names), role


def test_roles_sync_undoes_a_permission_added_by_hand():
    group = Group.objects.get(name=StaffRole.SCREENER.label)
    extra = Group.objects.get(name=StaffRole.CHIEF_MANAGER.label).permissions.get(codename="delete_registerentry")
    group.permissions.add(extra)

    roles_sync()

    assert not group.permissions.filter(codename="delete_registerentry").exists()


def test_a_protection_manager_manages_only_the_granted_organization(
    protection_manager, organization, other_organization
):
    assert list(organizations_managed_by(protection_manager)) == [organization]
    assert protection_manager.has_perm("accounts.manage_files", organization)
    assert not protection_manager.has_perm("accounts.manage_files", other_organization)


def test_a_deactivated_manager_manages_nothing(protection_manager):
    protection_manager.is_active = False
    protection_manager.save()

    assert list(organizations_managed_by(protection_manager)) == []
