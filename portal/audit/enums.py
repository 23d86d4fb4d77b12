"""Choices of the access records (アクセス記録, seed 004 第12条) and their alerts (第13条)."""

from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "閲覧"
    DOWNLOAD = "download", "ダウンロード"
    CREATE = "create", "作成"
    CHANGE = "change", "変更"
    DELETE = "delete", "削除"
    SIGN_IN = "sign_in", "サインイン"
    SIGN_IN_FAILED = "sign_in_failed", "サインイン失敗"
    SIGN_OUT = "sign_out", "サインアウト"
    UNAUTHORIZED = "unauthorized", "権限のない操作"
    EXPORT = "export", "エクスポート"
    IMPORT = "import", "インポート"
    ARCHIVE = "archive", "アクセス記録の保存期間経過分の移管"


class AccessResult(models.TextChoices):
    SUCCESS = "success", "成功"
    REFUSED = "refused", "拒否"
    FAILED = "failed", "失敗"


class AlertKind(models.TextChoices):
    OFF_HOURS = "off_hours", "業務時間外のアクセス"
    BULK_ACCESS = "bulk_access", "短時間の大量アクセス"
    REPEATED_REFUSALS = "repeated_refusals", "権限のない操作の繰り返し"
    FAILED_SIGN_INS = "failed_sign_ins", "サインイン失敗の繰り返し"
    FAILED_SIGN_INS_FROM_ADDRESS = "failed_sign_ins_from_address", "同一アドレスからのサインイン失敗の繰り返し"
    DOWNLOAD_VOLUME = "download_volume", "一定量以上のダウンロード"
    CHAIN_BROKEN = "chain_broken", "アクセス記録の改ざん・消去の疑い"
