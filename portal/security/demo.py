"""Demo staff sign in with a known TOTP secret (`manage.py seed_demo` only; never for real accounts)."""

from portal.security.totp import totp_device_provision, totp_secret_base32

# One key for every demo staff account, so a single authenticator entry serves the whole demo.
DEMO_TOTP_KEY_HEX = "a3f1c2d4e5b6978812ab34cd56ef7890a1b2c3d4"


def demo_staff_totp(users) -> str:
    """Give each of `users` a confirmed TOTP device with the demo key; returns the base32 secret to print."""
    device = None
    for user in users:
        device = totp_device_provision(user=user, key_hex=DEMO_TOTP_KEY_HEX)
    return totp_secret_base32(device) if device is not None else ""
