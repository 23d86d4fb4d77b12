"""Screening (審査, 法114): assignments, the criteria as recorded, the policy staff configure, result notices."""

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from portal.uploads import protected_storage, protected_upload_path
from portal.workflow import recorded_person
from proposals.enums import Criterion, NoticeDocumentKind, ScreeningDecision


class ScreeningPolicy(models.Model):
    """What staff configure for screening and notices: one row (pk=1), edited in the admin."""

    max_use_years = models.PositiveSmallIntegerField(
        "利用期間の上限（年）",
        default=5,
        validators=[MinValueValidator(1)],
        help_text="審査基準⑤（法第114条第1項第5号）の目安。これを超える利用期間は「不適合」の候補として示します。",
    )
    document_symbol = models.CharField(
        "文書番号の記号", max_length=20, default="匿加", help_text="例: 「匿加」→ 匿加第12号"
    )
    agency_head_name = models.CharField("行政機関の長の氏名", max_length=100, blank=True)
    agency_address = models.CharField("行政機関の所在地", max_length=300, blank=True)
    submission_days = models.PositiveSmallIntegerField(
        "契約の締結の申込書の提出期限（通知の日から日数）", default=30, validators=[MinValueValidator(1)]
    )
    payment_method = models.TextField(
        "手数料の納付方法",
        default="同封の納付書により、日本銀行（本店・支店・代理店又は歳入代理店）に納付してください。",
    )
    contact_section = models.CharField("問合せ先（担当部署）", max_length=200, blank=True)
    contact_person = models.CharField("問合せ先（担当者）", max_length=100, blank=True)
    contact_phone = models.CharField("問合せ先（電話番号）", max_length=50, blank=True)
    contact_email = models.EmailField("問合せ先（メールアドレス）", blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "審査・通知の設定"
        verbose_name_plural = "審査・通知の設定"

    def __str__(self) -> str:
        return "審査・通知の設定"

    @classmethod
    def current(cls) -> "ScreeningPolicy":
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class Screening(models.Model):
    """The screening of one proposal: who screens it, who approved it, and the decision.

    Screeners see a screening through the object permission proposals.screen_screening (django-guardian),
    granted on assignment; approvers hold proposals.approve_screening as a model permission.
    """

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    proposal = models.OneToOneField(
        "proposals.Proposal", verbose_name="提案", on_delete=models.PROTECT, related_name="screening"
    )
    started_at = models.DateTimeField("審査開始日時", auto_now_add=True)
    submitted_by, submitted_by_name = recorded_person("決裁に回付した者", blank=True)
    submitted_at = models.DateTimeField("決裁への回付日時", null=True, blank=True)
    approver, approver_name = recorded_person("決裁者", blank=True)
    decided_at = models.DateTimeField("決裁日時", null=True, blank=True)
    decision = models.CharField("審査の結果", max_length=12, choices=ScreeningDecision.choices, blank=True)
    decision_comment = models.TextField("決裁時の意見", blank=True)

    class Meta:
        verbose_name = "審査"
        verbose_name_plural = "審査"
        ordering = ["-started_at"]
        permissions = [
            ("assign_screening", "審査担当者を割り当てる"),
            ("screen_screening", "提案を審査する"),
            ("approve_screening", "審査結果を決裁する"),
            ("oversee_screening", "すべての提案の審査を閲覧する"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} の審査"


class ScreeningAssignment(models.Model):
    """A screener assigned to a screening, and their conflict-of-interest declaration (利益相反の申告)."""

    screening = models.ForeignKey(Screening, verbose_name="審査", on_delete=models.PROTECT, related_name="assignments")
    screener, screener_name = recorded_person("審査担当者")
    assigned_by, assigned_by_name = recorded_person("割当者")
    assigned_at = models.DateTimeField("割当日時", auto_now_add=True)
    # None: not declared yet; True: a conflict, so the screener is recused (回避); False: none.
    has_conflict = models.BooleanField("利益相反の有無", null=True, blank=True)
    conflict_note = models.TextField("利益相反の内容", blank=True)
    declared_at = models.DateTimeField("申告日時", null=True, blank=True)

    class Meta:
        verbose_name = "審査担当者の割当て"
        verbose_name_plural = "審査担当者の割当て"
        ordering = ["screening", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "screener"], name="screeningassignment_unique_screener"),
            models.CheckConstraint(
                condition=~models.Q(has_conflict=True, conflict_note=""),
                name="screeningassignment_conflict_has_note",
                violation_error_message="利益相反がある場合は、その内容を記入してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.screening.proposal}: {self.screener_name}"

    @property
    def recused(self) -> bool:
        return self.has_conflict is True

    @property
    def may_screen(self) -> bool:
        return self.has_conflict is False

    @property
    def conflict_label(self) -> str:
        return {None: "未申告", True: "利益相反あり（回避）", False: "利益相反なし"}[self.has_conflict]


class CriterionRecord(models.Model):
    """A screener's finding on one criterion of 法114条1項, with the portal's suggestion beside it."""

    screening = models.ForeignKey(Screening, verbose_name="審査", on_delete=models.PROTECT, related_name="criteria")
    criterion = models.PositiveSmallIntegerField("審査基準", choices=Criterion.choices)
    # The version of the proposal the finding is about (after a correction, the screener records again).
    version = models.ForeignKey(
        "proposals.ProposalVersion", verbose_name="提案の版", on_delete=models.PROTECT, related_name="+"
    )
    suggested_met = models.BooleanField("ポータルによる判定の候補", null=True, blank=True)
    suggested_reason = models.TextField("候補の理由", blank=True)
    met = models.BooleanField("適合")
    reason = models.TextField("理由")
    overrides_suggestion = models.BooleanField("候補と異なる判断", default=False)
    recorded_by, recorded_by_name = recorded_person("記録者")
    recorded_at = models.DateTimeField("記録日時")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "審査基準ごとの判断"
        verbose_name_plural = "審査基準ごとの判断"
        ordering = ["screening", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "criterion"], name="criterionrecord_unique_criterion"),
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="criterionrecord_has_reason",
                violation_error_message="判断の理由を記入してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.screening.proposal}: {Criterion(self.criterion).label[:3]} {'適合' if self.met else '不適合'}"

    @property
    def met_label(self) -> str:
        return "適合" if self.met else "不適合"


class ResultNotice(models.Model):
    """審査結果通知書 (法114条2項・3項) as issued: number, date, outcome and the PDFs, never re-rendered."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    screening = models.OneToOneField(Screening, verbose_name="審査", on_delete=models.PROTECT, related_name="notice")
    proposal = models.ForeignKey(
        "proposals.Proposal", verbose_name="提案", on_delete=models.PROTECT, related_name="result_notices"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    document_number = models.CharField("文書番号", max_length=40)
    document_date = models.DateField("通知日")
    decision = models.CharField("審査の結果", max_length=12, choices=ScreeningDecision.choices)
    fee_amount = models.PositiveIntegerField("手数料の見込額（円）", null=True, blank=True)
    estimated_hours = models.DecimalField(
        "作成に要する時間の見込み", max_digits=7, decimal_places=2, null=True, blank=True
    )
    issued_by, issued_by_name = recorded_person("決裁者")
    issued_at = models.DateTimeField("発出日時", auto_now_add=True)

    class Meta:
        verbose_name = "審査結果通知書"
        verbose_name_plural = "審査結果通知書"
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "document_number"], name="resultnotice_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.document_number}（{self.get_decision_display()}）"


class ResultNoticeDocument(models.Model):
    """One PDF of a notice (the notice itself and, when adequate, the enclosed forms), stored protected."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    notice = models.ForeignKey(
        ResultNotice, verbose_name="審査結果通知書", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("書類", max_length=24, choices=NoticeDocumentKind.choices)
    file = models.FileField("ファイル", storage=protected_storage, upload_to=protected_upload_path, max_length=200)
    original_name = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField("MIMEタイプ", max_length=100, default="application/pdf")
    size = models.PositiveIntegerField("サイズ")
    sha256 = models.CharField("ファイルのSHA-256", max_length=64)

    class Meta:
        verbose_name = "審査結果通知書の書類"
        verbose_name_plural = "審査結果通知書の書類"
        ordering = ["notice", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "kind"], name="resultnoticedocument_unique_kind")]

    def __str__(self) -> str:
        return self.original_name
