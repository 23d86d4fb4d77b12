"""Fees (手数料, 法119), contract applications (法115), payments, usage contracts, cancellations (法120), reports."""

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from contracts.enums import (
    ApplicationMethod,
    CancellationGround,
    ContractStatus,
    CreationStatus,
    DocumentKind,
    PaymentMethod,
    ReportKind,
)
from portal.uploads import protected_storage, protected_upload_path
from portal.workflow import TransitionRecord, recorded_person, status_pair


class FeeKind(models.TextChoices):
    # 法119条1項 and its cabinet order: a national agency charges the statutory fee.
    STATUTORY = "statutory", "手数料（政令で定める額）"
    # 法119条3項・4項: an incorporated administrative agency sets its own 利用料 (actual cost as a guide).
    USAGE_FEE = "usage_fee", "利用料（独立行政法人等が定める額）"


# The statutory amounts for a national agency (法119条1項, 施行令).
# REVIEW (agency/accounting): check against the current cabinet order before use.
STATUTORY_BASE_AMOUNT = 21_000
STATUTORY_HOURLY_AMOUNT = 3_950
STATUTORY_EXISTING_DATASET_AMOUNT = 12_600


class FeeSchedule(models.Model):
    """The fee schedule of one fiscal year, as staff configure it (defaults: the statutory amounts)."""

    fiscal_year = models.PositiveSmallIntegerField("年度", unique=True, help_text="西暦で入力（令和8年度 → 2026）")
    kind = models.CharField("種類", max_length=12, choices=FeeKind.choices, default=FeeKind.STATUTORY)
    base_amount = models.PositiveIntegerField("基本額（円）", default=STATUTORY_BASE_AMOUNT)
    hourly_amount = models.PositiveIntegerField(
        "作成に要する時間1時間までごとの額（円）", default=STATUTORY_HOURLY_AMOUNT
    )
    existing_dataset_amount = models.PositiveIntegerField(
        "作成された行政機関等匿名加工情報の利用に関する契約の額（円）",
        default=STATUTORY_EXISTING_DATASET_AMOUNT,
        help_text="法第118条の提案に基づく契約の手数料（作成の時間によらない定額）",
    )
    notes = models.TextField("備考", blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "手数料の額"
        verbose_name_plural = "手数料の額"
        ordering = ["-fiscal_year"]

    def __str__(self) -> str:
        from portal.jdates import fiscal_year_label

        return f"{fiscal_year_label(self.fiscal_year)}の{self.get_kind_display()}"

    @property
    def fee_word(self) -> str:
        """手数料 or 利用料, as the documents call it."""
        return "利用料" if self.kind == FeeKind.USAGE_FEE else "手数料"


class Contract(models.Model):
    """The usage contract (行政機関等匿名加工情報の利用に関する契約) of one adequate proposal, from the
    application (法115) to its end. Its status changes only through contracts.workflow.transition."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    contract_number = models.CharField("契約番号", max_length=40, unique=True, null=True, blank=True, editable=False)
    proposal = models.OneToOneField(
        "proposals.Proposal", verbose_name="提案", on_delete=models.PROTECT, related_name="contract"
    )
    notice = models.OneToOneField(
        "proposals.ResultNotice", verbose_name="審査結果通知書", on_delete=models.PROTECT, related_name="contract"
    )
    proposer = models.ForeignKey(
        "proposals.Proposer", verbose_name="提案者", on_delete=models.PROTECT, related_name="contracts"
    )
    status = models.CharField(
        "状況", max_length=20, choices=ContractStatus.choices, default=ContractStatus.APPLIED, editable=False
    )

    # 法115: the application
    application_method = models.CharField("申込みの方法", max_length=10, choices=ApplicationMethod.choices)
    applied_at = models.DateTimeField("申込日時")
    applied_by, applied_by_name = recorded_person("申込者")

    # 法119: the fee
    estimated_fee = models.PositiveIntegerField("手数料の見込額（円）", null=True, blank=True)
    contractor_amount = models.PositiveIntegerField("作成の委託を受けた者に支払う額（円）", default=0)
    fee_amount = models.PositiveIntegerField("手数料の額（確定）（円）", null=True, blank=True)
    fee_hours = models.PositiveIntegerField("手数料の算定に用いた時間", null=True, blank=True)
    fee_breakdown = models.JSONField("手数料の内訳", default=list, blank=True)
    fee_fixed_at = models.DateTimeField("手数料の額の確定日時", null=True, blank=True)
    payment_due_date = models.DateField("納付期限", null=True, blank=True)

    # The contract as concluded (契約締結)
    concluded_on = models.DateField("契約締結日", null=True, blank=True)
    concluded_by, concluded_by_name = recorded_person("締結の事務を行った者", blank=True)
    agency_party = models.CharField("契約当事者（行政機関）", max_length=300, blank=True)
    contractor_party = models.CharField("契約当事者（契約相手方）", max_length=300, blank=True)
    dataset_description = models.TextField("行政機関等匿名加工情報の概要", blank=True)
    period_start = models.DateField("利用期間（開始）", null=True, blank=True)
    period_end = models.DateField("利用期間（終了）", null=True, blank=True)
    security_measures = models.TextField("講ずる安全管理の措置", blank=True)
    obligations = models.JSONField("契約相手方の義務", default=list, blank=True)
    creation_status = models.CharField(
        "作成の状況", max_length=12, choices=CreationStatus.choices, default=CreationStatus.NOT_STARTED, blank=True
    )
    creation_task_id = models.PositiveBigIntegerField("作成処理の登録番号（outbox）", null=True, blank=True)

    # The end: expiry or cancellation (法120)
    ended_on = models.DateField("終了日", null=True, blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "利用契約"
        verbose_name_plural = "利用契約"
        ordering = ["-applied_at"]
        permissions = [
            ("fix_fee_contract", "手数料の額を確定する"),
            ("conclude_contract", "利用契約を締結する"),
        ]
        indexes = [models.Index(fields=["status", "period_end"])]

    def __str__(self) -> str:
        return self.contract_number or f"{self.proposal}（契約締結前）"

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.CONCLUDED


class ContractTransition(TransitionRecord):
    """One status change of a contract: who, when, why (an audit row: it outlives the people it names)."""

    contract = models.ForeignKey(
        Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="transitions"
    )
    from_status, to_status = status_pair(ContractStatus, max_length=20)

    class Meta:
        verbose_name = "利用契約の状況の変更"
        verbose_name_plural = "利用契約の状況の変更"
        ordering = ["contract", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.contract}: {self.from_status} → {self.to_status}"


class ContractDocument(models.Model):
    """An uploaded document of a contract (the signed application, a report's attachment), checked by content."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    contract = models.ForeignKey(Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("書類", max_length=20, choices=DocumentKind.choices)
    file = models.FileField("ファイル", storage=protected_storage, upload_to=protected_upload_path, max_length=200)
    original_name = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField("MIMEタイプ", max_length=100)
    size = models.PositiveIntegerField("サイズ")
    sha256 = models.CharField("ファイルのSHA-256", max_length=64)
    uploaded_at = models.DateTimeField("提出日時", auto_now_add=True)

    class Meta:
        verbose_name = "契約の書類"
        verbose_name_plural = "契約の書類"
        ordering = ["contract", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class CreationHoursLog(models.Model):
    """Hours staff spent creating the dataset (作成に要した時間): the final fee uses their sum (法119)."""

    contract = models.ForeignKey(Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="hours_logs")
    work_date = models.DateField("作業日")
    hours = models.DecimalField("時間", max_digits=6, decimal_places=2)
    description = models.CharField("作業の内容", max_length=300)
    logged_by, logged_by_name = recorded_person("記録者")
    logged_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "作成に要した時間の記録"
        verbose_name_plural = "作成に要した時間の記録"
        ordering = ["contract", "work_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0),
                name="creationhourslog_positive",
                violation_error_message="時間は0より大きくしてください。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.work_date} {self.hours}時間"


class Payment(models.Model):
    """A fee payment as staff recorded it (手数料の納付, 法119). One per contract; a later row is a correction
    with a reason, and the newest row is the one that counts."""

    contract = models.ForeignKey(Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField("納付日")
    method = models.CharField("納付の方法", max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField("納付の記録（領収番号等）", max_length=100)
    amount = models.PositiveIntegerField("納付額（円）")
    is_correction = models.BooleanField("訂正", default=False)
    correction_reason = models.TextField("訂正の理由", blank=True)
    recorded_by, recorded_by_name = recorded_person("記録者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "手数料の納付"
        verbose_name_plural = "手数料の納付"
        ordering = ["contract", "recorded_at", "id"]
        constraints = [
            # A fee is recorded once; anything later is an explicit correction (enforced by the database too).
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(is_correction=False), name="payment_one_per_contract"
            ),
            models.CheckConstraint(
                condition=models.Q(is_correction=False) | ~models.Q(correction_reason=""),
                name="payment_correction_has_reason",
                violation_error_message="訂正の場合は理由を記入してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.amount:,}円（{self.get_method_display()}）"


class Cancellation(models.Model):
    """契約の解除 (法120): the ground, the reason, and who decided; the 2-year disqualification follows."""

    contract = models.OneToOneField(
        Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="cancellation"
    )
    ground = models.CharField("解除の事由", max_length=16, choices=CancellationGround.choices)
    reason = models.TextField("解除の理由")
    cancelled_on = models.DateField("解除の日")
    decided_by, decided_by_name = recorded_person("記録者")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "契約の解除"
        verbose_name_plural = "契約の解除"
        ordering = ["-cancelled_on"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="cancellation_has_reason",
                violation_error_message="理由を記入してください。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract}の解除（{self.cancelled_on}）"


class ContractReport(models.Model):
    """A report the contractor files on /mypage/: usage, an incident (seed 004 第25条), or the deletion."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    contract = models.ForeignKey(Contract, verbose_name="利用契約", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("報告の種類", max_length=12, choices=ReportKind.choices)
    body = models.TextField("報告の内容")
    occurred_on = models.DateField("対象期間の末日・発生日・削除日", null=True, blank=True)
    attachment = models.OneToOneField(
        ContractDocument,
        verbose_name="添付ファイル",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report",
    )
    submitted_by, submitted_by_name = recorded_person("報告者")
    submitted_at = models.DateTimeField("報告日時", auto_now_add=True)

    class Meta:
        verbose_name = "契約相手方からの報告"
        verbose_name_plural = "契約相手方からの報告"
        ordering = ["contract", "-submitted_at"]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_kind_display()}"
