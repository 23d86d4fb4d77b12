"""Staff TOTP devices (seed 004 第11条: 認証機能 with a second factor for the staff who handle the data).

A staff account signs in to the admin with password + a 6-digit code from an authenticator app. A staff
account with no confirmed device (new, or reset with `manage.py reset_totp USERNAME` after a lost phone)
signs in with the password alone and can then open nothing but the enrolment page, which shows a fresh
secret as a QR code and confirms it with one code.
"""

import base64
import io
import secrets

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

ENROLMENT_DEVICE_NAME = "認証アプリ"


def confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def needs_enrolment(user) -> bool:
    return bool(user.is_staff) and not confirmed_devices(user).exists()


def enrolment_device(user) -> TOTPDevice:
    """The device waiting for `user`'s first code (created on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_devices_reset(*, user) -> int:
    """Remove every TOTP device of `user` (lost phone); returns how many.

    Side effect: at their next sign-in the admin asks for the password only and then shows nothing but
    the enrolment page. Their current sessions are no longer verified.
    """
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def totp_key_renew(*, device: TOTPDevice) -> TOTPDevice:
    """Give an unconfirmed device a fresh random key: each showing of the enrolment page shows a new
    secret, so one seen earlier (over a shoulder, in a screenshot) is worth nothing."""
    if device.confirmed:
        raise ValueError("A confirmed device keeps its key.")
    device.key = secrets.token_hex(20)
    device.save(update_fields=["key"])
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (img-src allows data:, no inline script)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@transaction.atomic
def totp_enrolment_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm `device` with the user's first code; False (and nothing changed) on a wrong code."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def totp_device_provision(*, user, key_hex: str, name: str = ENROLMENT_DEVICE_NAME) -> TOTPDevice:
    """A confirmed device with a given key (demo accounts only: `seed_demo` prints the secret)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=name, key=key_hex, confirmed=True)


def totp_current_code(key_hex: str) -> str:
    """The code an authenticator shows now for `key_hex` (demo and tests)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=0)
    return f"{totp.token():06d}"
