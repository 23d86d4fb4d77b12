"""Disposal certificates (消去証明, seed 004 第10条).

A certificate outlives what it describes: the disposed object is named by copied-in text (type, public id,
description), people and organizations by id and name, and every foreign key is SET_NULL.
"""

import uuid

from django.conf import settings
from django.db import models

from portal.disposal.enums import DisposalMethod
from portal.uploads import protected_storage


class DisposalCertificate(models.Model):
    """One disposal (消去) and the certificate issued for it; written only by services.disposal_certify."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    fiscal_year = models.PositiveSmallIntegerField("年度")
    certificate_number = models.CharField("証明番号", max_length=40, unique=True)

    # What was disposed of (copied in: the object itself is gone or will be).
    object_type = models.CharField("対象の種類", max_length=100)
    object_id = models.CharField("対象の識別子", max_length=64)
    description = models.TextField("消去した情報")
    method = models.CharField("消去の方法", max_length=30, choices=DisposalMethod.choices)
    key_id = models.CharField("マスター鍵", max_length=50, blank=True)
    sha256 = models.CharField("SHA-256（消去した平文）", max_length=64, blank=True)

    # When, by whom, why.
    disposed_at = models.DateTimeField("消去日時")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="実施者のアカウント",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_user_id = models.PositiveIntegerField("実施者ID", null=True)
    actor_name = models.CharField("実施者", max_length=200)
    reason = models.TextField("消去の理由")

    # Whose data it was (where known): decides which protection managers see the certificate.
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="管理する組織",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organization_name = models.CharField("組織", max_length=200, blank=True)

    # A disposal at the end of a usage contract, confirmed by the contractor's report (seed 004 第10条後段).
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="利用契約",
    )
    contract_number = models.CharField("契約番号", max_length=40, blank=True)
    contractor_report = models.ForeignKey(
        "contracts.ContractReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="契約相手方の削除の報告",
    )

    # The certificate as issued (PDF bytes kept exactly).
    pdf = models.FileField(
        "消去証明書（PDF）", storage=protected_storage, upload_to="disposal/certificate/", max_length=200, blank=True
    )
    pdf_size = models.PositiveIntegerField("PDFのサイズ", default=0)
    pdf_sha256 = models.CharField("PDFのSHA-256", max_length=64, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "消去証明"
        verbose_name_plural = "消去証明"
        ordering = ["-disposed_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["disposed_at"])]

    def __str__(self) -> str:
        return self.certificate_number

    @property
    def pdf_name(self) -> str:
        return f"消去証明書（{self.certificate_number}）.pdf"
