import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from files_registry.enums import EligibilityCondition
from files_registry.services import entry_record_eligibility, entry_set_recorded_items
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db


def test_an_entry_cannot_be_opened_for_proposals_without_the_three_conditions():
    entry = RegisterEntryFactory(proposal_office="（名称）健康局健康課")
    entry_record_eligibility(entry=entry, condition=EligibilityCondition.REGISTERED, holds=True, actor=None)
    entry_record_eligibility(entry=entry, condition=EligibilityCondition.DISCLOSABLE, holds=True, actor=None)
    entry.open_for_proposals = True

    with pytest.raises(ValidationError, match="3要件"):
        entry.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_an_entry_meeting_all_three_conditions_can_be_opened(chief_manager):
    entry = RegisterEntryFactory(proposal_office="（名称）健康局健康課")
    for condition in EligibilityCondition:
        entry_record_eligibility(entry=entry, condition=condition, holds=True, actor=chief_manager)
    entry.open_for_proposals = True

    entry.full_clean()
    entry.save()

    entry.refresh_from_db()
    assert entry.open_for_proposals
    assert entry.eligibility_processable_by == chief_manager
    assert entry.eligibility_processable_at is not None


def test_withdrawing_a_condition_clears_who_and_when(chief_manager):
    entry = RegisterEntryFactory(eligible=True)

    entry_record_eligibility(entry=entry, condition=EligibilityCondition.DISCLOSABLE, holds=False, actor=chief_manager)

    assert (entry.eligibility_disclosable, entry.eligibility_disclosable_by, entry.eligibility_disclosable_at) == (
        False,
        None,
        None,
    )


def test_an_open_entry_needs_the_office_that_receives_proposals():
    entry = RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="")

    with pytest.raises(ValidationError) as error:
        entry.full_clean()

    assert "proposal_office" in error.value.message_dict


def test_recorded_items_keep_their_identity_when_reordered():
    entry = RegisterEntryFactory(items=["氏名", "住所", "電話番号"])
    ids = dict(entry.recorded_items.values_list("name", "pk"))

    changed = entry_set_recorded_items(entry=entry, names=["電話番号", "氏名", "性別"])

    assert changed
    assert list(entry.recorded_items.order_by("position").values_list("name", flat=True)) == [
        "電話番号",
        "氏名",
        "性別",
    ]
    assert entry.recorded_items.get(name="氏名").pk == ids["氏名"]
    assert not entry.recorded_items.filter(name="住所").exists()


def test_setting_the_same_items_again_changes_nothing():
    entry = RegisterEntryFactory(items=["氏名", "住所"])

    assert entry_set_recorded_items(entry=entry, names=["氏名", "住所"]) is False
