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
