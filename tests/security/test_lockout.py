"""Lockout after repeated failures (seed 004 第11条): the account and the address, with a Japanese page."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
LOCKED = "一時的に制限されています"


@pytest.mark.parametrize("url", ["/admin/login/", "/accounts/login/"])
def test_the_limit_locks_the_account_with_a_japanese_page(client, settings, chief_manager, password, url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": chief_manager.username, "password": "wrong-password-123"})
        assert LOCKED not in response.content.decode()

    locked = client.post(url, {"username": chief_manager.username, "password": "wrong-password-123"})
    right_password_now = client.post(url, {"username": chief_manager.username, "password": password})

    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert right_password_now.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_stays_locked_from_another_address(client, settings, proposer, password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": "x" * 12})

    other = client.post(
        reverse("accounts:login"),
        {"username": proposer.user.username, "password": password},
        REMOTE_ADDR="198.51.100.7",
    )

    assert other.status_code == 429


def test_the_address_is_locked_for_every_account(client, settings, password):
    victims = [UserFactory() for _ in range(settings.AXES_FAILURE_LIMIT)]
    for victim in victims:
        client.post(reverse("accounts:login"), {"username": victim.username, "password": "x" * 12})

    fresh = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": fresh.username, "password": password})

    assert response.status_code == 429


@override_settings(AXES_COOLOFF_TIME=0.0001)
def test_the_lock_ends_after_the_cool_off(client, settings, proposer, password):
    import time

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": "x" * 12})
    time.sleep(0.5)

    response = client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": password})

    assert response.status_code == 302


def test_a_success_below_the_limit_resets_the_count(client, settings, proposer, password):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": "x" * 12})
    client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": password})
    client.post(reverse("accounts:logout"))

    response = client.post(reverse("accounts:login"), {"username": proposer.user.username, "password": "x" * 12})

    assert response.status_code == 200
