"""The admin's change history pages (django-simple-history) speak Japanese and are read-only."""

import pytest
from django.urls import reverse

from files_registry.models import RegisterEntry
from tests.factories.registry import RegisterEntryFactory
from tests.factories.screening import staff_login

ENGLISH = ("Changed by", "Change reason", "Changes", "Comment", "Object", "Choose a date", "Revert", "entries")


@pytest.fixture
def changed_entry(protection_manager):
    entry = RegisterEntryFactory(organization=protection_manager.organization)
    entry.name = "変更後の名称"
    entry.save()
    return entry


@pytest.mark.django_db
def test_the_history_page_speaks_japanese(client, protection_manager, changed_entry):
    staff_login(client, protection_manager)

    page = client.get(reverse("admin:files_registry_registerentry_history", args=[changed_entry.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    for heading in ("変更履歴: ", "対象", "変更者", "変更の理由", "変更内容", "作成", "変更", "2 件"):
        assert heading in text
    assert [word for word in ENGLISH if word in text] == []


@pytest.mark.django_db
def test_an_old_version_is_shown_and_cannot_be_posted_back(client, protection_manager, changed_entry):
    staff_login(client, protection_manager)
    first = changed_entry.history.earliest("history_date")
    url = reverse("admin:files_registry_registerentry_simple_history", args=[changed_entry.pk, first.history_id])

    page = client.get(url)
    refused = client.post(url, {"name": first.name, "register_number": first.register_number})

    assert page.status_code == 200
    assert f"{first.name}" in page.content.decode()
    assert "元に戻す" not in page.content.decode()
    assert refused.status_code == 405
    assert RegisterEntry.objects.get(pk=changed_entry.pk).name == "変更後の名称"
