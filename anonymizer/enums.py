from django.db import models


class JobStatus(models.TextChoices):
    """Where a dataset job stands; changed only through anonymizer.workflow."""

    QUEUED = "queued", "作成待ち"
    NEEDS_PLAN = "needs_plan", "処理計画の確認待ち"
    RUNNING = "running", "作成中"
    SUCCEEDED = "succeeded", "作成済み"
    FAILED = "failed", "作成できず（要確認）"
    CANCELLED = "cancelled", "中止"


class DryRunStatus(models.TextChoices):
    QUEUED = "queued", "実行待ち"
    RUNNING = "running", "実行中"
    DONE = "done", "完了"
    FAILED = "failed", "実行できず"


class DatasetFileKind(models.TextChoices):
    CSV = "csv", "データ（CSV、UTF-8 BOM付き）"
    PARQUET = "parquet", "データ（Parquet）"
    MANIFEST = "manifest", "マニフェスト（SHA-256・件数・加工の方法）"
    REPORT = "report", "リスク・有用性の報告"
    LABEL = "label", "行政機関等匿名加工情報である旨の明示"
