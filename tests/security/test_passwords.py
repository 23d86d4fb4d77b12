"""Passwords against common and breached lists (seed 004 第11条2項 パスワード等の管理)."""

import hashlib

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from portal.security.passwords import BreachedPasswordValidator


def _mirror(tmp_path, *passwords):
    """A tiny offline Pwned Passwords mirror in the downloader's layout: PREFIX.txt with SUFFIX:COUNT."""
    for password in passwords:
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        with (tmp_path / f"{digest[:5]}.txt").open("a") as file:
            file.write(f"0000000000000000000000000000000000A:3\n{digest[5:]}:42\n")
    return tmp_path


def test_common_passwords_are_refused_by_default():
    with pytest.raises(ValidationError) as error:
        validate_password("password1234")

    assert "password_too_common" in [e.code for e in error.value.error_list]


def test_a_breached_password_is_refused_offline(tmp_path):
    validator = BreachedPasswordValidator(_mirror(tmp_path, "Kasumigaseki-2024!"))

    with pytest.raises(ValidationError) as error:
        validator.validate("Kasumigaseki-2024!")

    assert error.value.code == "password_breached"
    assert validator.sightings("Kasumigaseki-2024!") == 42


def test_an_unseen_password_passes(tmp_path):
    validator = BreachedPasswordValidator(_mirror(tmp_path, "Kasumigaseki-2024!"))

    validator.validate("an unseen long passphrase 7f3a")

    assert validator.sightings("an unseen long passphrase 7f3a") == 0


def test_the_validator_plugs_into_the_password_settings(tmp_path):
    mirror = _mirror(tmp_path, "Kasumigaseki-2024!")
    validators = [{"NAME": "portal.security.passwords.BreachedPasswordValidator", "OPTIONS": {"hashes_dir": mirror}}]

    with override_settings(AUTH_PASSWORD_VALIDATORS=validators), pytest.raises(ValidationError):
        validate_password("Kasumigaseki-2024!")


def test_a_missing_mirror_fails_loudly(tmp_path):
    with pytest.raises(ImproperlyConfigured):
        BreachedPasswordValidator(tmp_path / "absent")
