"""Proposers (提案者): individuals and corporations/bodies, their officers, and disqualifications."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from portal.workflow import recorded_person
from proposals import rules
from proposals.enums import DisqualificationGround, ProposerKind
from proposals.validators import validate_corporate_number, validate_postal_code


class Proposer(models.Model):
    """Who proposes: anyone who will use a dataset in a business, individual or body (seed 000)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="アカウント", on_delete=models.PROTECT, related_name="proposer"
    )
    kind = models.CharField("区分", max_length=16, choices=ProposerKind.choices)
    name = models.CharField("氏名又は名称", max_length=200)
    name_kana = models.CharField("フリガナ", max_length=200)
    postal_code = models.CharField("郵便番号", max_length=8, validators=[validate_postal_code])
    address = models.CharField("住所又は居所（法人は主たる事務所の所在地）", max_length=300)
    phone = models.CharField("電話番号", max_length=20)
    date_of_birth = models.DateField("生年月日（個人の場合）", null=True, blank=True)
    corporate_number = models.CharField(
        "法人番号（13桁）",
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text="国税庁が指定する13桁の番号です。",
    )
    representative_name = models.CharField("代表者の氏名（法人その他の団体の場合）", max_length=100, blank=True)
    representative_title = models.CharField("代表者の役職", max_length=100, blank=True)
    contact_name = models.CharField("担当者の氏名", max_length=100, blank=True)
    contact_department = models.CharField("担当部署", max_length=200, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "提案者"
        verbose_name_plural = "提案者"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ProposerKind.INDIVIDUAL, date_of_birth__isnull=False)
                | models.Q(kind=ProposerKind.CORPORATION, representative_name__gt="", corporate_number__gt=""),
                name="proposer_kind_fields",
                violation_error_message="個人は生年月日、法人その他の団体は代表者の氏名と法人番号が必要です。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.kind == ProposerKind.INDIVIDUAL and not self.date_of_birth:
            errors["date_of_birth"] = "個人の場合は生年月日を入力してください。"
        if self.kind == ProposerKind.CORPORATION:
            if not self.representative_name:
                errors["representative_name"] = "法人その他の団体の場合は代表者の氏名を入力してください。"
            if not self.corporate_number:
                errors["corporate_number"] = "法人その他の団体の場合は法人番号を入力してください。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_corporation(self) -> bool:
        return self.kind == ProposerKind.CORPORATION


class ProposerOfficer(models.Model):
    """An officer (役員) of a corporate proposer: each is checked against 法113 (6号)."""

    proposer = models.ForeignKey(Proposer, verbose_name="提案者", on_delete=models.CASCADE, related_name="officers")
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("フリガナ", max_length=100)
    title = models.CharField("役職", max_length=100)
    date_of_birth = models.DateField("生年月日")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "役員"
        verbose_name_plural = "役員"
        ordering = ["proposer", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.name}"


class DisqualificationRecord(models.Model):
    """A fact that disqualifies a party for a time: a contract cancelled under 法120, or a sentence.

    Matched at intake by 法人番号, or by name and date of birth (法113条4号・5号・6号).
    Created by the contracts app on a cancellation, or by staff from official information.
    """

    ground = models.CharField(
        "欠格事由",
        max_length=20,
        choices=[
            (DisqualificationGround.CANCELLATION.value, "契約の解除（法第120条）"),
            (DisqualificationGround.SENTENCE.value, "刑の執行の終了等"),
        ],
    )
    name = models.CharField("氏名又は名称", max_length=200)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True, validators=[validate_corporate_number])
    date_of_birth = models.DateField("生年月日（個人の場合）", null=True, blank=True)
    event_date = models.DateField("解除の日又は刑の執行を終わった日等")
    reason = models.TextField("経緯")
    source = models.CharField("記録の根拠", max_length=200, help_text="契約番号や公的な情報源など")
    recorded_by, recorded_by_name = recorded_person("記録者", blank=True, max_length=150)
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "欠格事由の記録"
        verbose_name_plural = "欠格事由の記録"
        ordering = ["-event_date"]
        indexes = [models.Index(fields=["corporate_number"]), models.Index(fields=["date_of_birth"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(corporate_number="", date_of_birth__isnull=True),
                name="disqualification_identifiable",
                violation_error_message="法人番号又は生年月日のいずれかが必要です。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_ground_display()}）"

    @property
    def ends_on(self):
        """The first day the party is no longer disqualified."""
        return rules.disqualification_end(self.event_date)
