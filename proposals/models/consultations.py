"""Pre-consultation (事前相談): threads between a proposer and the agency before a proposal."""

import uuid

from django.db import models

from portal.uploads import protected_storage, protected_upload_path
from portal.workflow import recorded_person


class ConsultationStatus(models.TextChoices):
    OPEN = "open", "相談中"
    CLOSED = "closed", "終了"


class Consultation(models.Model):
    """A thread about a call or a register entry; it stays with the proposal that follows it."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    proposer = models.ForeignKey(
        "proposals.Proposer", verbose_name="提案者", on_delete=models.PROTECT, related_name="consultations"
    )
    subject = models.CharField("件名", max_length=200)
    call = models.ForeignKey(
        "proposals.ProposalCall", verbose_name="対象の募集", on_delete=models.PROTECT, null=True, blank=True
    )
    entry = models.ForeignKey(
        "files_registry.RegisterEntry",
        verbose_name="対象の個人情報ファイル",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    status = models.CharField(
        "状況", max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    created_at = models.DateTimeField("開始日時", auto_now_add=True)
    last_message_at = models.DateTimeField("最終更新日時", auto_now_add=True)

    class Meta:
        verbose_name = "事前相談"
        verbose_name_plural = "事前相談"
        ordering = ["-last_message_at"]
        permissions = [("answer_consultation", "事前相談に回答する")]

    def __str__(self) -> str:
        return self.subject


class ConsultationMessage(models.Model):
    consultation = models.ForeignKey(
        Consultation, verbose_name="事前相談", on_delete=models.CASCADE, related_name="messages"
    )
    author, author_name = recorded_person("送信者")
    from_agency = models.BooleanField("行政機関からの回答", default=False)
    body = models.TextField("本文")
    created_at = models.DateTimeField("送信日時", auto_now_add=True)

    class Meta:
        verbose_name = "事前相談のメッセージ"
        verbose_name_plural = "事前相談のメッセージ"
        ordering = ["consultation", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_name}（{self.created_at:%Y-%m-%d %H:%M}）"


class ConsultationAttachment(models.Model):
    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(
        ConsultationMessage, verbose_name="事前相談のメッセージ", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("ファイル", storage=protected_storage, upload_to=protected_upload_path, max_length=200)
    original_name = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField("MIMEタイプ", max_length=100)
    size = models.PositiveIntegerField("サイズ")
    sha256 = models.CharField("ファイルのSHA-256", max_length=64)

    class Meta:
        verbose_name = "事前相談の添付ファイル"
        verbose_name_plural = "事前相談の添付ファイル"

    def __str__(self) -> str:
        return self.original_name
