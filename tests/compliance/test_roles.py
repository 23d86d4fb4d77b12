"""Least privilege of the compliance permissions (seed 004 第5条・第14条) as the roles table grants them."""

import pytest

from portal.accounts.roles import StaffRole
from tests.factories.accounts import staff_user

pytestmark = pytest.mark.django_db

C = "compliance."
MANAGERS = {StaffRole.CHIEF_MANAGER, StaffRole.PROTECTION_MANAGER}


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_role_reports_and_reads_incidents_only_managers_record_the_response(role):
    user = staff_user(role)

    assert user.has_perm(C + "add_incident") and user.has_perm(C + "view_incident")
    assert user.has_perm(C + "change_incident") == (role in MANAGERS)
    assert user.has_perm(C + "add_incidentstep") == (role in MANAGERS)
    assert not user.has_perm(C + "delete_incident")


@pytest.mark.parametrize("role", list(StaffRole))
def test_outsourcing_managed_by_the_managers_read_by_the_audit_officer_closed_to_the_rest(role):
    user = staff_user(role)

    assert user.has_perm(C + "view_outsourcing") == (role in MANAGERS | {StaffRole.AUDIT_OFFICER})
    for codename in ("add_outsourcing", "change_outsourcingclause", "add_subcontracting", "add_outsourcinginspection"):
        assert user.has_perm(C + codename) == (role in MANAGERS)
    assert not user.has_perm(C + "delete_outsourcing")


@pytest.mark.parametrize("role", list(StaffRole))
def test_only_the_chief_manager_and_the_audit_officer_oversee_every_organization(role):
    user = staff_user(role)
    overseers = {StaffRole.CHIEF_MANAGER, StaffRole.AUDIT_OFFICER}

    assert user.has_perm(C + "oversee_incident") == (role in overseers)
    assert user.has_perm(C + "oversee_outsourcing") == (role in overseers)


@pytest.mark.parametrize("role", list(StaffRole))
def test_re_contracting_managed_by_the_managers_read_by_the_audit_officer(role):
    user = staff_user(role)

    assert user.has_perm(C + "view_subcontracting") == (role in MANAGERS | {StaffRole.AUDIT_OFFICER})
    assert user.has_perm(C + "view_subcontractingclause") == (role in MANAGERS | {StaffRole.AUDIT_OFFICER})
    for codename in ("change_subcontracting", "change_subcontractingclause"):
        assert user.has_perm(C + codename) == (role in MANAGERS)
    assert not user.has_perm(C + "delete_subcontracting")


@pytest.mark.parametrize("role", list(StaffRole))
def test_inspections_and_corrections_recorded_by_the_managers_read_by_the_audit_officer(role):
    user = staff_user(role)
    readers = MANAGERS | {StaffRole.AUDIT_OFFICER}

    for model in ("inspection", "datasetcorrection"):
        assert user.has_perm(f"{C}view_{model}") == (role in readers)
        assert user.has_perm(f"{C}add_{model}") == (role in MANAGERS)
        assert user.has_perm(f"{C}change_{model}") == (role in MANAGERS)
        assert not user.has_perm(f"{C}delete_{model}")
        overseers = {StaffRole.CHIEF_MANAGER, StaffRole.AUDIT_OFFICER}
        assert user.has_perm(f"{C}oversee_{model}") == (role in overseers)
