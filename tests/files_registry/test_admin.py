import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from files_registry.models import RegisterEntry
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db


def _form_data(entry: RegisterEntry, **overrides) -> dict:
    data = {
        "register_number": entry.register_number,
        "name": entry.name,
        "agency_name": entry.agency_name,
        "organization": entry.organization_id,
        "purpose": entry.purpose,
        "record_scope": entry.record_scope,
        "collection_method": entry.collection_method,
        "file_type": entry.file_type,
        "published": "on",
        "subject_count": entry.subject_count or "",
        "recorded_items-TOTAL_FORMS": "0",
        "recorded_items-INITIAL_FORMS": "0",
        "recorded_items-MIN_NUM_FORMS": "0",
        "recorded_items-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _change_url(entry: RegisterEntry) -> str:
    return reverse("admin:files_registry_registerentry_change", args=[entry.pk])


def test_confirming_the_conditions_records_who_and_when(client, chief_manager):
    entry = RegisterEntryFactory()
    client.force_login(chief_manager)

    response = client.post(
        _change_url(entry),
        _form_data(
            entry,
            eligibility_registered="on",
            eligibility_disclosable="on",
            eligibility_processable="on",
            open_for_proposals="on",
            proposal_office="（名称）健康局健康課",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry.refresh_from_db()
    assert entry.open_for_proposals
    assert (entry.eligibility_registered_by, entry.eligibility_disclosable_by) == (chief_manager, chief_manager)
    assert entry.eligibility_processable_at is not None


def test_opening_without_the_conditions_is_refused_with_a_message(client, chief_manager):
    entry = RegisterEntryFactory()
    client.force_login(chief_manager)

    response = client.post(
        _change_url(entry), _form_data(entry, open_for_proposals="on", proposal_office="（名称）健康局健康課")
    )

    assert response.status_code == 200
    assert "提案募集の3要件（①②③）がすべて確認されていないため" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.open_for_proposals


def test_changes_appear_in_the_history_with_the_staff_member(client, chief_manager):
    entry = RegisterEntryFactory(name="旧名称ファイル")
    client.force_login(chief_manager)

    client.post(_change_url(entry), _form_data(entry, name="新名称ファイル"))
    history = client.get(reverse("admin:files_registry_registerentry_history", args=[entry.pk]))

    assert entry.history.first().history_user == chief_manager
    assert entry.history.first().name == "新名称ファイル"
    assert chief_manager.username in history.content.decode()


def test_saving_in_the_admin_refreshes_the_search_text(client, chief_manager):
    entry = RegisterEntryFactory(name="旧名称ファイル")
    client.force_login(chief_manager)

    client.post(_change_url(entry), _form_data(entry, name="ＡＢＣ新名称ファイル"))

    entry.refresh_from_db()
    assert "abc新名称ファイル" in entry.search_text


def test_a_protection_manager_edits_only_their_organization(
    client, protection_manager, organization, other_organization
):
    own = RegisterEntryFactory(organization=organization)
    foreign = RegisterEntryFactory(organization=other_organization, name="他組織ファイル")
    client.force_login(protection_manager)

    assert client.post(_change_url(own), _form_data(own, name="更新済みファイル")).status_code == 302
    response = client.post(_change_url(foreign), _form_data(foreign, name="乗っ取り"))

    assert response.status_code == 403
    foreign.refresh_from_db()
    assert foreign.name == "他組織ファイル"


def test_an_audit_officer_can_read_but_not_change(client, audit_officer):
    entry = RegisterEntryFactory(name="監査対象ファイル")
    client.force_login(audit_officer)

    assert client.get(_change_url(entry)).status_code == 200
    assert client.post(_change_url(entry), _form_data(entry, name="改ざん")).status_code == 403
    assert client.get(reverse("admin:files_registry_registerentry_import")).status_code == 403


def test_admin_import_applies_a_good_file_and_reports_a_bad_one(client, chief_manager, organization):
    from tests.files_registry.test_import import _csv, _row

    client.force_login(chief_manager)
    url = reverse("admin:files_registry_registerentry_import")

    bad = client.post(url, {"file": SimpleUploadedFile("bad.csv", _csv([_row(要配慮個人情報="?")]))})
    good = client.post(url, {"file": SimpleUploadedFile("good.csv", _csv([_row()], encoding="cp932"))}, follow=True)

    assert "2行目「要配慮個人情報」" in bad.content.decode()
    assert "取込みが完了しました（新規 1件" in good.content.decode()
    assert RegisterEntry.objects.get().history.first().history_user == chief_manager


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(reverse("admin:files_registry_registerentry_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
