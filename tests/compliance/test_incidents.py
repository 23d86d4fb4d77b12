"""Incidents (事案, seed 004 第25条–第28条): the report, the escalation, the steps, the status table."""

import datetime
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from contracts import services as contract_services
from contracts.enums import ReportKind
from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.compliance import services, workflow
from portal.compliance.enums import IncidentSource, IncidentStatus, StepKind
from portal.compliance.models import Incident, IncidentEscalation, IncidentStep, IncidentTransition
from portal.jdates import fiscal_year, fiscal_year_label
from portal.models import Notification
from portal.workflow import actor_name
from tests.contracts.helpers import concluded_contract
from tests.factories.accounts import staff_user
from tests.factories.compliance import incident_reported

pytestmark = pytest.mark.django_db

NOW = timezone.now


# The steps every incident needs before closing (workflow.CLOSING_RULES without a condition).
ALWAYS_REQUIRED = [
    StepKind.CONTAINMENT,
    StepKind.INVESTIGATION,
    StepKind.CAUSE,
    StepKind.RECURRENCE_PREVENTION,
    StepKind.NO_PUBLICATION,
]


def _steps_for_closing(incident, actor, *, but=(), more=()):
    for kind in [*ALWAYS_REQUIRED, *more]:
        if kind not in but:
            services.incident_step_record(
                incident=incident,
                actor=actor,
                kind=kind,
                text="記録",
                taken_at=NOW() - datetime.timedelta(minutes=5),
                reference="個情第1号" if kind == StepKind.COMMISSION_REPORT else "",
            )


# --- reporting (第27条第1項) and escalation ---


@pytest.mark.parametrize("role", list(StaffRole))
def test_incident_report_any_staff_role_may_report(role, organization):
    reporter = staff_user(role)

    incident = incident_reported(reporter, organization=organization)

    year = fiscal_year(timezone.localdate())
    assert incident.number == f"{fiscal_year_label(year)}事案第1号"
    assert incident.status == IncidentStatus.REPORTED
    assert incident.source == IncidentSource.STAFF
    assert incident.reported_by == reporter


def test_incident_report_numbers_follow_each_other(chief_manager):
    first = incident_reported(chief_manager)
    second = incident_reported(chief_manager)

    assert (first.number[-3:], second.number[-3:]) == ("第1号", "第2号")


def test_incident_report_emails_the_managers_of_the_organization_and_records_it(
    chief_manager, protection_manager, organization, other_organization
):
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)
    officer = staff_user(StaffRole.PROTECTION_OFFICER, organization=organization)

    incident = incident_reported(officer, organization=organization)

    mailed = set(Notification.objects.filter(template="incident_reported").values_list("recipient", flat=True))
    assert mailed == {chief_manager.pk, protection_manager.pk}
    escalations = IncidentEscalation.objects.filter(incident=incident)
    assert {e.recipient_id for e in escalations} == mailed
    assert all(e.notification.template == "incident_reported" for e in escalations)
    assert elsewhere.pk not in mailed
    body = Notification.objects.get(recipient=protection_manager).body
    assert incident.number in body and "第27条第1項" in body


def test_incident_report_without_organization_reaches_every_protection_manager(
    chief_manager, protection_manager, other_organization
):
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    incident_reported(staff_user(StaffRole.SCREENER))

    mailed = set(Notification.objects.filter(template="incident_reported").values_list("recipient", flat=True))
    assert mailed == {chief_manager.pk, protection_manager.pk, elsewhere.pk}


def test_incident_report_is_an_access_record(chief_manager):
    incident = incident_reported(chief_manager)

    record = AccessRecord.objects.get(action="create", object_type="compliance.incident")
    assert record.object_id == str(incident.pk)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": " "}, "件名と事案の概要"),
        ({"summary": ""}, "件名と事案の概要"),
        ({"detected_at": timezone.now() + datetime.timedelta(days=2)}, "未来の日時"),
        ({"occurred_on": timezone.localdate() + datetime.timedelta(days=2)}, "未来の日付"),
    ],
)
def test_incident_report_bad_input_is_refused_and_nothing_saved(chief_manager, fields, message):
    with pytest.raises(services.ComplianceError, match=message):
        incident_reported(chief_manager, **fields)

    assert Incident.objects.count() == 0
    assert Notification.objects.count() == 0


def test_incident_report_refused_for_a_non_staff_user(outsider):
    with pytest.raises(services.ComplianceError, match="権限"):
        incident_reported(outsider)

    assert Incident.objects.count() == 0


# --- a contractor's report (第25条第2項) ---


def test_contractor_incident_report_opens_an_incident_and_emails_the_managers_once(chief_manager):
    contract = concluded_contract(chief_manager)
    organization = contract.proposal.entry.organization
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=organization)

    report = contract_services.report_submit(
        contract=contract,
        actor=contract.proposer.user,
        kind=ReportKind.INCIDENT,
        body="端末を紛失した。",
        occurred_on=timezone.localdate(),
    )

    incident = Incident.objects.get()
    assert (incident.contract, incident.contract_report, incident.organization) == (contract, report, organization)
    assert incident.source == IncidentSource.CONTRACTOR
    assert incident.summary == "端末を紛失した。"
    assert incident.occurred_on == timezone.localdate()
    # Sent once (contracts' own alert), and that alert is the escalation on record.
    notifications = Notification.objects.filter(recipient__in=[chief_manager, manager])
    assert sorted(n.template for n in notifications) == ["contract_incident", "contract_incident"]
    assert not Notification.objects.filter(template="incident_reported").exists()
    assert set(incident.escalations.values_list("notification", flat=True)) == {n.pk for n in notifications}
    assert set(incident.escalations.values_list("recipient", flat=True)) == {chief_manager.pk, manager.pk}


def test_contractor_usage_report_opens_no_incident(chief_manager):
    contract = concluded_contract(chief_manager)

    contract_services.report_submit(contract=contract, actor=contract.proposer.user, kind="usage", body="集計した。")

    assert Incident.objects.count() == 0


def test_incident_open_from_report_twice_keeps_one_incident(chief_manager):
    contract = concluded_contract(chief_manager)
    report = contract_services.report_submit(
        contract=contract, actor=contract.proposer.user, kind=ReportKind.INCIDENT, body="漏えいのおそれ。"
    )

    again = services.incident_open_from_report(report=report, alerts=[])

    assert Incident.objects.get() == again


# --- steps (第27条第2項–第5項・第28条) ---


def test_incident_step_record_keeps_what_when_and_who(protection_manager, organization):
    incident = incident_reported(protection_manager, organization=organization)
    taken = NOW() - datetime.timedelta(minutes=30)

    step = services.incident_step_record(
        incident=incident,
        actor=protection_manager,
        kind=StepKind.CONTAINMENT,
        text="LANケーブルを抜いた。",
        taken_at=taken,
    )

    assert (step.kind, step.text, step.taken_at) == (StepKind.CONTAINMENT, "LANケーブルを抜いた。", taken)
    assert step.recorded_by == protection_manager
    assert step.recorded_by_name == actor_name(protection_manager)


def test_incident_step_several_containment_entries(chief_manager):
    incident = incident_reported(chief_manager)

    for text in ("端末を隔離した。", "パスワードを変更した。"):
        services.incident_step_record(
            incident=incident, actor=chief_manager, kind=StepKind.CONTAINMENT, text=text, taken_at=NOW()
        )

    assert incident.steps.filter(kind=StepKind.CONTAINMENT).count() == 2


@pytest.mark.parametrize(
    "kind, text, reference, message",
    [
        (StepKind.NO_PUBLICATION, "", "", "理由"),
        (StepKind.PUBLICATION, " ", "", "公表した内容"),
        (StepKind.CAUSE, "", "", "内容を記入"),
        (StepKind.COMMISSION_REPORT, "事務局に情報提供した。", "", "受付番号"),
        ("no-such-kind", "内容", "", "記録の種類"),
    ],
)
def test_incident_step_bad_input_is_refused(chief_manager, kind, text, reference, message):
    incident = incident_reported(chief_manager)

    with pytest.raises(services.ComplianceError, match=message):
        services.incident_step_record(
            incident=incident, actor=chief_manager, kind=kind, text=text, taken_at=NOW(), reference=reference
        )

    assert IncidentStep.objects.count() == 0


def test_incident_step_in_the_future_is_refused(chief_manager):
    incident = incident_reported(chief_manager)

    with pytest.raises(services.ComplianceError, match="未来"):
        services.incident_step_record(
            incident=incident,
            actor=chief_manager,
            kind=StepKind.CAUSE,
            text="原因",
            taken_at=NOW() + datetime.timedelta(days=1),
        )


def test_incident_step_commission_report_with_reference(chief_manager):
    incident = incident_reported(chief_manager)

    step = services.incident_step_record(
        incident=incident,
        actor=chief_manager,
        kind=StepKind.COMMISSION_REPORT,
        text="経緯と被害状況を情報提供した。",
        taken_at=NOW(),
        reference="個情第123号",
    )

    assert step.reference == "個情第123号"


@pytest.mark.parametrize("role", [StaffRole.PROTECTION_OFFICER, StaffRole.AUDIT_OFFICER, StaffRole.SCREENER])
def test_incident_step_refused_for_roles_without_change(role, organization):
    reporter = staff_user(role, organization=organization)
    incident = incident_reported(reporter, organization=organization)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.incident_step_record(
            incident=incident, actor=reporter, kind=StepKind.CONTAINMENT, text="措置", taken_at=NOW()
        )


def test_incident_step_refused_for_a_manager_of_another_organization(chief_manager, organization, other_organization):
    incident = incident_reported(chief_manager, organization=organization)
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.incident_step_record(
            incident=incident, actor=elsewhere, kind=StepKind.CONTAINMENT, text="措置", taken_at=NOW()
        )


# --- the status table ---

ALL_MOVES = list(itertools.product(IncidentStatus.values, repeat=2))


@pytest.mark.parametrize("from_status, to_status", ALL_MOVES)
def test_incident_transition_table(chief_manager, from_status, to_status):
    incident = incident_reported(chief_manager)
    _steps_for_closing(incident, chief_manager)
    Incident.objects.filter(pk=incident.pk).update(status=from_status)
    incident.refresh_from_db()
    allowed = (from_status, to_status) in workflow.INCIDENT_MOVES

    with transaction.atomic():
        if allowed:
            moved = workflow.incident_transition(incident, to_status, actor=chief_manager, reason="理由")
        else:
            with pytest.raises(workflow.IncidentTransitionError):
                workflow.incident_transition(incident, to_status, actor=chief_manager, reason="理由")

    incident.refresh_from_db()
    logs = IncidentTransition.objects.filter(incident=incident)
    if allowed:
        assert (moved.status, incident.status) == (to_status, to_status)
        assert [(t.from_status, t.to_status) for t in logs] == [(from_status, to_status)]
    else:
        assert incident.status == from_status
        assert logs.count() == 0


@pytest.mark.parametrize(
    "missing, label",
    [
        (StepKind.CONTAINMENT, "被害の拡大防止・復旧等の措置（第27条第2項）"),
        (StepKind.INVESTIGATION, "調査（事案の発生した経緯、被害状況等）（第27条第3項）"),
        (StepKind.CAUSE, "原因の分析（第27条第5項）"),
        (StepKind.RECURRENCE_PREVENTION, "再発防止のために必要な措置（第27条第5項）"),
        (StepKind.NO_PUBLICATION, "公表の判断（公表又は公表しないことの決定）（第28条第1項）"),
    ],
)
def test_incident_close_refused_until_each_required_step_is_recorded(chief_manager, missing, label):
    incident = incident_reported(chief_manager)
    services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=chief_manager)
    _steps_for_closing(incident, chief_manager, but=(missing,))

    with pytest.raises(services.ComplianceError) as refused:
        services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    assert str(refused.value) == f"次の記録がないため終結できません：{label}。"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.closed_at is None
    assert not IncidentTransition.objects.filter(incident=incident, to_status=IncidentStatus.CLOSED).exists()


def _investigating(actor, **fields):
    incident = incident_reported(actor, **fields)
    services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=actor)
    return incident


def _publication(incident, actor):
    services.incident_step_record(
        incident=incident, actor=actor, kind=StepKind.PUBLICATION, text="ウェブサイトで公表した。", taken_at=NOW()
    )


def _contractor_incident(chief_manager):
    contract = concluded_contract(chief_manager)
    contract_services.report_submit(
        contract=contract, actor=contract.proposer.user, kind=ReportKind.INCIDENT, body="端末を紛失した。"
    )
    incident = Incident.objects.get(contract=contract)
    services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=chief_manager)
    return incident


# Each conditional rule: (how the incident is made, the steps besides ALWAYS_REQUIRED, the step it then
# lacks, the label in the refusal). seed 004 第25条第2項, 第27条第4項, 第28条第2項.
CONDITIONAL_RULES = {
    "contractor_remedy": (
        _contractor_incident,
        (),
        StepKind.REMEDY_CONFIRMATION,
        "契約相手方が講じた是正の措置の確認（第25条第2項）",
    ),
    "serious_head_report": (
        lambda actor: _investigating(actor, is_serious=True),
        (),
        StepKind.HEAD_REPORT,
        "機構長への報告（第27条第4項：特に重大と認める事案）",
    ),
    "published_commission_report": (
        _investigating,
        (StepKind.PUBLICATION,),
        StepKind.COMMISSION_REPORT,
        "個人情報保護委員会への報告（第28条第2項：公表した事案）",
    ),
}


@pytest.mark.parametrize("rule", list(CONDITIONAL_RULES))
def test_incident_close_refused_without_the_step_its_condition_requires(chief_manager, rule):
    make, more, _, label = CONDITIONAL_RULES[rule]
    incident = make(chief_manager)
    _steps_for_closing(incident, chief_manager, more=more)

    with pytest.raises(services.ComplianceError) as refused:
        services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    assert str(refused.value) == f"次の記録がないため終結できません：{label}。"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


@pytest.mark.parametrize("rule", list(CONDITIONAL_RULES))
def test_incident_close_allowed_once_the_conditional_step_is_recorded(chief_manager, rule):
    make, more, missing, _ = CONDITIONAL_RULES[rule]
    incident = make(chief_manager)
    _steps_for_closing(incident, chief_manager, more=(*more, missing))

    closed = services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    assert closed.status == IncidentStatus.CLOSED


def test_incident_close_does_not_ask_the_conditional_steps_of_an_ordinary_staff_incident(chief_manager):
    """Not serious, not published, reported by staff: neither the head report, nor the commission report,
    nor the contractor's remedy is asked for."""
    incident = _investigating(chief_manager)
    _steps_for_closing(incident, chief_manager)

    assert workflow.closing_missing(incident) == []


def test_incident_close_lists_every_missing_record_in_order(chief_manager):
    incident = _investigating(chief_manager, is_serious=True)
    _publication(incident, chief_manager)

    missing = workflow.closing_missing(incident)

    assert missing == [
        "被害の拡大防止・復旧等の措置（第27条第2項）",
        "調査（事案の発生した経緯、被害状況等）（第27条第3項）",
        "機構長への報告（第27条第4項：特に重大と認める事案）",
        "原因の分析（第27条第5項）",
        "再発防止のために必要な措置（第27条第5項）",
        "個人情報保護委員会への報告（第28条第2項：公表した事案）",
    ]


def test_incident_made_serious_after_the_steps_needs_the_head_report(chief_manager):
    """The rule reads the incident under the lock at closing time, not as it was reported."""
    incident = _investigating(chief_manager)
    _steps_for_closing(incident, chief_manager)
    services.incident_update(incident=incident, actor=chief_manager, is_serious=True)

    with pytest.raises(services.ComplianceError, match="機構長への報告"):
        services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)


def test_incident_close_with_publication_instead_of_a_decision_not_to(chief_manager):
    incident = _investigating(chief_manager)
    _steps_for_closing(incident, chief_manager, but=(StepKind.NO_PUBLICATION,), more=(StepKind.COMMISSION_REPORT,))
    _publication(incident, chief_manager)

    closed = services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    assert closed.status == IncidentStatus.CLOSED
    assert closed.closed_at is not None


def test_incident_closed_takes_no_more_steps_and_reopening_needs_a_reason(chief_manager):
    incident = incident_reported(chief_manager)
    services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=chief_manager)
    _steps_for_closing(incident, chief_manager)
    services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    with pytest.raises(services.ComplianceError, match="終結した事案"):
        services.incident_step_record(
            incident=incident, actor=chief_manager, kind=StepKind.CAUSE, text="追記", taken_at=NOW()
        )
    with pytest.raises(services.ComplianceError, match="理由"):
        services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=chief_manager)
    reopened = services.incident_move(
        incident=incident, to=IncidentStatus.INVESTIGATING, actor=chief_manager, reason="新たな被害が判明した。"
    )

    assert reopened.status == IncidentStatus.INVESTIGATING
    assert reopened.closed_at is None


def test_incident_move_refused_for_an_audit_officer(chief_manager, audit_officer):
    incident = incident_reported(chief_manager)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.incident_move(incident=incident, to=IncidentStatus.INVESTIGATING, actor=audit_officer)


def test_incident_history_is_kept(chief_manager):
    incident = incident_reported(chief_manager)
    services.incident_move(incident=incident, to=IncidentStatus.RESPONDING, actor=chief_manager)

    assert [h.status for h in incident.history.order_by("history_date")] == [
        IncidentStatus.REPORTED,
        IncidentStatus.RESPONDING,
    ]


# --- changes are access records 変更 (seed 004 第12条) ---


def _changes(obj):
    return list(
        AccessRecord.objects.filter(
            action="change", object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("detail", flat=True)
    )


def test_incident_move_is_an_access_record_change(chief_manager):
    incident = incident_reported(chief_manager)

    services.incident_move(incident=incident, to=IncidentStatus.RESPONDING, actor=chief_manager)

    assert _changes(incident) == [{"status": IncidentStatus.RESPONDING}]


def test_incident_move_refused_writes_no_change_record(chief_manager):
    incident = incident_reported(chief_manager)

    with pytest.raises(services.ComplianceError):
        services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    assert _changes(incident) == []


def test_incident_update_saves_the_fields_and_records_which(chief_manager, organization):
    incident = incident_reported(chief_manager)

    updated = services.incident_update(
        incident=incident, actor=chief_manager, title=" 誤送信（訂正） ", organization=organization, is_serious=False
    )

    assert (updated.title, updated.organization) == ("誤送信（訂正）", organization)
    assert _changes(incident) == [{"fields": "title,organization"}]


def test_incident_update_with_nothing_changed_writes_nothing(chief_manager):
    incident = incident_reported(chief_manager)

    services.incident_update(incident=incident, actor=chief_manager, title=incident.title)

    assert _changes(incident) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": " "}, "件名と事案の概要"),
        ({"summary": ""}, "件名と事案の概要"),
        ({"detected_at": timezone.now() + datetime.timedelta(days=2)}, "未来の日時"),
        ({"occurred_on": timezone.localdate() + datetime.timedelta(days=2)}, "未来の日付"),
    ],
)
def test_incident_update_bad_input_is_refused_and_nothing_saved(chief_manager, fields, message):
    incident = incident_reported(chief_manager, title="元の件名")

    with pytest.raises(services.ComplianceError, match=message):
        services.incident_update(incident=incident, actor=chief_manager, **fields)

    incident.refresh_from_db()
    assert incident.title == "元の件名"
    assert _changes(incident) == []


def test_incident_update_of_the_organization_refused_for_a_protection_manager(
    chief_manager, protection_manager, organization, other_organization
):
    incident = incident_reported(chief_manager, organization=organization)

    with pytest.raises(services.ComplianceError, match="組織を変更する権限"):
        services.incident_update(incident=incident, actor=protection_manager, organization=other_organization)

    incident.refresh_from_db()
    assert incident.organization == organization


def test_incident_update_refused_once_closed(chief_manager):
    incident = _investigating(chief_manager)
    _steps_for_closing(incident, chief_manager)
    services.incident_move(incident=incident, to=IncidentStatus.CLOSED, actor=chief_manager)

    with pytest.raises(services.ComplianceError, match="終結した事案は変更できません"):
        services.incident_update(incident=incident, actor=chief_manager, title="後から変更")


def test_incident_update_refused_for_a_role_without_change(chief_manager, audit_officer):
    incident = incident_reported(chief_manager)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.incident_update(incident=incident, actor=audit_officer, title="変更")
