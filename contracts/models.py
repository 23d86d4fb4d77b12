"""Fees (手数料, 法119) for now; contract applications, payments and usage contracts come in a later slice."""

from django.db import models
from simple_history.models import HistoricalRecords


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
