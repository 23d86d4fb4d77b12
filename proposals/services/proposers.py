"""Proposer accounts: registration with e-mail verification, profile and officers.

No account enumeration: registering an address that already has an account looks the same to the
person registering (a message is sent to that address instead), and sign-in and password reset
answer alike whether or not the account exists.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.accounts.models import User
from portal.notifications import notify
from proposals.models import Proposer


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """A link that works until the account is activated (is_active is part of the hash)."""

    key_salt = "proposals.email-verification"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{user.email}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


@transaction.atomic
def account_register(*, email: str, password: str, request) -> None:
    """Create an inactive account and send its verification link, or, if the address is taken,
    tell that address's owner (the caller shows the same page either way)."""
    email = User.objects.normalize_email(email).lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        notify(
            user=existing,
            template="account_exists",
            context={
                "login_url": _absolute(request, reverse("accounts:login")),
                "reset_url": _absolute(request, reverse("accounts:password_reset")),
            },
            listed=False,
        )
        return
    user = User(username=email, email=email, is_active=False)
    user.set_password(password)
    user.save()
    link = reverse(
        "accounts:verify",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_verification_token.make_token(user),
        },
    )
    notify(user=user, template="account_verify", context={"verify_url": _absolute(request, link)}, listed=False)


@transaction.atomic
def account_verify(*, user: User, token: str) -> bool:
    """Activate the account if the token is valid; False otherwise (expired, used or forged)."""
    if user.is_active or not email_verification_token.check_token(user, token):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    return True


@transaction.atomic
def proposer_save(*, user: User, form, officers_formset=None) -> Proposer:
    """Create or update the proposer profile of `user` with its officers (役員, 法113条6号)."""
    proposer = form.save(commit=False)
    proposer.user = user
    proposer._history_user = user
    proposer.full_clean()
    proposer.save()
    if officers_formset is not None:
        officers_formset.instance = proposer
        officers_formset.save()
    return proposer
