import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import env


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("On", True), ("false", False), ("0", False), ("no", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("PORTAL_TEST_FLAG", raw)

    assert env.env_bool("PORTAL_TEST_FLAG") == expected


def test_env_bool_refuses_an_unknown_value(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_FLAG"):
        env.env_bool("PORTAL_TEST_FLAG")


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env.env_int("PORTAL_TEST_NUMBER")

    monkeypatch.setenv("PORTAL_TEST_NUMBER", "3")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env.env_int("PORTAL_TEST_NUMBER", minimum=5)


def test_env_str_requires_a_variable_without_default(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_MISSING", raising=False)

    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_MISSING is required"):
        env.env_str("PORTAL_TEST_MISSING")


def test_database_url_with_an_unknown_scheme_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "oracle-ish://nowhere")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.env_parsed("DATABASE_URL", env.database_config)


def _import_settings(**overrides) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PORTAL_", "DATABASE_"))
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"], env=environment, capture_output=True, text=True
    )


def test_settings_stop_at_start_up_on_a_bad_value():
    result = _import_settings(DJANGO_DEBUG="perhaps", DJANGO_SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_settings_require_a_secret_key_without_debug():
    result = _import_settings(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="portal.example.go.jp")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_settings_use_japanese_and_tokyo_time(settings):
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ) == ("ja", "Asia/Tokyo", True)
