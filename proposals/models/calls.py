"""Proposal calls (提案の募集, 法111) and their guidelines (募集要綱)."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.jdates import fiscal_year
from proposals import rules


class CallPhase(models.TextChoices):
    UNPUBLISHED = "unpublished", "募集要綱の公示前"
    UPCOMING = "upcoming", "募集開始前"
    OPEN = "open", "募集中"
    CLOSED = "closed", "募集終了"


class ProposalCallQuerySet(models.QuerySet):
    def published(self, now=None):
        """Calls whose guidelines are public (公示済み)."""
        return self.filter(guidelines_published_at__lte=now or timezone.now())


class ProposalCall(models.Model):
    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    fiscal_year = models.PositiveSmallIntegerField("年度", help_text="西暦で入力（令和8年度 → 2026）")
    title = models.CharField("募集の名称", max_length=200)
    entries = models.ManyToManyField(
        "files_registry.RegisterEntry",
        verbose_name="対象となる個人情報ファイル",
        related_name="proposal_calls",
        limit_choices_to={"open_for_proposals": True},
    )
    opens_at = models.DateTimeField("募集開始日時")
    closes_at = models.DateTimeField(
        "募集終了日時",
        help_text="募集期間は30日以上必要です。締切日は、その日の終わり（23時59分59秒）まで受け付ける場合に1日と数えます。",
    )
    guidelines_published_at = models.DateTimeField("募集要綱の公示日時", null=True, blank=True, editable=False)

    # 募集要綱 (seed 000: published before the call opens)
    purpose = models.TextField("募集の目的")
    eligibility = models.TextField("提案をすることができる者及び欠格事由")
    documents = models.TextField("提出書類及び様式")
    submission = models.TextField("提出先及び提出方法")
    screening = models.TextField("審査基準")
    contract_flow = models.TextField("契約締結までの流れ")
    fees = models.TextField("手数料")
    contact = models.TextField("問合せ先")
    notes = models.TextField("その他", blank=True)

    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()
    objects = ProposalCallQuerySet.as_manager()

    class Meta:
        verbose_name = "提案の募集"
        verbose_name_plural = "提案の募集"
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
                violation_error_message="募集終了日時は募集開始日時より後にしてください。",
            ),
            # seed 000: the guidelines are published before the call opens.
            models.CheckConstraint(
                condition=models.Q(guidelines_published_at__isnull=True)
                | models.Q(guidelines_published_at__lt=models.F("opens_at")),
                name="call_guidelines_before_opening",
                violation_error_message="募集要綱は募集開始より前に公示しなければなりません。",
            ),
        ]
        permissions = [("publish_proposalcall", "募集要綱を公示する")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if not (self.opens_at and self.closes_at):
            return
        errors = {}
        # 法111 and seed 000: a call lasts 30 days or more.
        if rules.call_period_days(self.opens_at, self.closes_at) < rules.MIN_CALL_DAYS:
            errors["closes_at"] = (
                f"募集期間が{rules.call_period_days(self.opens_at, self.closes_at)}日です。"
                f"{rules.MIN_CALL_DAYS}日以上の期間を定めてください。"
            )
        if self.fiscal_year and fiscal_year(timezone.localtime(self.opens_at).date()) != self.fiscal_year:
            errors["opens_at"] = "募集開始日時が、指定した年度の中にありません。"
        if self.guidelines_published_at and self._state.adding is False:
            errors.update(self._published_changes())
        if errors:
            raise ValidationError(errors)

    def _published_changes(self) -> dict:
        """Once the guidelines are public, the call may only be extended, never moved or shortened."""
        original = type(self).objects.filter(pk=self.pk).values("opens_at", "closes_at").first()
        if original is None:
            return {}
        errors = {}
        if self.opens_at != original["opens_at"]:
            errors["opens_at"] = "募集要綱の公示後は、募集開始日時を変更できません。"
        if self.closes_at < original["closes_at"]:
            errors["closes_at"] = "募集要綱の公示後は、募集期間を短縮できません（延長のみ可能です）。"
        return errors

    def phase(self, now=None) -> CallPhase:
        now = now or timezone.now()
        if self.guidelines_published_at is None or self.guidelines_published_at > now:
            return CallPhase.UNPUBLISHED
        if now < self.opens_at:
            return CallPhase.UPCOMING
        if now <= self.closes_at:
            return CallPhase.OPEN
        return CallPhase.CLOSED

    def is_open(self, now=None) -> bool:
        """Intake is open, to the second, on the server's clock (closing instant included)."""
        return self.phase(now) == CallPhase.OPEN

    @property
    def period_days(self) -> int:
        return rules.call_period_days(self.opens_at, self.closes_at)
