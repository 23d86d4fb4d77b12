"""Sessions (seed 004 第21条): key rotated at sign-in, idle and absolute timeouts, sign-out everywhere."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from portal.security.models import UserSession
from portal.security.signals import SESSION_SEEN_AT, SESSION_STARTED_AT

pytestmark = pytest.mark.django_db


def _sign_in(client, user, password):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    assert response.status_code == 302
    return client.session.session_key


def _age_session(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED_AT] = now - started_ago
    session[SESSION_SEEN_AT] = now - seen_ago
    session.save()


def test_the_session_key_changes_at_sign_in(client, proposer, password):
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key

    after = _sign_in(client, proposer.user, password)

    assert before and after and before != after
    assert not Session.objects.filter(session_key=before).exists()


def test_staff_idle_for_30_minutes_are_signed_out(client, settings, chief_manager, password):
    _sign_in(client, chief_manager, password)
    _age_session(
        client, started_ago=settings.SECURITY_STAFF_IDLE_TIMEOUT, seen_ago=settings.SECURITY_STAFF_IDLE_TIMEOUT
    )

    response = client.get(reverse("home"))

    assert settings.SECURITY_STAFF_IDLE_TIMEOUT == 30 * 60
    assert "_auth_user_id" not in client.session
    assert "サインアウトしました" in response.content.decode()


def test_staff_active_within_the_idle_timeout_stay(client, settings, chief_manager, password):
    _sign_in(client, chief_manager, password)
    _age_session(client, started_ago=3600, seen_ago=settings.SECURITY_STAFF_IDLE_TIMEOUT - 60)

    client.get(reverse("home"))

    assert client.session["_auth_user_id"] == str(chief_manager.pk)


def test_proposers_have_the_longer_idle_timeout(client, settings, proposer, password):
    _sign_in(client, proposer.user, password)
    _age_session(client, started_ago=3600, seen_ago=settings.SECURITY_STAFF_IDLE_TIMEOUT + 60)

    assert client.get(reverse("mypage:dashboard")).status_code == 200

    _age_session(client, started_ago=3600, seen_ago=settings.SECURITY_IDLE_TIMEOUT)
    assert client.get(reverse("mypage:dashboard")).status_code == 302


def test_the_absolute_timeout_ends_an_active_session(client, settings, proposer, password):
    _sign_in(client, proposer.user, password)
    _age_session(client, started_ago=settings.SECURITY_ABSOLUTE_TIMEOUT, seen_ago=0)

    response = client.get(reverse("mypage:dashboard"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_timeout_ends_only_that_session(client, settings, proposer, password):
    other = Client()
    _sign_in(other, proposer.user, password)
    _sign_in(client, proposer.user, password)
    _age_session(client, started_ago=settings.SECURITY_ABSOLUTE_TIMEOUT, seen_ago=0)

    client.get(reverse("mypage:dashboard"))

    assert other.get(reverse("mypage:dashboard")).status_code == 200


def test_signing_out_ends_every_session_of_the_user(client, proposer, password):
    laptop, phone = Client(), Client()
    _sign_in(laptop, proposer.user, password)
    _sign_in(phone, proposer.user, password)

    laptop.post(reverse("accounts:logout"))

    assert phone.get(reverse("mypage:dashboard")).status_code == 302
    assert UserSession.objects.filter(user=proposer.user).count() == 0


def test_disabling_a_user_ends_their_sessions(client, proposer, password):
    key = _sign_in(client, proposer.user, password)

    proposer.user.is_active = False
    proposer.user.save()

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("mypage:dashboard")).status_code == 302
