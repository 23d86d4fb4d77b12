"""Cross-cutting records: number series and the outbox of e-mails and jobs."""

from django.conf import settings
from django.db import models


class NumberSeries(models.Model):
    """Gap-free official numbers (受付番号, 文書番号 …): one row per series, taken under a row lock."""

    key = models.CharField("系列", max_length=50, primary_key=True)
    last = models.PositiveIntegerField("最後の番号", default=0)

    class Meta:
        verbose_name = "番号の系列"
        verbose_name_plural = "番号の系列"

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "送信待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "送信失敗"


class Notification(models.Model):
    """A message to a person, kept in the database first (an outbox): shown on /mypage/ and e-mailed.

    Written in the same transaction as the change it reports, so it is never lost; sent by a Celery
    task after commit, or by the periodic relay when the broker was down; sent once (row lock + status).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先の利用者",
        on_delete=models.SET_NULL,
        null=True,
        related_name="notifications",
    )
    email = models.EmailField("宛先")
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    template = models.CharField("テンプレート", max_length=100)
    # False for messages carrying a credential (password reset links): e-mailed, never listed on /mypage/.
    listed = models.BooleanField("マイページに表示する", default=True)
    status = models.CharField(
        "状況", max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("送信の試行回数", default=0)
    last_error = models.CharField("直近のエラー", max_length=300, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class OutboxTask(models.Model):
    """A Celery task to publish after commit; kept until the broker has taken it."""

    task_name = models.CharField("ジョブ名", max_length=200)
    kwargs = models.JSONField("引数", default=dict)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    published_at = models.DateTimeField("送信日時", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("送信の試行回数", default=0)
    last_error = models.CharField("直近のエラー", max_length=300, blank=True)

    class Meta:
        verbose_name = "送信待ちのジョブ"
        verbose_name_plural = "送信待ちのジョブ"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["published_at", "created_at"])]

    def __str__(self) -> str:
        return self.task_name
