"""The anonymizer's records: a file's processing standard (加工基準), dry runs for screening, the
production job of one contract, the dataset it created (encrypted files), and the processing secrets
(加工方法等情報) kept apart from it. The engine (anonymizer/engine) knows none of these."""

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from anonymizer.engine.plan import plan_digest
from anonymizer.enums import DatasetFileKind, DryRunStatus, JobStatus
from portal.workflow import TransitionRecord, recorded_person, status_pair


class ProcessingProfile(models.Model):
    """加工基準 of one personal information file: the agency's processing plan for its columns (roles,
    mandatory steps, k-anonymity, data subjects), in anonymized mode only. A proposal's item-by-item request
    is laid over it (anonymizer.plans) and can only make it coarser, never finer."""

    entry = models.OneToOneField(
        "files_registry.RegisterEntry",
        verbose_name="個人情報ファイル",
        on_delete=models.PROTECT,
        related_name="processing_profile",
    )
    plan = models.JSONField(
        "加工基準（処理計画）", help_text="anonymizer/schema/processing-plan.schema.json に従う処理計画"
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by_name = models.CharField("更新者", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "加工基準"
        verbose_name_plural = "加工基準"

    def __str__(self) -> str:
        return f"{self.entry.name}の加工基準"


class DryRun(models.Model):
    """A screening dry run (審査基準③): the proposal's requested processing on the real source file;
    only the report and the verdict are kept, no output leaves the server."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(
        "proposals.Proposal", verbose_name="提案", on_delete=models.CASCADE, related_name="dry_runs"
    )
    version_number = models.PositiveIntegerField("提案書の版")
    source_file = models.ForeignKey(
        "files_registry.SourceFile",
        verbose_name="原データ",
        on_delete=models.SET_NULL,
        null=True,
        related_name="dry_runs",
    )
    plan = models.JSONField("処理計画")
    notes = models.JSONField("処理計画の注記", default=list)
    status = models.CharField("状況", max_length=10, choices=DryRunStatus.choices, default=DryRunStatus.QUEUED)
    report = models.JSONField("報告", null=True, blank=True)
    compliant = models.BooleanField("加工の基準への適合", null=True)
    failure = models.TextField("実行できなかった理由", blank=True)
    requested_by, requested_by_name = recorded_person("実行を依頼した者")
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "加工の試行（ドライラン）"
        verbose_name_plural = "加工の試行（ドライラン）"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.proposal}の試行（{self.created_at:%Y-%m-%d %H:%M}）"

    @property
    def plan_digest(self) -> str:
        return plan_digest(self.plan)


class DatasetJob(models.Model):
    """The production job of one concluded contract: source → dataset, exactly once.

    A running attempt holds a lease (lease_until) that it renews as it advances; an attempt whose worker
    died leaves the lease to expire, and the next attempt takes the job over (anonymizer.services).

    `screened_plan_digest` is the plan screening's dry run checked: a completed dry run of the proposal's
    latest version with the job's very plan if there is one, else the newest completed dry run of that version
    (for a proposal on a dataset already made, 法118: that dataset's plan); '' when there is none. A job whose
    plan differs, or that has no such dry run, runs only once a protection manager of the file has confirmed
    that very plan (`confirmed_plan_digest`, with a reason in the transition)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    contract = models.OneToOneField(
        "contracts.Contract", verbose_name="利用契約", on_delete=models.PROTECT, related_name="dataset_job"
    )
    source_file = models.ForeignKey(
        "files_registry.SourceFile",
        verbose_name="原データ",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    plan = models.JSONField("処理計画")
    notes = models.JSONField("処理計画の注記", default=list, blank=True)
    screened_plan_digest = models.CharField(
        "審査の試行で確認した処理計画のダイジェスト", max_length=64, blank=True, editable=False
    )
    confirmed_plan_digest = models.CharField(
        "保護管理者が確認した処理計画のダイジェスト", max_length=64, blank=True, editable=False
    )
    status = models.CharField(
        "状況", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, editable=False
    )
    progress = models.PositiveSmallIntegerField("進捗（%）", default=0, editable=False)
    attempts = models.PositiveSmallIntegerField("実行回数", default=0, editable=False)
    lease_until = models.DateTimeField("実行中の期限", null=True, blank=True, editable=False)
    worker = models.CharField("実行中の worker", max_length=200, blank=True, editable=False)
    cancel_requested_at = models.DateTimeField("中止の指示日時", null=True, blank=True, editable=False)
    cancel_requested_by_name = models.CharField("中止を指示した者", max_length=200, blank=True, editable=False)
    failure = models.TextField("作成できなかった理由", blank=True, editable=False)
    report = models.JSONField("報告", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True, editable=False)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "作成処理"
        verbose_name_plural = "作成処理"
        ordering = ["-created_at"]
        permissions = [("cancel_datasetjob", "作成処理を中止する"), ("run_datasetjob", "作成処理を実行する")]

    def __str__(self) -> str:
        return f"{self.contract}の作成処理"

    @property
    def plan_digest(self) -> str:
        return plan_digest(self.plan)

    @property
    def plan_differs_from_screening(self) -> bool:
        """The plan is not the one screening's dry run checked (False when no dry run was made)."""
        return bool(self.screened_plan_digest) and self.plan_digest != self.screened_plan_digest

    @property
    def lacks_screening_dry_run(self) -> bool:
        """Screening's dry run never checked a plan for the proposal's latest version (anonymizer.dry_runs)."""
        return not self.screened_plan_digest

    @property
    def awaits_plan_confirmation(self) -> bool:
        """It must not run before a protection manager confirms its plan (anonymizer.services)."""
        unchecked = self.lacks_screening_dry_run or self.plan_differs_from_screening
        return unchecked and self.confirmed_plan_digest != self.plan_digest


class DatasetJobTransition(TransitionRecord):
    """One status change of a dataset job: who (or which attempt), when, why; when a person changed or
    confirmed the plan, the digests of the plan before and after."""

    job = models.ForeignKey(DatasetJob, verbose_name="作成処理", on_delete=models.PROTECT, related_name="transitions")
    from_status, to_status = status_pair(JobStatus, max_length=12)
    plan_digest_before = models.CharField("変更前の処理計画のダイジェスト", max_length=64, blank=True)
    plan_digest_after = models.CharField("変更後の処理計画のダイジェスト", max_length=64, blank=True)

    class Meta:
        verbose_name = "作成処理の状況の変更"
        verbose_name_plural = "作成処理の状況の変更"
        ordering = ["job", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AnonymizedDataset(models.Model):
    """行政機関等匿名加工情報 as created for one contract. It exists only complete: its row and its files'
    rows are written in the one transaction that ends the job (one per contract, enforced by the DB)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    job = models.OneToOneField(DatasetJob, verbose_name="作成処理", on_delete=models.PROTECT, related_name="dataset")
    contract = models.OneToOneField(
        "contracts.Contract", verbose_name="利用契約", on_delete=models.PROTECT, related_name="dataset"
    )
    entry = models.ForeignKey(
        "files_registry.RegisterEntry",
        verbose_name="個人情報ファイル",
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    summary = models.ForeignKey(
        "files_registry.AnonymizedDatasetSummary",
        verbose_name="行政機関等匿名加工情報の概要",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="datasets",
    )
    rows = models.PositiveBigIntegerField("レコード数")
    subject_count = models.PositiveIntegerField("本人の数")
    plan_digest = models.CharField("処理計画のダイジェスト", max_length=64)
    manifest = models.JSONField("マニフェスト")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    destroyed_at = models.DateTimeField("消去日時", null=True, blank=True)

    class Meta:
        verbose_name = "行政機関等匿名加工情報"
        verbose_name_plural = "行政機関等匿名加工情報"
        ordering = ["-created_at"]
        permissions = [("dispose_dataset", "行政機関等匿名加工情報を消去する（消去証明を発行）")]

    def __str__(self) -> str:
        return f"{self.contract}の行政機関等匿名加工情報"


class DatasetFile(models.Model):
    """One delivered file, encrypted at rest with its own data key (seed 004 第18条)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(
        AnonymizedDataset, verbose_name="行政機関等匿名加工情報", on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField("種類", max_length=10, choices=DatasetFileKind.choices)
    name = models.CharField("ファイル名", max_length=100)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256（平文）", max_length=64)
    rows = models.PositiveBigIntegerField("レコード数", null=True, blank=True)
    stored_name = models.CharField("格納名", max_length=200, editable=False)
    key_id = models.CharField("マスター鍵", max_length=50, editable=False)
    wrapped_key = models.BinaryField(
        "包まれたデータ鍵", null=True, editable=False
    )  # None once destroyed (crypto-erase)

    class Meta:
        verbose_name = "提供ファイル"
        verbose_name_plural = "提供ファイル"
        ordering = ["dataset", "kind"]
        constraints = [models.UniqueConstraint(fields=["dataset", "kind"], name="datasetfile_one_per_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def key_context(self) -> bytes:
        return f"anonymizer.datasetfile:{self.public_id}".encode()


class ProcessingSecret(models.Model):
    """加工方法等情報 / 削除情報等 of one dataset (keys, seed, ID maps, deleted values): encrypted, stored apart
    from the dataset (its own folder and data key), readable only by the file's protection managers, every
    read recorded (seed 002 3-3, seed 003 4(2), seed 004 第17条・第18条)."""

    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    dataset = models.OneToOneField(
        AnonymizedDataset, verbose_name="行政機関等匿名加工情報", on_delete=models.PROTECT, related_name="secret"
    )
    entry = models.ForeignKey(
        "files_registry.RegisterEntry", verbose_name="個人情報ファイル", on_delete=models.PROTECT, related_name="+"
    )
    plan_digest = models.CharField("処理計画のダイジェスト", max_length=64)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    stored_name = models.CharField("格納名", max_length=200, editable=False)
    key_id = models.CharField("マスター鍵", max_length=50, editable=False)
    wrapped_key = models.BinaryField("包まれたデータ鍵", null=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    destroyed_at = models.DateTimeField("消去日時", null=True, blank=True)

    class Meta:
        verbose_name = "加工方法等情報"
        verbose_name_plural = "加工方法等情報"
        ordering = ["-created_at"]
        permissions = [("read_processingsecret", "加工方法等情報を閲覧する")]

    def __str__(self) -> str:
        return f"{self.dataset}の加工方法等情報"

    @property
    def key_context(self) -> bytes:
        return f"anonymizer.processingsecret:{self.public_id}".encode()
