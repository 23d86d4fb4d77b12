"""Staff second factor (seed 004 第11条 認証機能, 第14条 管理者権限)."""

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction
from portal.audit.models import AccessRecord
from portal.security.demo import DEMO_TOTP_KEY_HEX, demo_staff_totp
from portal.security.totp import totp_current_code, totp_devices_reset
from tests.factories.accounts import staff_user
from tests.security.helpers import TEST_TOTP_KEY

pytestmark = pytest.mark.django_db
ADMIN_LOGIN = "/admin/login/"


def _admin_login(client, username, password, token=""):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "otp_token": token, "next": "/admin/"})


def test_staff_with_password_and_code_reach_the_admin(client, enrolled_staff, password):
    response = _admin_login(client, enrolled_staff.username, password, totp_current_code(TEST_TOTP_KEY))

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert DEVICE_ID_SESSION_KEY in client.session


def test_staff_without_the_code_are_refused(client, enrolled_staff, password):
    response = _admin_login(client, enrolled_staff.username, password)

    assert response.status_code == 200
    assert "6桁の確認コードを入力してください" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_is_a_failed_sign_in(client, enrolled_staff, password):
    good = int(totp_current_code(TEST_TOTP_KEY))

    response = _admin_login(client, enrolled_staff.username, password, f"{(good + 1) % 1_000_000:06d}")

    assert "確認コードが正しくありません" in response.content.decode()
    assert AccessRecord.objects.filter(action=AccessAction.SIGN_IN_FAILED).count() == 1


def test_a_password_only_session_of_staff_does_not_open_the_admin(client, enrolled_staff, password):
    client.post(reverse("accounts:login"), {"username": enrolled_staff.username, "password": password})

    response = client.get("/admin/")

    assert response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN)


def test_a_proposer_signs_in_with_the_password_only(client, proposer, password):
    response = client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": password})

    assert response.status_code == 302
    assert client.get(reverse("mypage:dashboard")).status_code == 200


def test_a_new_staff_member_enrols_and_the_secret_is_shown_once(client, chief_manager, password):
    _admin_login(client, chief_manager.username, password)
    assert client.get("/admin/").status_code == 302
    assert client.get(ADMIN_LOGIN)["Location"] == reverse("security:totp_enrol")

    first = client.get(reverse("security:totp_enrol"))
    second = client.get(reverse("security:totp_enrol"))
    device = TOTPDevice.objects.get(user=chief_manager)
    code = f"{TOTP(device.bin_key).token():06d}"
    confirmed = client.post(reverse("security:totp_enrol"), {"otp_token": code})

    assert first.context["secret"] != second.context["secret"]  # each showing is a new secret
    assert 'src="data:image/svg+xml;base64,' in second.content.decode()
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("admin:index")
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("security:totp_enrol")).status_code == 404  # never shown again


def test_enrolment_is_not_for_proposers_or_the_enrolled(client, proposer, enrolled_staff, password):
    client.force_login(proposer.user)
    assert client.get(reverse("security:totp_enrol")).status_code == 404

    client.post(reverse("accounts:login"), {"username": enrolled_staff.username, "password": password})
    assert client.get(reverse("security:totp_enrol")).status_code == 404


def test_a_reset_device_sends_staff_back_to_enrolment(client, enrolled_staff, password):
    totp_devices_reset(user=enrolled_staff)

    _admin_login(client, enrolled_staff.username, password)

    assert client.get(ADMIN_LOGIN)["Location"] == reverse("security:totp_enrol")


def test_demo_staff_share_a_known_secret():
    users = [staff_user(StaffRole.CHIEF_MANAGER), staff_user(StaffRole.SCREENER)]

    secret = demo_staff_totp(users)

    assert len(secret) == 32
    assert TOTPDevice.objects.filter(confirmed=True, key=DEMO_TOTP_KEY_HEX).count() == 2
    assert totp_current_code(DEMO_TOTP_KEY_HEX) == f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX)).token():06d}"
