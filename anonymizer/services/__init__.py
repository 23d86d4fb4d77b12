"""Writes of the anonymizer: dry runs for screening, the production job of a contract, its datasets and
their processing secrets (加工方法等情報), publication to the register and delivery.

Exactly once, nothing partial (issue 5): a job attempt claims the job under a row lock and holds a lease
it renews while it works; files are written and encrypted under names no record points to yet, and a
dataset appears only in the one transaction that checks the attempt still owns the job and ends it. A
worker killed at any point leaves either no dataset (the lease runs out and the next attempt starts
again from the source) or the whole dataset (a later attempt finds the job done and stops). What a
dead attempt left on disk is swept (temporary plaintext copies, seed 004 第17条; unreferenced files).
"""

from anonymizer.services.attempts import (
    Claim,
)
from anonymizer.services.common import (
    CREATE_DATASET_TASK,
    DRY_RUN_TASK,
    NO_SCREENING_DRY_RUN,
    PLAN_DIFFERS_FROM_SCREENING,
    AnonymizerError,
    JobCancelled,
    Superseded,
)
from anonymizer.services.disposal import (
    dataset_dispose,
)
from anonymizer.services.jobs import (
    dataset_job_cancel,
    dataset_job_execute,
    dataset_job_restart,
    dataset_jobs_resume,
    job_for_contract,
    work_sweep,
)
from anonymizer.services.reading import (
    dataset_file_read,
    processing_secret_read,
)
from anonymizer.services.screening import (
    dry_run_execute,
    dry_run_request,
    proposal_plan,
)

__all__ = [
    "CREATE_DATASET_TASK",
    "DRY_RUN_TASK",
    "NO_SCREENING_DRY_RUN",
    "PLAN_DIFFERS_FROM_SCREENING",
    "AnonymizerError",
    "Claim",
    "JobCancelled",
    "Superseded",
    "dataset_dispose",
    "dataset_file_read",
    "dataset_job_cancel",
    "dataset_job_execute",
    "dataset_job_restart",
    "dataset_jobs_resume",
    "dry_run_execute",
    "dry_run_request",
    "job_for_contract",
    "processing_secret_read",
    "proposal_plan",
    "work_sweep",
]
