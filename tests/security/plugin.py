"""Pytest plugin: `client.force_login(staff)` gives a session verified by a TOTP device.

The admin asks staff for a second factor (seed 004 第11条); force_login skips the sign-in form, so this
stands in for entering the code. Load it for the whole suite from tests/conftest.py:

    pytest_plugins = ["tests.security.plugin"]
"""

import pytest
from django.test import Client

_force_login = Client.force_login


def _force_login_verified(self, user, backend=None):
    _force_login(self, user, backend)
    if user.is_staff:
        from tests.security.helpers import otp_verify_session

        otp_verify_session(self, user)


@pytest.fixture(autouse=True)
def staff_second_factor(monkeypatch):
    monkeypatch.setattr(Client, "force_login", _force_login_verified)
