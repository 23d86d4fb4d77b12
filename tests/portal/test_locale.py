"""locale/ja: Japanese for the libraries that ship none, compiled and in use."""

import gettext
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.screening import staff_login

CATALOGUE = settings.BASE_DIR / "locale" / "ja" / "LC_MESSAGES"


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    # A .po edited without recompiling would leave the pages in the old words.
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (Debian gettext) is needed: scripts/setup.sh test installs it"
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(fresh), str(CATALOGUE / "django.po")], check=True)  # noqa: S603

    with (CATALOGUE / "django.mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["accessattempt", "accessfailurelog", "accesslog"])
def test_the_sign_in_attempt_pages_speak_japanese(client, model):
    # django-axes' pages (the superuser's, for set-up and unlocking): app, models, columns, date filter.
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))

    text = _visible_text(client.get(reverse(f"admin:axes_{model}_changelist")).content.decode())

    assert "サインインの試行とロックアウト" in text
    assert "で絞り込み" in text
    english = ("Axes", "Access attempt", "Access failure", "Access log", "Attempt Time", "Filter by", "Path")
    assert [word for word in english if word.lower() in text.lower()] == []
