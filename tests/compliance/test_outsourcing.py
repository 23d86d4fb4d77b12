"""Outsourcing (委託, seed 004 第26条): the contract items, 有効, re-contracting, yearly inspections, who sees what."""

import datetime
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.compliance import services, workflow
from portal.compliance.enums import (
    CLAUSE_ITEM_NUMBERS,
    CLAUSES_OF_OUTSOURCING,
    Clause,
    InspectionMethod,
    InspectionResult,
    OutsourcingKind,
    OutsourcingStatus,
    SubcontractingStatus,
)
from portal.compliance.models import (
    Outsourcing,
    OutsourcingClause,
    OutsourcingTransition,
    Subcontracting,
    SubcontractingClause,
    SubcontractingTransition,
)
from portal.compliance.selectors import (
    fiscal_year_range,
    outsourcings_for_user,
    outsourcings_without_inspection,
    subcontractings_without_inspection,
)
from portal.jdates import fiscal_year
from tests.factories.accounts import staff_user
from tests.factories.compliance import (
    clauses_check_all,
    outsourcing_active,
    outsourcing_created,
    subcontracting_active,
    subcontracting_approved,
)
from tests.factories.proposals import CORPORATE_NUMBER

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
THIS_YEAR = lambda: fiscal_year(TODAY())  # noqa: E731


def _inspect(outsourcing, actor, on=None, subcontracting=None):
    return services.outsourcing_inspection_record(
        outsourcing=outsourcing,
        subcontracting=subcontracting,
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
    assert [c.clause for c in clauses] == list(CLAUSES_OF_OUTSOURCING)
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


@pytest.mark.parametrize("missing", CLAUSES_OF_OUTSOURCING)
def test_outsourcing_cannot_be_active_while_any_clause_is_unchecked(chief_manager, missing):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager, but=(missing,))

    with pytest.raises(services.ComplianceError) as refused:
        services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    assert str(refused.value) == (
        f"次の記録がないため有効にできません：契約書に明記すべき事項（{CLAUSE_ITEM_NUMBERS[missing]}）の確認。"
    )

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


_approve = subcontracting_approved


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
        services.outsourcing_inspection_record(outsourcing=outsourcing, actor=chief_manager, **values)

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


# --- the prior report to the managers (第26条第3項) ---


def test_outsourcing_cannot_be_active_without_the_prior_report(chief_manager):
    outsourcing = outsourcing_created(chief_manager, reported_to_managers_on=None)
    clauses_check_all(outsourcing, chief_manager)

    with pytest.raises(services.ComplianceError) as refused:
        services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    assert str(refused.value) == (
        "次の記録がないため有効にできません：研究所等管理者及び総括管理者への事前の報告日（第26条第3項）。"
    )
    outsourcing.refresh_from_db()
    assert outsourcing.status == OutsourcingStatus.PREPARING
    assert not OutsourcingTransition.objects.filter(outsourcing=outsourcing).exists()


def test_outsourcing_active_once_the_prior_report_is_recorded(chief_manager):
    outsourcing = outsourcing_created(chief_manager, reported_to_managers_on=None)
    clauses_check_all(outsourcing, chief_manager)
    outsourcing.reported_to_managers_on = TODAY()
    services.outsourcing_save(outsourcing=outsourcing, actor=chief_manager)

    moved = services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    assert moved.status == OutsourcingStatus.ACTIVE


def test_outsourcing_prior_report_in_the_future_is_refused(chief_manager):
    with pytest.raises(services.ComplianceError, match="事前の報告日に未来の日付"):
        outsourcing_created(chief_manager, reported_to_managers_on=TODAY() + datetime.timedelta(days=1))

    assert Outsourcing.objects.count() == 0


# --- worker dispatch (派遣, 第26条第6項) ---


def test_dispatch_has_the_one_item_of_the_worker_dispatch_contract(chief_manager):
    dispatch = outsourcing_created(chief_manager, kind=OutsourcingKind.DISPATCH)

    assert [(c.clause, c.item_number) for c in dispatch.clauses.all()] == [(Clause.DISPATCH_TERMS, "第26条第6項")]


def test_dispatch_cannot_be_active_until_the_dispatch_contract_item_is_checked(chief_manager):
    dispatch = outsourcing_created(chief_manager, kind=OutsourcingKind.DISPATCH, reported_to_managers_on=None)

    with pytest.raises(services.ComplianceError, match="第26条第6項"):
        services.outsourcing_move(outsourcing=dispatch, to=OutsourcingStatus.ACTIVE, actor=chief_manager)
    clauses_check_all(dispatch, chief_manager)
    # 第26条第3項 speaks of outsourcing only: no prior report is asked for worker dispatch.
    moved = services.outsourcing_move(outsourcing=dispatch, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    assert moved.status == OutsourcingStatus.ACTIVE


def test_dispatch_takes_no_subcontracting_and_needs_no_yearly_inspection(chief_manager):
    dispatch = outsourcing_created(chief_manager, kind=OutsourcingKind.DISPATCH)
    clauses_check_all(dispatch, chief_manager)
    services.outsourcing_move(outsourcing=dispatch, to=OutsourcingStatus.ACTIVE, actor=chief_manager)

    with pytest.raises(services.ComplianceError, match="派遣労働者による業務について再委託"):
        _approve(dispatch, chief_manager)
    assert list(outsourcings_without_inspection(THIS_YEAR())) == []


def test_the_kind_cannot_change_once_recorded(chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    outsourcing.kind = OutsourcingKind.DISPATCH

    with pytest.raises(services.ComplianceError, match="区分は登録後に変更できません"):
        services.outsourcing_save(outsourcing=outsourcing, actor=chief_manager)

    assert Outsourcing.objects.get().kind == OutsourcingKind.OUTSOURCING


def test_an_edit_never_writes_back_a_status_read_before_a_move(chief_manager):
    stale = outsourcing_active(chief_manager)
    services.outsourcing_move(
        outsourcing=Outsourcing.objects.get(pk=stale.pk), to=OutsourcingStatus.ENDED, actor=chief_manager
    )
    stale.notes = "古い画面からの編集"

    with pytest.raises(services.ComplianceError, match="終了した委託は変更できません"):
        services.outsourcing_save(outsourcing=stale, actor=chief_manager)

    assert Outsourcing.objects.get().status == OutsourcingStatus.ENDED


# --- the subcontract's own items and status (第26条第5項) ---


def test_subcontracting_approved_gets_the_eight_items_of_its_own_contract(chief_manager):
    subcontracting = _approve(outsourcing_active(chief_manager), chief_manager)

    assert subcontracting.status == SubcontractingStatus.APPROVED
    assert [c.clause for c in subcontracting.clauses.order_by("id")] == list(CLAUSES_OF_OUTSOURCING)
    assert not subcontracting.clauses.filter(checked=True).exists()


@pytest.mark.parametrize("missing", CLAUSES_OF_OUTSOURCING)
def test_subcontracting_cannot_be_active_while_any_item_of_its_contract_is_unchecked(chief_manager, missing):
    subcontracting = _approve(outsourcing_active(chief_manager), chief_manager)
    clauses_check_all(subcontracting, chief_manager, but=(missing,))

    with pytest.raises(services.ComplianceError, match=CLAUSE_ITEM_NUMBERS[missing]):
        services.subcontracting_move(subcontracting=subcontracting, to=SubcontractingStatus.ACTIVE, actor=chief_manager)

    subcontracting.refresh_from_db()
    assert subcontracting.status == SubcontractingStatus.APPROVED


def test_subcontracting_cannot_be_active_while_the_outsourcing_is_not(chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager)
    subcontracting = _approve(outsourcing, chief_manager)
    clauses_check_all(subcontracting, chief_manager)

    with pytest.raises(services.ComplianceError, match="委託が有効でないため"):
        services.subcontracting_move(subcontracting=subcontracting, to=SubcontractingStatus.ACTIVE, actor=chief_manager)


def test_subcontract_item_checks_are_kept_apart_from_the_outsourcing(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    subcontracting = _approve(outsourcing, chief_manager)
    clause = subcontracting.clauses.get(clause=Clause.SAFETY)

    checked = services.clause_set(clause=clause, actor=chief_manager, checked=True, location="再委託契約第4条")

    assert isinstance(checked, SubcontractingClause)
    assert (checked.checked, checked.location, checked.checked_by) == (True, "再委託契約第4条", chief_manager)
    assert workflow.clauses_unchecked(outsourcing) == []
    assert len(workflow.clauses_unchecked(subcontracting)) == 7


def test_subcontract_item_check_cannot_be_withdrawn_once_active(chief_manager):
    subcontracting = subcontracting_active(outsourcing_active(chief_manager), chief_manager)

    with pytest.raises(services.ComplianceError, match="取り消せません"):
        services.clause_set(clause=subcontracting.clauses.first(), actor=chief_manager, checked=False)


def test_subcontract_item_refused_for_a_manager_of_another_organization(
    chief_manager, protection_manager, other_organization
):
    subcontracting = _approve(outsourcing_active(chief_manager, organization=other_organization), chief_manager)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.clause_set(clause=subcontracting.clauses.first(), actor=protection_manager, checked=True)


SUBCONTRACTING_MOVES = list(itertools.product(SubcontractingStatus.values, repeat=2))


@pytest.mark.parametrize("from_status, to_status", SUBCONTRACTING_MOVES)
def test_subcontracting_transition_table(chief_manager, from_status, to_status):
    subcontracting = _approve(outsourcing_active(chief_manager), chief_manager)
    clauses_check_all(subcontracting, chief_manager)
    Subcontracting.objects.filter(pk=subcontracting.pk).update(status=from_status)
    subcontracting.refresh_from_db()
    allowed = (from_status, to_status) in workflow.SUBCONTRACTING_MOVES

    with transaction.atomic():
        if allowed:
            workflow.subcontracting_transition(subcontracting, to_status, actor=chief_manager)
        else:
            with pytest.raises(workflow.OutsourcingTransitionError):
                workflow.subcontracting_transition(subcontracting, to_status, actor=chief_manager)

    subcontracting.refresh_from_db()
    logs = SubcontractingTransition.objects.filter(subcontracting=subcontracting)
    assert subcontracting.status == (to_status if allowed else from_status)
    assert logs.count() == (1 if allowed else 0)


def test_ending_the_outsourcing_ends_its_subcontractings(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    active = subcontracting_active(outsourcing, chief_manager, subcontractor="有効株式会社")
    approved = _approve(outsourcing, chief_manager, subcontractor="承認済み株式会社")

    services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ENDED, actor=chief_manager)

    for subcontracting in (active, approved):
        subcontracting.refresh_from_db()
        assert subcontracting.status == SubcontractingStatus.ENDED
        assert subcontracting.transitions.last().reason == "委託の終了に伴う終了"


# --- inspections of subcontractors (第26条第5項・第4項) ---


def test_an_active_subcontractor_not_inspected_keeps_the_outsourcing_on_the_list(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    _inspect(outsourcing, chief_manager)
    subcontracting = subcontracting_active(outsourcing, chief_manager)

    assert list(outsourcings_without_inspection(THIS_YEAR())) == [outsourcing]
    assert list(subcontractings_without_inspection(THIS_YEAR())) == [subcontracting]

    _inspect(outsourcing, chief_manager, subcontracting=subcontracting)

    assert list(outsourcings_without_inspection(THIS_YEAR())) == []
    assert list(subcontractings_without_inspection(THIS_YEAR())) == []


def test_a_subcontractor_inspection_does_not_count_for_the_contractor(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    subcontracting = subcontracting_active(outsourcing, chief_manager)
    _inspect(outsourcing, chief_manager, subcontracting=subcontracting)

    assert list(outsourcings_without_inspection(THIS_YEAR())) == [outsourcing]


def test_a_subcontracting_only_approved_is_not_yet_due_for_inspection(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    _inspect(outsourcing, chief_manager)
    _approve(outsourcing, chief_manager)

    assert list(subcontractings_without_inspection(THIS_YEAR())) == []
    assert list(outsourcings_without_inspection(THIS_YEAR())) == []


def test_a_subcontractor_inspected_through_the_contractor(chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    subcontracting = subcontracting_active(outsourcing, chief_manager)

    inspection = services.outsourcing_inspection_record(
        outsourcing=outsourcing,
        subcontracting=subcontracting,
        actor=chief_manager,
        inspected_on=TODAY(),
        method=InspectionMethod.THROUGH_CONTRACTOR,
        inspector="委託先の監査部門",
        findings="委託先による監査報告書を確認した。",
        result=InspectionResult.ADEQUATE,
    )

    assert (inspection.subcontracting, inspection.method) == (subcontracting, InspectionMethod.THROUGH_CONTRACTOR)


def test_through_the_contractor_is_refused_for_the_contractor_itself(chief_manager):
    outsourcing = outsourcing_active(chief_manager)

    with pytest.raises(services.ComplianceError, match="再委託先の検査にのみ"):
        services.outsourcing_inspection_record(
            outsourcing=outsourcing,
            actor=chief_manager,
            inspected_on=TODAY(),
            method=InspectionMethod.THROUGH_CONTRACTOR,
            inspector="検査 一郎",
            findings="所見",
            result=InspectionResult.ADEQUATE,
        )

    assert outsourcing.inspections.count() == 0


def test_an_inspection_of_another_outsourcings_subcontractor_is_refused(chief_manager):
    outsourcing = outsourcing_active(chief_manager, name="委託A株式会社")
    elsewhere = subcontracting_active(outsourcing_active(chief_manager, name="委託B株式会社"), chief_manager)

    with pytest.raises(services.ComplianceError, match="この委託の再委託先"):
        _inspect(outsourcing, chief_manager, subcontracting=elsewhere)

    assert elsewhere.inspections.count() == 0


# --- every outsourcing write is an access record (第12条) ---


def _records(outsourcing):
    return list(
        AccessRecord.objects.filter(object_type="compliance.outsourcing", object_id=str(outsourcing.pk))
        .order_by("position")
        .values_list("action", "detail")
    )


def test_outsourcing_create_is_an_access_record(chief_manager):
    outsourcing = outsourcing_created(chief_manager)

    assert _records(outsourcing) == [("create", {})]


def _edit(outsourcing, actor):
    outsourcing.notes = "連絡先を追記"
    services.outsourcing_save(outsourcing=outsourcing, actor=actor)
    return {"change": "edit"}


def _check(outsourcing, actor):
    clause = outsourcing.clauses.get(clause=Clause.AUDIT)
    services.clause_set(clause=clause, actor=actor, checked=False)
    return {"clause": Clause.AUDIT.value, "checked": False}


def _activate(outsourcing, actor):
    services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=actor)
    return {"status": OutsourcingStatus.ACTIVE.value}


def _approve_one(outsourcing, actor):
    subcontracting = _approve(outsourcing, actor)
    return {"change": "subcontracting_approve", "subcontracting": subcontracting.pk}


def _subcontract_check(outsourcing, actor):
    subcontracting = Subcontracting.objects.get(outsourcing=outsourcing)
    clause = subcontracting.clauses.get(clause=Clause.SAFETY)
    services.clause_set(clause=clause, actor=actor, checked=True)
    return {"clause": Clause.SAFETY.value, "checked": True, "subcontracting": subcontracting.pk}


def _subcontract_end(outsourcing, actor):
    subcontracting = Subcontracting.objects.get(outsourcing=outsourcing)
    services.subcontracting_move(subcontracting=subcontracting, to=SubcontractingStatus.ENDED, actor=actor)
    return {"subcontracting": subcontracting.pk, "status": SubcontractingStatus.ENDED.value}


def _inspection(outsourcing, actor):
    inspection = _inspect(outsourcing, actor)
    return {"change": "inspection", "inspection": inspection.pk}


@pytest.mark.parametrize(
    "write, with_subcontracting",
    [
        (_edit, False),
        (_check, False),
        (_activate, False),
        (_approve_one, False),
        (_subcontract_check, True),
        (_subcontract_end, True),
        (_inspection, False),
    ],
)
def test_every_outsourcing_write_is_an_access_record_change(chief_manager, write, with_subcontracting):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager, but=(Clause.AUDIT,))
    services.clause_set(clause=outsourcing.clauses.get(clause=Clause.AUDIT), actor=chief_manager, checked=True)
    if with_subcontracting:
        _approve(outsourcing, chief_manager)
    before = len(_records(outsourcing))

    detail = write(outsourcing, chief_manager)

    assert _records(outsourcing)[before:] == [("change", detail)]
