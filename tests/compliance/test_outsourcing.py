"""Outsourcing (委託, seed 004 第26条): the contract items, 有効, re-contracting, yearly inspections, who sees what."""

import datetime
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.compliance import services, workflow
from portal.compliance.enums import Clause, InspectionMethod, InspectionResult, OutsourcingStatus
from portal.compliance.models import Outsourcing, OutsourcingClause, OutsourcingTransition, Subcontracting
from portal.compliance.selectors import (
    fiscal_year_range,
    outsourcings_for_user,
    outsourcings_without_inspection,
)
from portal.jdates import fiscal_year
from tests.factories.accounts import staff_user
from tests.factories.compliance import clauses_check_all, outsourcing_active, outsourcing_created
from tests.factories.proposals import CORPORATE_NUMBER

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
THIS_YEAR = lambda: fiscal_year(TODAY())  # noqa: E731


def _inspect(outsourcing, actor, on=None):
    return services.inspection_record(
        outsourcing=outsourcing,
        actor=actor,
        inspected_on=on or TODAY(),
        method=InspectionMethod.ON_SITE,
        inspector="検査 一郎",
        findings="管理簿と保管庫を確認した。",
        result=InspectionResult.ADEQUATE,
    )


# --- the contract items of 第26条第1項 ---


def test_outsourcing_create_has_the_eight_items_unchecked(chief_manager):
    outsourcing = outsourcing_created(chief_manager)

    clauses = list(outsourcing.clauses.order_by("id"))
    assert [c.clause for c in clauses] == list(Clause.values)
    assert (clauses[0].item_number, clauses[-1].item_number) == ("第26条第1項第1号", "第26条第1項第8号")
    assert not any(c.checked for c in clauses)
    assert outsourcing.status == OutsourcingStatus.PREPARING


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"corporate_number": "1234567890123"}, "法人番号"),
        ({"period_end": datetime.date(2000, 1, 1), "period_start": datetime.date(2001, 1, 1)}, "委託期間"),
        ({"name": ""}, "委託先の名称: "),
    ],
)
def test_outsourcing_create_bad_input_is_refused_and_nothing_saved(chief_manager, fields, message):
    with pytest.raises(services.ComplianceError, match=message):
        outsourcing_created(chief_manager, **fields)

    assert Outsourcing.objects.count() == 0
    assert OutsourcingClause.objects.count() == 0


def test_outsourcing_create_accepts_full_width_corporate_number(chief_manager):
    full_width = CORPORATE_NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    outsourcing = outsourcing_created(chief_manager, corporate_number=full_width)

    assert outsourcing.corporate_number == CORPORATE_NUMBER


def test_clause_set_records_who_and_when(protection_manager, organization):
    outsourcing = outsourcing_created(protection_manager, organization=organization)
    clause = outsourcing.clauses.get(clause=Clause.CONFIDENTIALITY)

    checked = services.clause_set(clause=clause, actor=protection_manager, checked=True, location="第3条")

    assert (checked.checked, checked.location, checked.checked_by) == (True, "第3条", protection_manager)
    assert checked.checked_at is not None


@pytest.mark.parametrize("missing", list(Clause))
def test_outsourcing_cannot_be_active_while_any_clause_is_unchecked(chief_manager, missing):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager, but=(missing,))

    with pytest.raises(services.ComplianceError, match="第26条第1項第"):
        services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    outsourcing.refresh_from_db()
    assert outsourcing.status == OutsourcingStatus.PREPARING


def test_outsourcing_active_when_every_clause_is_checked(chief_manager):
    outsourcing = outsourcing_active(chief_manager)

    assert list(outsourcing.transitions.values_list("from_status", "to_status")) == [
        (OutsourcingStatus.PREPARING, OutsourcingStatus.ACTIVE)
    ]


def test_clause_check_cannot_be_withdrawn_once_active(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    clause = outsourcing.clauses.first()

    with pytest.raises(services.ComplianceError, match="取り消せません"):
        services.clause_set(clause=clause, actor=chief_manager, checked=False)

    clause.refresh_from_db()
    assert clause.checked is True


ALL_MOVES = list(itertools.product(OutsourcingStatus.values, repeat=2))


@pytest.mark.parametrize("from_status, to_status", ALL_MOVES)
def test_outsourcing_transition_table(chief_manager, from_status, to_status):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager)
    Outsourcing.objects.filter(pk=outsourcing.pk).update(status=from_status)
    outsourcing.refresh_from_db()
    allowed = (from_status, to_status) in workflow.OUTSOURCING_MOVES

    with transaction.atomic():
        if allowed:
            workflow.outsourcing_transition(outsourcing, to_status, actor=chief_manager)
        else:
            with pytest.raises(workflow.OutsourcingTransitionError):
                workflow.outsourcing_transition(outsourcing, to_status, actor=chief_manager)

    outsourcing.refresh_from_db()
    logs = OutsourcingTransition.objects.filter(outsourcing=outsourcing)
    assert outsourcing.status == (to_status if allowed else from_status)
    assert logs.count() == (1 if allowed else 0)


# --- re-contracting (再委託, 第26条第1項第2号・第5項) ---


def _approve(outsourcing, actor, **fields):
    values = {
        "subcontractor": "試験子会社株式会社",
        "scope": "加工結果の検証作業",
        "approved_on": TODAY(),
        "is_subsidiary": True,
        **fields,
    }
    return services.subcontracting_approve(outsourcing=outsourcing, actor=actor, **values)


def test_subcontracting_refused_while_the_parent_contract_lacks_clauses(chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager, but=(Clause.SUBCONTRACTING,))

    with pytest.raises(services.ComplianceError, match="第26条第1項第2号"):
        _approve(outsourcing, chief_manager)

    assert Subcontracting.objects.count() == 0


def test_subcontracting_approved_with_who_and_when(protection_manager, organization):
    outsourcing = outsourcing_active(protection_manager, organization=organization)

    approval = _approve(outsourcing, protection_manager, corporate_number=CORPORATE_NUMBER)

    assert (approval.approved_by, approval.approved_on, approval.is_subsidiary) == (
        protection_manager,
        TODAY(),
        True,
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"scope": ""}, "再委託する業務の範囲"),
        ({"corporate_number": "1111111111111"}, "法人番号"),
        ({"approved_on": datetime.date(2999, 1, 1)}, "未来"),
    ],
)
def test_subcontracting_bad_input_is_refused(chief_manager, fields, message):
    outsourcing = outsourcing_active(chief_manager)

    with pytest.raises(services.ComplianceError, match=message):
        _approve(outsourcing, chief_manager, **fields)

    assert Subcontracting.objects.count() == 0


def test_subcontracting_refused_once_ended(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ENDED, actor=chief_manager)

    with pytest.raises(services.ComplianceError, match="終了した委託"):
        _approve(outsourcing, chief_manager)


# --- yearly inspections (第26条第4項) ---


def test_outsourcings_without_inspection_lists_active_ones_not_inspected_this_year(chief_manager):
    inspected = outsourcing_active(chief_manager, name="検査済み株式会社")
    _inspect(inspected, chief_manager)
    last_year_only = outsourcing_active(chief_manager, name="昨年度のみ株式会社")
    _inspect(last_year_only, chief_manager, on=fiscal_year_range(THIS_YEAR() - 1)[1])
    outsourcing_created(chief_manager, name="準備中株式会社")
    never = outsourcing_active(chief_manager, name="未検査株式会社")

    missing = outsourcings_without_inspection(THIS_YEAR())

    assert set(missing) == {last_year_only, never}


def test_outsourcings_without_inspection_ignores_a_period_outside_the_year(chief_manager):
    first, _ = fiscal_year_range(THIS_YEAR())
    outsourcing_active(
        chief_manager, period_start=first - datetime.timedelta(days=400), period_end=first - datetime.timedelta(days=1)
    )

    assert list(outsourcings_without_inspection(THIS_YEAR())) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"inspected_on": datetime.date(2999, 4, 1)}, "未来"),
        ({"findings": " "}, "所見"),
        ({"result": "excellent"}, "検査の結果"),
        ({"inspected_on": None}, "検査日"),
    ],
)
def test_inspection_bad_input_is_refused(chief_manager, fields, message):
    outsourcing = outsourcing_active(chief_manager)
    values = {
        "inspected_on": TODAY(),
        "method": InspectionMethod.DOCUMENTS,
        "inspector": "検査 一郎",
        "findings": "所見",
        "result": InspectionResult.ADEQUATE,
        **fields,
    }

    with pytest.raises(services.ComplianceError, match=message):
        services.inspection_record(outsourcing=outsourcing, actor=chief_manager, **values)

    assert outsourcing.inspections.count() == 0


def test_inspection_refused_for_the_audit_officer(chief_manager, audit_officer):
    outsourcing = outsourcing_active(chief_manager)

    with pytest.raises(services.ComplianceError, match="権限"):
        _inspect(outsourcing, audit_officer)


# --- who sees and records which outsourcings ---


def test_outsourcings_for_user_limits_protection_managers_to_their_organization(
    chief_manager, protection_manager, audit_officer, organization, other_organization
):
    own = outsourcing_created(chief_manager, organization=organization)
    other = outsourcing_created(chief_manager, organization=other_organization)
    unassigned = outsourcing_created(chief_manager)

    assert set(outsourcings_for_user(protection_manager)) == {own, unassigned}
    assert set(outsourcings_for_user(chief_manager)) == {own, other, unassigned}
    assert set(outsourcings_for_user(audit_officer)) == {own, other, unassigned}
    assert list(outsourcings_for_user(staff_user(StaffRole.PROTECTION_OFFICER, organization=organization))) == []


def test_protection_manager_cannot_record_for_another_organization(protection_manager, other_organization):
    with pytest.raises(services.ComplianceError, match="この組織"):
        outsourcing_created(protection_manager, organization=other_organization)

    assert Outsourcing.objects.count() == 0


def test_protection_manager_cannot_check_clauses_of_another_organization(
    chief_manager, protection_manager, other_organization
):
    outsourcing = outsourcing_created(chief_manager, organization=other_organization)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.clause_set(clause=outsourcing.clauses.first(), actor=protection_manager, checked=True)


def test_outsourcing_history_is_kept(chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    outsourcing.work = "変更後の業務"
    services.outsourcing_save(outsourcing=outsourcing, actor=chief_manager)

    assert [h.work for h in outsourcing.history.order_by("history_date")][-1] == "変更後の業務"
    assert outsourcing.history.count() == 2
