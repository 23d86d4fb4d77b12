"""The protection managers' own inspections (点検, seed 004 第30条; also the periodic review of the download
warning, 第13条, and the check of the erasure of temporary copies, 第17条第2項) and the corrections of
delivered datasets (誤りの訂正等, 第8条)."""

import uuid

from django.conf import settings
from django.db import models

from portal.compliance.enums import InspectionOccasion, InspectionResult, InspectionSubject
from portal.workflow import recorded_person


class Inspection(models.Model):
    """One inspection (点検) a protection manager made of the recording media, processing paths, storage …
    of a section (seed 004 第30条), with its findings, the measures taken and the report to the chief
    manager and the institute manager when one was made. Never changed afterwards, except that the date
    of that report may be added once."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="点検した課室等",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        help_text="空欄は機構全体（情報システムの設定など）",
    )
    subject = models.CharField("点検の対象", max_length=24, choices=InspectionSubject.choices)
    occasion = models.CharField("定期・随時", max_length=8, choices=InspectionOccasion.choices)
    inspected_on = models.DateField("点検日")
    scope = models.TextField("点検の範囲", help_text="点検した媒体、処理経路、保管場所、設定など")
    findings = models.TextField("点検の結果（所見）")
    result = models.CharField("評価", max_length=20, choices=InspectionResult.choices)
    measures = models.TextField(
        "講じた措置", blank=True, help_text="評価が「適切」でない場合は必須（改善の内容、期限など）"
    )
    # 第13条: the thresholds as they were when reviewed, so a later change of the settings shows.
    settings_reviewed = models.JSONField("確認した設定", default=dict, blank=True, editable=False)
    reported_on = models.DateField(
        "総括管理者及び研究所等管理者への報告日",
        null=True,
        blank=True,
        help_text="第30条：必要があると認めるときは結果を報告します。",
    )
    reported_by_name = models.CharField("報告を記録した者", max_length=200, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録者のアカウント",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_by_name = models.CharField("記録者", max_length=200, editable=False)
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "点検"
        verbose_name_plural = "点検"
        ordering = ["-inspected_on", "-id"]
        permissions = [("oversee_inspection", "すべての点検を閲覧する")]
        indexes = [models.Index(fields=["subject", "inspected_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reported_on__isnull=True) | models.Q(reported_on__gte=models.F("inspected_on")),
                name="inspection_reported_after_inspected",
                violation_error_message="報告日は点検日以後の日付にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.get_subject_display()}"


class DatasetCorrection(models.Model):
    """An error found in a delivered anonymized dataset and its correction on the protection manager's
    instruction (誤りの訂正等, seed 004 第8条): what was found, when and by whom; the instruction; then what
    was done (訂正等) and when. The dataset's name is copied in so the record outlives it."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(
        "anonymizer.AnonymizedDataset",
        verbose_name="行政機関等匿名加工情報",
        on_delete=models.SET_NULL,
        null=True,
        related_name="corrections",
    )
    dataset_name = models.CharField("行政機関等匿名加工情報（名称）", max_length=300, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="管理する組織",
        on_delete=models.PROTECT,
        related_name="dataset_corrections",
        editable=False,
    )
    found_on = models.DateField("誤り等を発見した日")
    found_by = models.CharField("発見した者", max_length=200, help_text="職員、契約相手方など")
    error = models.TextField("誤り等の内容")
    instruction = models.TextField("保護管理者の指示", help_text="訂正、再作成、利用の停止、契約相手方への連絡など")
    instructed_by, instructed_by_name = recorded_person("指示した保護管理者", editable=False)
    instructed_at = models.DateTimeField("指示の記録日時", auto_now_add=True)
    correction = models.TextField("行った訂正等の内容", blank=True)
    corrected_on = models.DateField("訂正等を行った日", null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="訂正等を記録した者のアカウント",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    corrected_by_name = models.CharField("訂正等を記録した者", max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = "行政機関等匿名加工情報の誤りの訂正等"
        verbose_name_plural = "行政機関等匿名加工情報の誤りの訂正等"
        ordering = ["-found_on", "-id"]
        permissions = [("oversee_datasetcorrection", "すべての誤りの訂正等を閲覧する")]

    def __str__(self) -> str:
        return f"{self.dataset_name}（{self.found_on}）"

    @property
    def is_corrected(self) -> bool:
        return self.corrected_on is not None
