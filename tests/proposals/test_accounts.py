import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.models import User
from portal.models import Notification
from proposals.enums import ProposerKind
from proposals.models import Proposer
from tests.factories.accounts import UserFactory
from tests.factories.proposals import CORPORATE_NUMBER

pytestmark = pytest.mark.django_db(transaction=False)

PASSWORD = "kasumigaseki-portal-2026"


def _register(client, email: str):
    return client.post(reverse("accounts:register"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def _link(body: str) -> str:
    return re.search(r"http://testserver(/\S+)", body).group(1)


def test_registration_creates_an_inactive_account_and_sends_the_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, "Teian@Example.jp")

    assert response.status_code == 302
    user = User.objects.get(email="teian@example.jp")
    assert not user.is_active
    notification = Notification.objects.get(recipient=user)
    assert notification.template == "account_verify" and not notification.listed
    assert "/accounts/verify/" in notification.body


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(client, django_capture_on_commit_callbacks):
    owner = UserFactory(email="owner@example.jp")

    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, "owner@example.jp")

    assert response.status_code == 302 and response["Location"] == reverse("accounts:register_sent")
    assert User.objects.filter(email="owner@example.jp").count() == 1
    assert Notification.objects.get(recipient=owner).template == "account_exists"


def test_verification_needs_a_post_and_then_signs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(client, "new@example.jp")
    link = _link(Notification.objects.get(template="account_verify").body)

    shown = client.get(link)
    assert shown.status_code == 200 and not User.objects.get(email="new@example.jp").is_active

    confirmed = client.post(link)
    assert confirmed["Location"] == reverse("mypage:profile")
    assert User.objects.get(email="new@example.jp").is_active
    assert client.post(link).status_code == 400  # used once


@pytest.mark.parametrize("link", ["/accounts/verify/zzz/abc/", "/accounts/verify/MQ/forged-token/"])
def test_a_broken_verification_link_gets_a_clear_page(client, link):
    response = client.get(link)

    assert response.status_code == 400
    assert "このリンクは有効期限が切れているか" in response.content.decode()


def test_weak_or_mismatched_passwords_are_refused(client):
    response = client.post(
        reverse("accounts:register"), {"email": "a@example.jp", "password1": "password", "password2": "passw0rd"}
    )

    body = response.content.decode()
    assert "パスワードが一致しません。" in body
    assert not User.objects.filter(email="a@example.jp").exists()


def test_sign_in_failure_does_not_tell_whether_the_account_exists(client):
    UserFactory(username="exists@example.jp", email="exists@example.jp")
    url = reverse("accounts:login")

    known = client.post(url, {"username": "exists@example.jp", "password": "wrong-password"}).content.decode()
    unknown = client.post(url, {"username": "nobody@example.jp", "password": "wrong-password"}).content.decode()

    message = "正しいユーザー名とパスワードを入力してください"
    assert message in known and message in unknown


def test_password_reset_answers_alike_and_mails_only_real_accounts(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="real@example.jp")
    url = reverse("accounts:password_reset")

    with django_capture_on_commit_callbacks(execute=True):
        real = client.post(url, {"email": "real@example.jp"})
        fake = client.post(url, {"email": "fake@example.jp"})

    assert real["Location"] == fake["Location"] == reverse("accounts:password_reset_done")
    assert list(Notification.objects.values_list("recipient", "template", "listed")) == [
        (user.pk, "password_reset", False)
    ]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["real@example.jp"]


def test_a_corporation_profile_needs_a_valid_corporate_number(client):
    user = UserFactory()
    client.force_login(user)
    data = {
        "kind": ProposerKind.CORPORATION,
        "name": "株式会社データ活用",
        "name_kana": "カブシキガイシャデータカツヨウ",
        "postal_code": "１００－０００１",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-0000-0000",
        "corporate_number": "1234567890123",
        "representative_title": "代表取締役",
        "representative_name": "代表 一郎",
        "officers-TOTAL_FORMS": "1",
        "officers-INITIAL_FORMS": "0",
        "officers-MIN_NUM_FORMS": "0",
        "officers-MAX_NUM_FORMS": "1000",
        "officers-0-title": "取締役",
        "officers-0-name": "役員 次郎",
        "officers-0-name_kana": "ヤクイン ジロウ",
        "officers-0-date_of_birth": "1975-06-15",
    }

    refused = client.post(reverse("mypage:profile"), data)
    assert "法人番号が正しくありません" in refused.content.decode()
    assert not Proposer.objects.exists()

    accepted = client.post(
        reverse("mypage:profile"), {**data, "corporate_number": f"{CORPORATE_NUMBER[:1]}-{CORPORATE_NUMBER[1:]}"}
    )
    assert accepted.status_code == 302
    proposer = Proposer.objects.get()
    assert (proposer.corporate_number, proposer.postal_code) == (CORPORATE_NUMBER, "100-0001")
    assert list(proposer.officers.values_list("name", flat=True)) == ["役員 次郎"]


def test_an_individual_profile_needs_a_date_of_birth(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("mypage:profile"),
        {
            "kind": ProposerKind.INDIVIDUAL,
            "name": "提案 花子",
            "name_kana": "テイアン ハナコ",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-0000-0000",
            "officers-TOTAL_FORMS": "0",
            "officers-INITIAL_FORMS": "0",
            "officers-MIN_NUM_FORMS": "0",
            "officers-MAX_NUM_FORMS": "1000",
        },
    )

    assert "個人の場合は生年月日を入力してください。" in response.content.decode()


def test_mypage_requires_signing_in(client):
    response = client.get(reverse("mypage:dashboard"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
