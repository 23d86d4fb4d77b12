"""Outsourcing and worker dispatch (委託・派遣, seed 004 第26条): the contract items, re-contracting and the
yearly inspections of the contractors."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from portal.compliance.enums import (
    CLAUSE_ITEM_NUMBERS,
    Clause,
    InspectionMethod,
    InspectionResult,
    OutsourcingKind,
    OutsourcingStatus,
    SubcontractingStatus,
)
from portal.workflow import TransitionRecord, recorded_person, status_pair
from proposals.validators import validate_corporate_number


class Outsourcing(models.Model):
    """An outside party doing work of creating or handling anonymized datasets for the agency: under an
    outsourcing contract (業務の委託, 第26条第1項–第5項) or as dispatched workers (派遣, 第26条第6項)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        "区分",
        max_length=12,
        choices=OutsourcingKind.choices,
        default=OutsourcingKind.OUTSOURCING,
        help_text="派遣労働者に業務を行わせる場合は「派遣労働者による業務」（第26条第6項）",
    )
    status = models.CharField(
        "状況", max_length=12, choices=OutsourcingStatus.choices, default=OutsourcingStatus.PREPARING, editable=False
    )
    name = models.CharField("委託先の名称", max_length=200, help_text="派遣の場合は派遣元事業主の名称")
    corporate_number = models.CharField(
        "法人番号", max_length=13, blank=True, validators=[validate_corporate_number], help_text="13桁"
    )
    work = models.TextField("委託する業務の内容")
    data_scope = models.TextField(
        "取扱いを委託する行政機関等匿名加工情報の範囲",
        help_text="第26条第2項：委託する業務内容に照らして必要最小限",
    )
    responsible_person = models.CharField("委託先における責任者", max_length=200, blank=True)
    period_start = models.DateField("委託期間（開始）")
    period_end = models.DateField("委託期間（終了）")
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="委託元の組織",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outsourcings",
    )
    reported_to_managers_on = models.DateField(
        "研究所等管理者及び総括管理者への事前の報告日",
        null=True,
        blank=True,
        help_text="第26条第3項：業務の委託は、この報告日の記録がなければ有効にできません。",
    )
    notes = models.TextField("備考", blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "業務の委託・派遣"
        verbose_name_plural = "業務の委託・派遣"
        ordering = ["-period_start", "-id"]
        permissions = [("oversee_outsourcing", "すべての業務の委託を閲覧する")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="outsourcing_period_ordered",
                violation_error_message="委託期間の終了は開始以後の日付にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClauseCheck(models.Model):
    """One item a contract must state (seed 004 第26条第1項各号, or 第6項 for worker dispatch), and whether
    staff checked it is stated there: where, who and when."""

    clause = models.CharField("明記すべき事項", max_length=20, choices=Clause.choices, editable=False)
    checked = models.BooleanField("契約書に明記されていることを確認した", default=False)
    location = models.CharField("契約書の該当箇所", max_length=100, blank=True, help_text="例：第5条")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認者のアカウント",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    checked_by_name = models.CharField("確認者", max_length=200, blank=True)
    checked_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.item_number}: {self.get_clause_display()}"

    @property
    def item_number(self) -> str:
        return CLAUSE_ITEM_NUMBERS[Clause(self.clause)]


class OutsourcingClause(ClauseCheck):
    """An item of the outsourcing (or worker-dispatch) contract itself."""

    outsourcing = models.ForeignKey(
        Outsourcing, verbose_name="業務の委託・派遣", on_delete=models.PROTECT, related_name="clauses"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "契約書に明記すべき事項の確認"
        verbose_name_plural = "契約書に明記すべき事項の確認"
        ordering = ["outsourcing", "id"]
        constraints = [
            models.UniqueConstraint(fields=["outsourcing", "clause"], name="outsourcingclause_once"),
        ]


class OutsourcingTransition(TransitionRecord):
    """One status change of an outsourcing (an audit row)."""

    outsourcing = models.ForeignKey(
        Outsourcing, verbose_name="業務の委託・派遣", on_delete=models.PROTECT, related_name="transitions"
    )
    from_status, to_status = status_pair(OutsourcingStatus, max_length=12)

    class Meta:
        verbose_name = "業務の委託の状況の変更"
        verbose_name_plural = "業務の委託の状況の変更"
        ordering = ["outsourcing", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.outsourcing}: {self.from_status} → {self.to_status}"


class Subcontracting(models.Model):
    """A re-contracting (再委託, seed 004 第26条第1項第2号・第5項), subsidiaries included: approved by the agency,
    then 有効 once its own contract is checked to state the items of 第26条第1項 (第5項: the contractor is made
    to take the measures of 第1項), and inspected yearly like the contractor (第5項・第4項)."""

    outsourcing = models.ForeignKey(
        Outsourcing, verbose_name="業務の委託・派遣", on_delete=models.PROTECT, related_name="subcontractings"
    )
    status = models.CharField(
        "状況",
        max_length=12,
        choices=SubcontractingStatus.choices,
        default=SubcontractingStatus.APPROVED,
        editable=False,
    )
    subcontractor = models.CharField("再委託先の名称", max_length=200)
    corporate_number = models.CharField(
        "再委託先の法人番号", max_length=13, blank=True, validators=[validate_corporate_number]
    )
    is_subsidiary = models.BooleanField("委託先の子会社", default=False)
    scope = models.TextField("再委託する業務の範囲")
    approved_on = models.DateField("承認日")
    approved_by, approved_by_name = recorded_person("承認者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "再委託"
        verbose_name_plural = "再委託"
        ordering = ["outsourcing", "approved_on", "id"]

    def __str__(self) -> str:
        return f"{self.outsourcing} → {self.subcontractor}"


class SubcontractingClause(ClauseCheck):
    """An item of 第26条第1項 the subcontract (the contract between the contractor and the subcontractor)
    must state (第5項)."""

    subcontracting = models.ForeignKey(
        Subcontracting, verbose_name="再委託", on_delete=models.PROTECT, related_name="clauses"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "再委託の契約書に明記すべき事項の確認"
        verbose_name_plural = "再委託の契約書に明記すべき事項の確認"
        ordering = ["subcontracting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subcontracting", "clause"], name="subcontractingclause_once"),
        ]


class SubcontractingTransition(TransitionRecord):
    """One status change of a re-contracting (an audit row)."""

    subcontracting = models.ForeignKey(
        Subcontracting, verbose_name="再委託", on_delete=models.PROTECT, related_name="transitions"
    )
    from_status, to_status = status_pair(SubcontractingStatus, max_length=12)

    class Meta:
        verbose_name = "再委託の状況の変更"
        verbose_name_plural = "再委託の状況の変更"
        ordering = ["subcontracting", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.subcontracting}: {self.from_status} → {self.to_status}"


class OutsourcingInspection(models.Model):
    """A check of how the outside party manages the data (seed 004 第26条第4項: at least once a year), of the
    contractor itself or, with `subcontracting`, of one of its subcontractors (第5項)."""

    outsourcing = models.ForeignKey(
        Outsourcing, verbose_name="業務の委託・派遣", on_delete=models.PROTECT, related_name="inspections"
    )
    subcontracting = models.ForeignKey(
        Subcontracting,
        verbose_name="再委託先",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        help_text="空欄は委託先自身の検査",
    )
    inspected_on = models.DateField("検査日")
    method = models.CharField("検査の方法", max_length=20, choices=InspectionMethod.choices)
    inspector = models.CharField("検査者", max_length=200)
    findings = models.TextField("検査の所見")
    result = models.CharField("検査の結果", max_length=20, choices=InspectionResult.choices)
    recorded_by, recorded_by_name = recorded_person("記録者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "委託先の検査"
        verbose_name_plural = "委託先の検査"
        ordering = ["outsourcing", "-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.outsourcing}: {self.inspected_on}"
