"""Headers and cookies (seed 004 第21条): production settings in a subprocess, no-store on restricted pages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

_PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
out = {name: getattr(settings, name) for name in (
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT")}
with override_settings(STORAGES=storages):
    pages = {}
    for path in ("/accounts/login/", "/admin/login/"):
        response = Client().get(path, secure=True)
        cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
        pages[path] = {
            "status": response.status_code,
            "hsts": response.get("Strict-Transport-Security", ""),
            "csp": response.get("Content-Security-Policy", ""),
            "cache": response.get("Cache-Control", ""),
            "cookie": {key: cookie[key] for key in ("secure", "httponly", "samesite", "path")} if cookie else None,
            "inline_script": "<script>" in response.content.decode() or " on" + "click=" in response.content.decode(),
        }
    out["pages"] = pages
    out["http"] = Client().get("/accounts/login/").status_code
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    data = tmp_path_factory.mktemp("production")
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PORTAL_"))},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": "production-probe-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "PORTAL_HTTPS": "true",
        "PORTAL_MASTER_KEYS": os.environ["PORTAL_MASTER_KEYS"],
        "PORTAL_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'probe.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cookies_are_host_prefixed_secure_httponly_and_samesite(production):
    assert (production["SESSION_COOKIE_NAME"], production["CSRF_COOKIE_NAME"]) == (
        "__Host-sessionid",
        "__Host-csrftoken",
    )
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["CSRF_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] == production["CSRF_COOKIE_SAMESITE"] == "Lax"
    cookie = production["pages"]["/accounts/login/"]["cookie"]
    assert (bool(cookie["secure"]), bool(cookie["httponly"]), cookie["samesite"], cookie["path"]) == (
        True,
        True,
        "Lax",
        "/",
    )


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_hsts_csp_and_no_store_in_production(production, path):
    page = production["pages"][path]

    assert page["status"] == 200
    assert "max-age=63072000" in page["hsts"] and "includeSubDomains" in page["hsts"]
    assert "script-src 'self'" in page["csp"] and "unsafe-inline" not in page["csp"]
    assert "no-store" in page["cache"]
    assert page["inline_script"] is False


def test_plain_http_is_redirected_to_https(production):
    assert production["http"] == 301


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/admin/login/", "/accounts/login/", "/accounts/register/", "/accounts/password-reset/"]
)
def test_restricted_pages_are_not_stored(client, url):
    assert "no-store" in client.get(url)["Cache-Control"]


@pytest.mark.django_db
def test_signed_in_pages_are_not_stored_and_public_ones_may_be(client, proposer):
    anonymous_home = client.get(reverse("home"))
    client.force_login(proposer.user)

    assert "no-store" in client.get(reverse("mypage:dashboard"))["Cache-Control"]
    assert "no-store" in client.get(reverse("home"))["Cache-Control"]
    assert "no-store" not in anonymous_home.get("Cache-Control", "")


def test_no_url_pattern_carries_a_secret_except_the_mailed_one_time_links():
    """Tokens appear in URLs only in the e-mailed links (account verification, password reset)."""
    from django.urls import get_resolver

    from tests.security.test_authorization_matrix import walk

    with_token = sorted(name for route, name in walk(get_resolver().url_patterns) if "token" in route)

    assert with_token == ["accounts:password_reset_confirm", "accounts:verify"]
