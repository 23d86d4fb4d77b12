"""Incidents (事案, seed 004 第25条–第28条): the report, its steps, its escalations and its status changes."""

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from portal.compliance.enums import IncidentSource, IncidentStatus, StepKind
from portal.workflow import TransitionRecord, recorded_person, status_pair


class Incident(models.Model):
    """A leak or its sign, or any problem for the safe management of anonymized datasets (seed 004 第27条),
    from the report to its closing (終結). Numbered per fiscal year (文書番号)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField("事案番号", max_length=40, unique=True, editable=False)
    fiscal_year = models.PositiveSmallIntegerField("年度", editable=False)
    status = models.CharField(
        "状況", max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED, editable=False
    )
    source = models.CharField(
        "報告の経路", max_length=12, choices=IncidentSource.choices, default=IncidentSource.STAFF, editable=False
    )
    title = models.CharField("件名", max_length=200)
    summary = models.TextField("事案の概要", help_text="何が起きたか（又はそのおそれ）、関係する行政機関等匿名加工情報")
    occurred_on = models.DateField("発生日", null=True, blank=True, help_text="分からなければ空欄")
    detected_at = models.DateTimeField("事案の発生等を把握した日時")
    is_serious = models.BooleanField(
        "特に重大と認める事案",
        default=False,
        help_text="第27条第3項ただし書：直ちに総括管理者及び研究所等管理者に報告します。",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="当該行政機関等匿名加工情報を管理する組織",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name="利用契約",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        editable=False,
    )
    contract_report = models.OneToOneField(
        "contracts.ContractReport",
        verbose_name="契約相手方からの報告",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident",
        editable=False,
    )
    reported_by, reported_by_name = recorded_person("報告者", editable=False)
    reported_at = models.DateTimeField("報告日時", auto_now_add=True)
    closed_at = models.DateTimeField("終結日時", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "事案"
        verbose_name_plural = "事案"
        ordering = ["-reported_at", "-id"]
        permissions = [("oversee_incident", "すべての事案を閲覧する")]
        indexes = [models.Index(fields=["status", "detected_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class IncidentStep(models.Model):
    """One recorded step of an incident (containment, investigation, cause, recurrence prevention, the
    publication decision, the report to the commission …): what, when, and who. Never changed or deleted."""

    incident = models.ForeignKey(Incident, verbose_name="事案", on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField("記録の種類", max_length=24, choices=StepKind.choices)
    text = models.TextField("内容", help_text="公表しない場合はその理由、公表する場合は公表した内容")
    taken_at = models.DateTimeField("実施日時")
    reference = models.CharField(
        "報告の番号等", max_length=100, blank=True, help_text="個人情報保護委員会への報告の受付番号・文書番号など"
    )
    recorded_by, recorded_by_name = recorded_person("記録者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "事案への対応の記録"
        verbose_name_plural = "事案への対応の記録"
        ordering = ["incident", "taken_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text=""),
                name="incidentstep_has_text",
                violation_error_message="内容を記入してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number}: {self.get_kind_display()}"


class IncidentEscalation(models.Model):
    """Who was told of the incident at once (seed 004 第25条2項・第27条1項・3項): the protection managers of
    the organization and the chief managers, each by one e-mail of the outbox."""

    incident = models.ForeignKey(Incident, verbose_name="事案", on_delete=models.PROTECT, related_name="escalations")
    recipient, recipient_name = recorded_person("報告先")
    recipient_role = models.CharField("報告先の役割", max_length=100)
    notification = models.ForeignKey(
        "portal.Notification", verbose_name="通知（電子メール）", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    escalated_at = models.DateTimeField("報告日時", auto_now_add=True)

    class Meta:
        verbose_name = "事案の報告先"
        verbose_name_plural = "事案の報告先"
        ordering = ["incident", "escalated_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.number} → {self.recipient_name}"


class IncidentTransition(TransitionRecord):
    """One status change of an incident (an audit row: it outlives the people it names)."""

    incident = models.ForeignKey(Incident, verbose_name="事案", on_delete=models.PROTECT, related_name="transitions")
    from_status, to_status = status_pair(IncidentStatus, max_length=16)

    class Meta:
        verbose_name = "事案の状況の変更"
        verbose_name_plural = "事案の状況の変更"
        ordering = ["incident", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.number}: {self.from_status} → {self.to_status}"
