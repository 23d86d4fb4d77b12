"""Access records (アクセス記録) and what protects and analyses them (seed 004 第12条・第13条).

`AccessRecord` is append-only: rows are written only by `portal.audit.services.access_record`, chained
by hash (portal.audit.chain), and the database refuses UPDATE/DELETE/TRUNCATE (migration 0002). The
Python guards below say the same to ORM callers before the database has to.
"""

from django.conf import settings
from django.db import models

from portal.audit.enums import AccessAction, AccessResult, AlertKind

GENESIS_HASH = "0" * 64


class AccessRecordProtected(Exception):
    """Raised when code tries to change or remove an access record (seed 004 第12条2項)."""


class AccessRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # The one update allowed: Django's SET_NULL when a user is deleted. The actor's id and name stay
        # copied in the record (and in its hash), so the record outlives the user.
        if kwargs == {"actor": None}:
            return super().update(**kwargs)
        raise AccessRecordProtected("アクセス記録は変更できません。")

    def delete(self):
        raise AccessRecordProtected("アクセス記録は削除できません。")

    delete.queryset_only = True

    def bulk_update(self, objs, fields, batch_size=None):
        raise AccessRecordProtected("アクセス記録は変更できません。")

    def bulk_create(self, objs, *args, **kwargs):
        raise AccessRecordProtected("アクセス記録は access_record() だけが作成します。")


class AppendOnlyModel(models.Model):
    """A row that is written once. `_chain_sealed` is set by the only writer of the model."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or not getattr(self, "_chain_sealed", False):
            raise AccessRecordProtected(f"{self._meta.verbose_name}は追記専用です。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AccessRecordProtected(f"{self._meta.verbose_name}は削除できません。")


class AccessRecord(AppendOnlyModel):
    """One access: who, what, when, from where, with what result (seed 004 第12条1項).

    Every field but `actor` enters the hash (portal.audit.chain.CANONICAL_FIELDS). When a field is added,
    add it there and to the SQLite trigger of migration 0002's successor, in the same change.
    """

    position = models.BigIntegerField("通番", primary_key=True)
    occurred_at = models.DateTimeField("日時", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="利用者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_user_id = models.BigIntegerField("利用者ID", null=True, blank=True)
    actor_username = models.CharField("ログイン名", max_length=150, blank=True)
    actor_name = models.CharField("利用者名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=32, choices=AccessAction.choices)
    result = models.CharField("結果", max_length=16, choices=AccessResult.choices)
    object_type = models.CharField("対象の種類", max_length=100, blank=True)
    object_id = models.CharField("対象のID", max_length=64, blank=True)
    object_repr = models.CharField("対象", max_length=200, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    user_agent = models.CharField("ユーザーエージェント", max_length=300, blank=True)
    request_path = models.CharField("画面のパス", max_length=300, blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)
    hash = models.CharField("ハッシュ値", max_length=64)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "アクセス記録"
        verbose_name_plural = "アクセス記録"
        ordering = ["-position"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["actor_user_id", "occurred_at"], name="audit_record_actor_time")]
        constraints = [models.CheckConstraint(condition=models.Q(position__gte=1), name="audit_record_position_gte_1")]

    def __str__(self) -> str:
        return f"#{self.position} {self.actor_name or self.actor_username or '-'} {self.get_action_display()}"


class AccessChainHead(models.Model):
    """The last position and hash of the chain: one row, locked by every writer to serialise the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.BigIntegerField("通番", default=0)
    hash = models.CharField("ハッシュ値", max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "アクセス記録の連鎖の先頭"
        verbose_name_plural = "アクセス記録の連鎖の先頭"
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"#{self.position} {self.hash}"


class AccessArchive(AppendOnlyModel):
    """A segment of the chain moved to an archive file after the retention period (seed 004 第12条1項).

    The next live record chains from `last_hash`: the verifier starts from the newest archive.
    """

    first_position = models.BigIntegerField("最初の通番")
    last_position = models.BigIntegerField("最後の通番", unique=True)
    previous_hash = models.CharField("直前のハッシュ値", max_length=64)
    last_hash = models.CharField("最後のハッシュ値", max_length=64)
    record_count = models.BigIntegerField("件数")
    oldest_at = models.DateTimeField("最も古い記録の日時")
    newest_at = models.DateTimeField("最も新しい記録の日時")
    file_name = models.CharField("ファイル名", max_length=200)
    file_sha256 = models.CharField("ファイルのSHA-256", max_length=64)
    created_at = models.DateTimeField("移管日時")

    class Meta:
        verbose_name = "アクセス記録の移管"
        verbose_name_plural = "アクセス記録の移管"
        ordering = ["-last_position"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_position__gte=1, last_position__gte=models.F("first_position")),
                name="audit_archive_positions",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.first_position}–#{self.last_position} ({self.file_name})"


class AccessAlert(models.Model):
    """Unusual access found by the analysis (第12条1項) or a large download (第13条); raised once per key."""

    kind = models.CharField("種類", max_length=40, choices=AlertKind.choices)
    dedup_key = models.CharField("重複防止キー", max_length=200, unique=True)
    raised_at = models.DateTimeField("検知日時")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="対象の利用者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_user_id = models.BigIntegerField("対象の利用者ID", null=True, blank=True)
    subject_username = models.CharField("対象のログイン名", max_length=150, blank=True)
    subject_name = models.CharField("対象の利用者名", max_length=150, blank=True)
    period_start = models.DateTimeField("対象期間の開始")
    period_end = models.DateTimeField("対象期間の終了")
    record_count = models.BigIntegerField("該当する記録の件数", default=0)
    first_position = models.BigIntegerField("最初の記録の通番", null=True, blank=True)
    last_position = models.BigIntegerField("最後の記録の通番", null=True, blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)
    emailed_at = models.DateTimeField("管理者への通知日時", null=True, blank=True)
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by_user_id = models.BigIntegerField("確認者の利用者ID", null=True, blank=True)
    reviewed_by_name = models.CharField("確認者名", max_length=150, blank=True)
    review_note = models.TextField("確認の記録", blank=True)

    class Meta:
        verbose_name = "アクセス警告"
        verbose_name_plural = "アクセス警告"
        ordering = ["-raised_at", "-id"]
        default_permissions = ("view",)
        permissions = [("review_accessalert", "アクセス警告を確認済みにする")]
        indexes = [models.Index(fields=["emailed_at"], name="audit_alert_emailed_at")]

    def __str__(self) -> str:
        who = self.subject_name or self.subject_username or self.detail.get("ip_address", "")
        return f"{self.get_kind_display()} {who}".strip()

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class DownloadTally(models.Model):
    """Rows and bytes one user downloaded on one Japan-time day (seed 004 第13条); locked per download."""

    user_id = models.BigIntegerField("利用者ID")
    day = models.DateField("日")
    rows = models.BigIntegerField("行数", default=0)
    bytes = models.BigIntegerField("バイト数", default=0)
    alert = models.ForeignKey(
        AccessAlert, verbose_name="アクセス警告", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "ダウンロード量の集計"
        verbose_name_plural = "ダウンロード量の集計"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user_id", "day"], name="audit_download_tally_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.rows} rows, {self.bytes} bytes"
