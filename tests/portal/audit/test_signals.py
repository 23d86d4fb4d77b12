"""Sign-in, failed sign-in and sign-out are recorded (seed 004 第12条)."""

import json

import pytest
from django.urls import reverse

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def _login(client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.44",
        HTTP_USER_AGENT="試験ブラウザ",
    )


def test_a_successful_sign_in_is_recorded(client):
    user = UserFactory(username="suzuki", is_staff=True)

    _login(client, "suzuki", PASSWORD)

    record = AccessRecord.objects.get()
    assert (record.action, record.result, record.actor, record.actor_username) == (
        AccessAction.SIGN_IN,
        AccessResult.SUCCESS,
        user,
        "suzuki",
    )
    assert (record.ip_address, record.user_agent, record.request_path) == (
        "192.0.2.44",
        "試験ブラウザ",
        "/admin/login/",
    )


def test_a_failed_sign_in_keeps_the_attempted_name_and_never_the_password(client):
    UserFactory(username="suzuki")

    _login(client, "suzuki", "my-secret-guess-123")

    record = AccessRecord.objects.get()
    assert (record.action, record.result, record.actor, record.actor_username) == (
        AccessAction.SIGN_IN_FAILED,
        AccessResult.FAILED,
        None,
        "suzuki",
    )
    stored = json.dumps(list(AccessRecord.objects.values()), default=str, ensure_ascii=False)
    assert "my-secret-guess-123" not in stored
    assert "****" not in stored


def test_a_failed_sign_in_for_an_unknown_name_is_recorded(client):
    _login(client, "ghost", "whatever-password")

    assert list(AccessRecord.objects.values_list("action", "actor_username")) == [("sign_in_failed", "ghost")]


def test_signing_out_is_recorded(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)

    client.post(reverse("admin:logout"))

    assert list(AccessRecord.objects.order_by("position").values_list("action", "actor")) == [
        ("sign_in", user.pk),
        ("sign_out", user.pk),
    ]


def test_signing_out_when_not_signed_in_records_nothing(client):
    client.post(reverse("admin:logout"))

    assert AccessRecord.objects.count() == 0


# --- Privilege changes (seed 004 第5条・第14条): who, what, from where --------------------------------------


def _privilege_records():
    return AccessRecord.objects.filter(detail__has_key="privilege").order_by("position")


def _verified_admin(client, user):
    client.force_login(user)
    return {"REMOTE_ADDR": "192.0.2.7"}


@pytest.fixture
def set_up_account():
    """Accounts and roles are managed by a superuser (set-up, seed 004 第14条)."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_a_role_given_in_the_admin_is_recorded_with_who_and_from_where(client, set_up_account):
    from portal.accounts.roles import StaffRole, role_group

    staff = UserFactory(username="sato", is_staff=True)
    user_admin = set_up_account
    where = _verified_admin(client, user_admin)
    group = role_group(StaffRole.PROTECTION_MANAGER)
    data = _user_form(staff, groups=[group.pk])

    response = client.post(reverse("admin:accounts_user_change", args=[staff.pk]), data, **where)

    assert response.status_code == 302
    record = _privilege_records().get(detail__privilege="group")
    assert (record.actor, record.action, record.object_type, record.object_id) == (
        user_admin,
        AccessAction.CHANGE,
        "accounts.user",
        str(staff.pk),
    )
    assert record.detail == {"privilege": "group", "group": "保護管理者", "granted": True}
    assert (record.ip_address, record.request_path) == ("192.0.2.7", f"/admin/accounts/user/{staff.pk}/change/")


def test_flags_changed_in_the_admin_are_recorded_with_their_new_values(client, set_up_account):
    staff = UserFactory(username="sato", is_staff=True)
    where = _verified_admin(client, set_up_account)

    client.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        _user_form(staff, is_active=False, is_staff=True),
        **where,
    )

    record = _privilege_records().get(detail__privilege="account_flags")
    assert (record.actor, record.object_id, record.detail) == (
        set_up_account,
        str(staff.pk),
        {"privilege": "account_flags", "is_active": False},
    )


def test_group_membership_changed_in_code_is_recorded_from_both_sides_and_on_clear():
    from django.contrib.auth.models import Group

    user = UserFactory(username="sato")
    first, second = Group.objects.create(name="甲"), Group.objects.create(name="乙")

    user.groups.add(first, second)
    second.user_set.remove(user)
    user.groups.clear()

    assert [(r.object_id, r.detail["group"], r.detail["granted"]) for r in _privilege_records()] == [
        (str(user.pk), "甲", True),
        (str(user.pk), "乙", True),
        (str(user.pk), "乙", False),
        (str(user.pk), "甲", False),
    ]
    record = _privilege_records().first()
    # outside a request: no actor, the server account that ran the code instead
    assert (record.actor, record.detail["outside_request"], record.request_path) == (None, True, "")
    assert "os_user" in record.detail


def test_an_object_permission_granted_and_removed_is_recorded(organization):
    from portal.accounts.roles import organization_grant_manager, organization_revoke_manager

    user = UserFactory(username="sato", is_staff=True)

    organization_grant_manager(user=user, organization=organization)
    organization_revoke_manager(user=user, organization=organization)

    details = [record.detail for record in _privilege_records()]
    common = {
        "privilege": "object_permission",
        "object_permission": "accounts.manage_files",
        "on_type": "accounts.organization",
        "on_id": str(organization.pk),
    }
    assert [{key: detail[key] for key in [*common, "granted"]} for detail in details] == [
        {**common, "granted": True},
        {**common, "granted": False},
    ]
    assert {record.object_id for record in _privilege_records()} == {str(user.pk)}


def test_an_object_permission_granted_on_the_organization_page_names_the_chief_manager(
    client, chief_manager, organization
):
    staff = UserFactory(username="sato", is_staff=True)
    where = _verified_admin(client, chief_manager)
    url = reverse("admin:accounts_organization_permissions_manage_user", args=[organization.pk, staff.pk])

    response = client.post(url, {"permissions": ["manage_files"]}, **where)

    assert response.status_code == 302
    record = _privilege_records().get()
    assert (record.actor, record.object_id, record.detail["granted"], record.ip_address) == (
        chief_manager,
        str(staff.pk),
        True,
        "192.0.2.7",
    )


def test_a_direct_model_permission_is_recorded():
    user = UserFactory(username="sato", is_staff=True)

    user.user_permissions.add(*_perms("audit", "view_accessrecord"))

    assert _privilege_records().get().detail["model_permission"] == "audit.view_accessrecord"


def test_a_new_staff_account_is_recorded_and_a_sign_in_save_is_not(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("kato", password=PASSWORD, is_staff=True)
    proposer = get_user_model().objects.create_user("teian", password=PASSWORD)

    _login(client, "kato", PASSWORD)  # saves last_login: no flag can change
    proposer.first_name = "花子"
    proposer.save()

    record = _privilege_records().get()
    assert (record.action, record.object_id, record.detail["is_staff"], record.detail["is_superuser"]) == (
        AccessAction.CREATE,
        str(user.pk),
        True,
        False,
    )


def test_raising_an_account_to_superuser_is_recorded():
    user = UserFactory(username="sato", is_staff=True)

    user.is_superuser = True
    user.save()

    assert _privilege_records().get().detail["is_superuser"] is True


def test_reset_totp_is_recorded_with_the_server_account(chief_manager):
    from django.core.management import call_command

    from tests.security.helpers import staff_device

    staff_device(chief_manager)

    call_command("reset_totp", chief_manager.username, stdout=__import__("io").StringIO())

    record = _privilege_records().get()
    assert (record.actor, record.object_id, record.action) == (None, str(chief_manager.pk), AccessAction.CHANGE)
    assert (record.detail["privilege"], record.detail["devices_removed"], record.detail["outside_request"]) == (
        "second_factor",
        1,
        True,
    )


def _perms(app_label: str, *codenames: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "organization": "",
        "groups": [],
    }
    for key, value in changes.items():
        data[key] = ("on" if value else "") if isinstance(value, bool) else value
    return {key: value for key, value in data.items() if value != ""}
