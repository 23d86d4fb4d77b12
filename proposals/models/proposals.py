"""Proposals (提案, 法112 and 法118), their attachments, submitted versions and corrections."""

import uuid

from django.conf import settings
from django.db import models

from portal.uploads import protected_storage, protected_upload_path
from portal.workflow import TransitionRecord, recorded_person, status_pair
from proposals.enums import AttachmentKind, DeliveryMethod, ProposalKind, ProposalStatus


class Proposal(models.Model):
    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    receipt_number = models.CharField("受付番号", max_length=20, unique=True, null=True, blank=True, editable=False)
    kind = models.CharField("提案の種類", max_length=10, choices=ProposalKind.choices, default=ProposalKind.NEW_DATASET)
    status = models.CharField(
        "状況", max_length=24, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, editable=False
    )
    proposer = models.ForeignKey(
        "proposals.Proposer", verbose_name="提案者", on_delete=models.PROTECT, related_name="proposals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    call = models.ForeignKey(
        "proposals.ProposalCall",
        verbose_name="募集",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    # 法112条2項2号: the file (a new dataset); 法118: an existing dataset of that file.
    entry = models.ForeignKey(
        "files_registry.RegisterEntry",
        verbose_name="個人情報ファイルの名称",
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    dataset_summary = models.ForeignKey(
        "files_registry.AnonymizedDatasetSummary",
        verbose_name="作成された行政機関等匿名加工情報",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    consultations = models.ManyToManyField(
        "proposals.Consultation", verbose_name="関連する事前相談", blank=True, related_name="proposals"
    )

    # 法112条2項3号
    subject_count = models.PositiveIntegerField("行政機関等匿名加工情報の本人の数", null=True, blank=True)
    # 法112条2項4号: item by item, read by screening and the anonymizer (see processing.py)
    processing_request = models.JSONField("加工の方法", default=dict, blank=True)
    # 法112条2項5号
    purpose = models.TextField("行政機関等匿名加工情報の利用の目的", blank=True)
    method = models.TextField("行政機関等匿名加工情報の利用の方法", blank=True)
    business_content = models.TextField("行政機関等匿名加工情報がその用に供される事業の内容", blank=True)
    # 法112条2項6号
    use_period_start = models.DateField("事業の用に供しようとする期間（開始）", null=True, blank=True)
    use_period_end = models.DateField("事業の用に供しようとする期間（終了）", null=True, blank=True)
    # 法112条2項7号
    security_measures = models.TextField("漏えいの防止その他の適切な管理のために講ずる措置", blank=True)
    # 法112条2項8号 / 規則: the desired way of delivery
    delivery_method = models.CharField(
        "行政機関等匿名加工情報の提供の方法", max_length=10, choices=DeliveryMethod.choices, blank=True
    )
    # Submission by an agent (代理人) with a power of attorney (委任状)
    submitted_by_agent = models.BooleanField("代理人による提案", default=False)
    agent_name = models.CharField("代理人の氏名又は名称", max_length=200, blank=True)
    agent_address = models.CharField("代理人の住所又は所在地", max_length=300, blank=True)
    # 法113: the proposer's (and each officer's) declaration against every ground
    declarations = models.JSONField("欠格事由に関する申告", default=dict, blank=True)

    submitted_at = models.DateTimeField("提出日時", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "提案"
        verbose_name_plural = "提案"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ProposalKind.EXISTING_DATASET) | models.Q(call__isnull=False),
                name="proposal_new_dataset_has_call",
                violation_error_message="行政機関等匿名加工情報の作成に関する提案は、募集に対して行います。",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=ProposalKind.NEW_DATASET) | models.Q(dataset_summary__isnull=False),
                name="proposal_existing_dataset_has_dataset",
                violation_error_message="作成された行政機関等匿名加工情報を指定してください。",
            ),
        ]
        indexes = [models.Index(fields=["proposer", "status"]), models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return self.receipt_number or f"作成中の提案（{self.entry.name}）"

    @property
    def is_existing_dataset(self) -> bool:
        return self.kind == ProposalKind.EXISTING_DATASET

    def latest_version(self) -> "ProposalVersion | None":
        """The version screening works on: the last one submitted (a correction adds a new one)."""
        return self.versions.order_by("-number").first()

    @property
    def editable_by_proposer(self) -> bool:
        """Only a draft, or a proposal whose correction (補正) was requested, can be edited."""
        return self.status in (ProposalStatus.DRAFT, ProposalStatus.CORRECTION_REQUESTED)


class ProposalAttachment(models.Model):
    """A document attached to a proposal (法112条3項). Kept once any submitted version names it."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(Proposal, verbose_name="提案", on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("書類の種類", max_length=20, choices=AttachmentKind.choices)
    file = models.FileField("ファイル", storage=protected_storage, upload_to=protected_upload_path, max_length=200)
    original_name = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField("MIMEタイプ", max_length=100)
    size = models.PositiveIntegerField("サイズ")
    sha256 = models.CharField("ファイルのSHA-256", max_length=64)
    uploaded_at = models.DateTimeField("添付日時", auto_now_add=True)
    # Replaced by a newer file of the same kind; kept for the versions that refer to it.
    replaced_at = models.DateTimeField("差替え日時", null=True, blank=True)

    class Meta:
        verbose_name = "添付書類"
        verbose_name_plural = "添付書類"
        ordering = ["proposal", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class VersionKind(models.TextChoices):
    SUBMISSION = "submission", "提出"
    CORRECTION = "correction", "補正"


class ProposalVersion(models.Model):
    """Exactly what was submitted, frozen: every submission and every correction is a version."""

    proposal = models.ForeignKey(Proposal, verbose_name="提案", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("版")
    kind = models.CharField("種別", max_length=12, choices=VersionKind.choices)
    snapshot = models.JSONField("提出内容")
    submitted_by, submitted_by_name = recorded_person("提出者")
    submitted_at = models.DateTimeField("提出日時")

    class Meta:
        verbose_name = "提案の版"
        verbose_name_plural = "提案の版"
        ordering = ["proposal", "number"]
        constraints = [models.UniqueConstraint(fields=["proposal", "number"], name="proposalversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.proposal} 第{self.number}版（{self.get_kind_display()}）"


class CorrectionRequest(models.Model):
    """補正の求め: staff ask the proposer to correct the proposal; screening pauses meanwhile."""

    proposal = models.ForeignKey(
        Proposal, verbose_name="提案", on_delete=models.PROTECT, related_name="correction_requests"
    )
    message = models.TextField("補正を求める事項")
    due_date = models.DateField("補正の期限")
    requested_by, requested_by_name = recorded_person("依頼者")
    requested_at = models.DateTimeField("依頼日時", auto_now_add=True)
    answered_version = models.OneToOneField(
        ProposalVersion,
        verbose_name="補正した版",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )

    class Meta:
        verbose_name = "補正の求め"
        verbose_name_plural = "補正の求め"
        ordering = ["proposal", "requested_at"]

    def __str__(self) -> str:
        return f"{self.proposal} への補正の求め（{self.requested_at:%Y-%m-%d}）"


class ProposalTransition(TransitionRecord):
    """One status change: who, when, why (an audit row: it outlives the people it names)."""

    proposal = models.ForeignKey(Proposal, verbose_name="提案", on_delete=models.PROTECT, related_name="transitions")
    from_status, to_status = status_pair(ProposalStatus, max_length=24)

    class Meta:
        verbose_name = "提案の状況の変更"
        verbose_name_plural = "提案の状況の変更"
        ordering = ["proposal", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.from_status} → {self.to_status}"
