"""Sign-in helpers for tests that need a staff session past the second factor."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def staff_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device (created with TEST_TOTP_KEY if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", key=TEST_TOTP_KEY, confirmed=True)


def otp_verify_session(client, user) -> None:
    """Mark the client's (signed-in) session as verified by the user's device, as the login form does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff_device(user).persistent_id
    session.save()
