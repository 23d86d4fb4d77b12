import pytest
from django.core.management import call_command

from files_registry.models import RegisterEntry
from portal.accounts.models import User
from proposals.models import ProposalCall, Proposer

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_register_and_staff_and_is_idempotent():
    call_command("seed_demo")
    first = (RegisterEntry.objects.count(), User.objects.count())
    call_command("seed_demo")

    assert (RegisterEntry.objects.count(), User.objects.count()) == first
    assert first[0] >= 51
    sample = RegisterEntry.objects.get(name="個人情報保護取扱主任者受験者ファイル")
    assert list(sample.recorded_items.values_list("name", flat=True)) == [
        "受験年度",
        "受験番号",
        "氏名",
        "生年月日",
        "性別",
        "住所",
        "電話番号",
        "合否の別",
        "合格順位",
        "得点",
    ]
    assert sample.open_for_proposals and sample.dataset_summaries.count() == 1
    assert RegisterEntry.objects.filter(open_for_proposals=True).count() >= 5
    assert RegisterEntry.objects.values("organization").distinct().count() >= 5
    assert User.objects.get(username="pmanager").has_perm("accounts.manage_files", sample.organization) is False
    call = ProposalCall.objects.get()
    assert call.is_open() and set(call.entries.all()) == set(RegisterEntry.objects.filter(open_for_proposals=True))
    assert Proposer.objects.count() == 2


def test_seed_demo_gives_one_entry_a_source_file_and_a_processing_standard_once():
    from anonymizer.plans import plan_for_request
    from tests.factories.anonymizer import request_for

    call_command("seed_demo")
    call_command("seed_demo")

    entry = RegisterEntry.objects.get(register_number="DEMO-ANON")
    assert entry.source_files.count() == 1
    assert entry.open_for_proposals and entry.processing_profile is not None
    assert plan_for_request(entry, request_for(entry)).plan["columns"]
    assert User.objects.get(username="pmanager").has_perm("accounts.manage_files", entry.organization)
