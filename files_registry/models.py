"""The file register (個人情報ファイル簿): one entry per personal information file.

Field labels are the words of the published form (seed 000, 個人情報ファイル簿の例).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from files_registry.enums import EligibilityCondition, FileType
from files_registry.search import normalize_for_search


def _default_agency_name() -> str:
    return settings.AGENCY_NAME


def _confirmer(label: str) -> models.ForeignKey:
    """Who confirmed an eligibility condition; kept when the account is deleted (history keeps the id)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class RegisterEntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class RegisterEntry(models.Model):
    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    register_number = models.CharField(
        "整理番号",
        max_length=40,
        unique=True,
        help_text="ファイル簿の整理番号。取込みでは、この番号が同じ記載を更新します。",
    )
    name = models.CharField("個人情報ファイルの名称", max_length=200)
    agency_name = models.CharField("行政機関の名称", max_length=200, default=_default_agency_name)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="個人情報ファイルが利用に供される事務をつかさどる組織の名称",
        on_delete=models.PROTECT,
        related_name="register_entries",
    )
    purpose = models.TextField("個人情報ファイルの利用目的")
    record_scope = models.TextField("記録範囲")
    collection_method = models.TextField("記録情報の収集方法")
    contains_sensitive_information = models.BooleanField("要配慮個人情報が含まれるときは、その旨", default=False)
    regular_recipients = models.TextField("記録情報の経常的提供先", blank=True)
    disclosure_office = models.TextField("開示請求等を受理する組織の名称及び所在地", blank=True)
    special_procedures = models.TextField(
        "訂正及び利用停止に関する他の法律又はこれに基づく命令の規定による特別の手続等", blank=True
    )
    file_type = models.CharField("個人情報ファイルの種別", max_length=16, choices=FileType.choices)
    cabinet_order_20_7 = models.BooleanField("令第20条第7項に該当するファイル", default=False)
    open_for_proposals = models.BooleanField(
        "行政機関等匿名加工情報の提案をする個人情報ファイルである旨",
        default=False,
        help_text="提案募集の3要件がすべて確認されている場合に限り設定できます。",
    )
    proposal_office = models.TextField("行政機関等匿名加工情報の提案を受ける組織の名称及び所在地", blank=True)
    existing_dataset_proposal_office = models.TextField(
        "作成された行政機関等匿名加工情報に関する提案を受ける組織の名称及び所在地", blank=True
    )
    remarks = models.TextField("備考", blank=True)
    published = models.BooleanField("公表する", default=True)

    # --- Staff only: never shown on public pages ---
    subject_count = models.PositiveIntegerField("本人の数", null=True, blank=True)
    # The three conditions a file must meet to be offered for proposals (seed 000 ①②③;
    # 法60条3項). Each confirmation records who confirmed it and when.
    eligibility_registered = models.BooleanField(EligibilityCondition.REGISTERED.label, default=False)
    eligibility_registered_by = _confirmer("①の確認者")
    eligibility_registered_at = models.DateTimeField("①の確認日時", null=True, blank=True)
    eligibility_disclosable = models.BooleanField(EligibilityCondition.DISCLOSABLE.label, default=False)
    eligibility_disclosable_by = _confirmer("②の確認者")
    eligibility_disclosable_at = models.DateTimeField("②の確認日時", null=True, blank=True)
    eligibility_processable = models.BooleanField(EligibilityCondition.PROCESSABLE.label, default=False)
    eligibility_processable_by = _confirmer("③の確認者")
    eligibility_processable_at = models.DateTimeField("③の確認日時", null=True, blank=True)

    # Normalised text of name, purpose, recorded items, agency and organization (see search.py).
    search_text = models.TextField("検索用の正規化したテキスト", editable=False, default="")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "個人情報ファイル簿"
        verbose_name_plural = "個人情報ファイル簿"
        ordering = ["register_number"]
        permissions = [
            ("import_registerentry", "個人情報ファイル簿を取り込む"),
            ("confirm_eligibility", "提案募集の3要件を確認する"),
        ]
        constraints = [
            # 法60条3項 / seed 000: only a file meeting all three conditions may be offered for proposals (法110).
            models.CheckConstraint(
                condition=models.Q(open_for_proposals=False)
                | models.Q(eligibility_registered=True, eligibility_disclosable=True, eligibility_processable=True),
                name="open_for_proposals_requires_eligibility",
                violation_error_message="提案募集の3要件（①②③）がすべて確認されていないため、"
                "提案をする個人情報ファイルとすることはできません。",
            ),
        ]
        indexes = [
            models.Index(fields=["published", "name"], name="registerentry_pub_name"),
            models.Index(fields=["published", "organization", "register_number"], name="registerentry_pub_org"),
            models.Index(fields=["published", "open_for_proposals", "register_number"], name="registerentry_pub_open"),
            models.Index(fields=["published", "-updated_at"], name="registerentry_pub_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.register_number} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.open_for_proposals and not self.proposal_office.strip():
            raise ValidationError(
                {"proposal_office": "提案をする個人情報ファイルには、提案を受ける組織の名称及び所在地が必要です。"}
            )

    @property
    def eligibility_met(self) -> bool:
        return self.eligibility_registered and self.eligibility_disclosable and self.eligibility_processable

    def build_search_text(self, item_names: list[str]) -> str:
        """The normalised text public search runs on (name, purpose, items, agency, organization)."""
        parts = [self.name, self.purpose, *item_names, self.agency_name, self.organization.name]
        return "\n".join(normalize_for_search(part) for part in parts) + "\n"


class RecordedItem(models.Model):
    """One 記録項目 of a file, in the order of the register (proposals pick from these)."""

    entry = models.ForeignKey(
        RegisterEntry, verbose_name="個人情報ファイル", on_delete=models.CASCADE, related_name="recorded_items"
    )
    position = models.PositiveSmallIntegerField("順番")
    name = models.CharField("記録項目", max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "記録項目"
        verbose_name_plural = "記録項目"
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="recordeditem_unique_position"),
            models.UniqueConstraint(fields=["entry", "name"], name="recordeditem_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AnonymizedDatasetSummary(models.Model):
    """行政機関等匿名加工情報の概要: what the register publishes about a created dataset (法117).

    Filled when a dataset is created (anonymizer); also the period in which anyone may propose to
    use that dataset (作成された行政機関等匿名加工情報に関する提案をすることができる期間, 法118).
    """

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(
        RegisterEntry, verbose_name="個人情報ファイル", on_delete=models.CASCADE, related_name="dataset_summaries"
    )
    subject_count = models.PositiveIntegerField("本人の数")
    created_on = models.DateField("作成日")
    proposal_period_start = models.DateField("提案をすることができる期間（開始）", null=True, blank=True)
    proposal_period_end = models.DateField("提案をすることができる期間（終了）", null=True, blank=True)
    published = models.BooleanField("公表する", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "行政機関等匿名加工情報の概要"
        verbose_name_plural = "行政機関等匿名加工情報の概要"
        ordering = ["entry", "created_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal_period_start__isnull=True)
                | models.Q(proposal_period_end__isnull=True)
                | models.Q(proposal_period_end__gte=models.F("proposal_period_start")),
                name="datasetsummary_period_order",
                violation_error_message="提案をすることができる期間の終了日は開始日以後にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.name}（{self.created_on}作成）"

    def accepts_proposals_on(self, day) -> bool:
        """法118: proposals on this dataset are taken during the period the register shows."""
        return bool(
            self.published
            and self.proposal_period_start
            and self.proposal_period_end
            and self.proposal_period_start <= day <= self.proposal_period_end
        )

    @property
    def accepts_proposals_today(self) -> bool:
        from django.utils import timezone

        return self.accepts_proposals_on(timezone.localdate())


class AnonymizedDatasetSummaryItem(models.Model):
    """情報の項目 of a created dataset and how it was processed, e.g. 住所（都道府県単位に置換え）."""

    summary = models.ForeignKey(
        AnonymizedDatasetSummary,
        verbose_name="行政機関等匿名加工情報の概要",
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField("順番")
    name = models.CharField("情報の項目", max_length=100)
    processing = models.CharField("加工の方法", max_length=200, blank=True)

    class Meta:
        verbose_name = "情報の項目"
        verbose_name_plural = "情報の項目"
        ordering = ["summary", "position"]

    def __str__(self) -> str:
        return f"{self.name}（{self.processing}）" if self.processing else self.name


class SourceFile(models.Model):
    """The data of a personal information file, as uploaded by its managers: encrypted at rest with
    its own data key (seed 004 第18条; portal/crypto.py), readable only through files_registry.sources."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(
        RegisterEntry, verbose_name="個人情報ファイル", on_delete=models.PROTECT, related_name="source_files"
    )
    original_name = models.CharField("ファイル名", max_length=200)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256（平文）", max_length=64)
    stored_name = models.CharField("格納名", max_length=200, editable=False)
    key_id = models.CharField("マスター鍵", max_length=50, editable=False)
    # None once destroyed: without its data key the stored file can never be read (crypto-erase).
    wrapped_key = models.BinaryField("包まれたデータ鍵", null=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録者のアカウント",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by_name = models.CharField("登録者", max_length=200)
    uploaded_at = models.DateTimeField("登録日時", auto_now_add=True)
    destroyed_at = models.DateTimeField("消去日時", null=True, blank=True)

    class Meta:
        verbose_name = "個人情報ファイルの原データ"
        verbose_name_plural = "個人情報ファイルの原データ"
        ordering = ["entry", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.entry.name}: {self.original_name}"

    @property
    def key_context(self) -> bytes:
        """Binds the wrapped key to this file: a key copied onto another record does not unwrap."""
        return f"files_registry.sourcefile:{self.public_id}".encode()
