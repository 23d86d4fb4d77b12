"""What the anonymizer services share: task names, errors, where files go, and one way to run the engine
(the same plan from the CLI, a dry run and the production job gives the same result)."""

from pathlib import Path

from django.conf import settings

from anonymizer import engine
from anonymizer.plans import hierarchy_table_messages
from files_registry.models import SourceFile
from files_registry.sources import source_file_read_for_processing
from portal.uploads import protected_storage

CREATE_DATASET_TASK = "anonymizer.create_dataset"


PLAN_DIFFERS_FROM_SCREENING = (
    "処理計画が審査の試行（ドライラン）で確認したものと異なるため、個人情報ファイルの保護管理者が理由を付けて"
    "確認するまで作成しません。"
)


NO_SCREENING_DRY_RUN = (
    "審査の試行（ドライラン）で提案の最新の版の処理計画を原データに適用した記録がないため、個人情報ファイルの"
    "保護管理者が理由を付けて確認するまで作成しません。"
)


DRY_RUN_TASK = "anonymizer.dry_run"


class AnonymizerError(Exception):
    """Something a person must fix; `messages` are Japanese sentences."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


class JobCancelled(Exception):
    """Staff asked the running job to stop."""


class Superseded(Exception):
    """This attempt no longer owns the job (its lease ran out and another attempt took over)."""


def _stored(name: str) -> Path:
    return Path(protected_storage.path(name))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _plaintext_source(source: SourceFile, folder: Path, purpose: str) -> Path:
    suffix = Path(source.original_name).suffix.lower() or ".csv"
    target = folder / f"source{suffix}"
    with open(target, "wb") as out:
        for block in source_file_read_for_processing(source=source, purpose=purpose):
            out.write(block)
    return target


def _run_engine(source_path: Path, plan: dict, *, output=None, progress=None, retain_deleted=False):
    chunk_rows = settings.ANONYMIZER_CHUNK_ROWS or None
    tables = hierarchy_table_messages(plan)
    if tables:  # the hierarchy must not depend on this process's working folder
        raise engine.PlanError(tables)
    return engine.anonymize_file(
        source_path,
        engine.load_plan(plan),
        _secrets_for(plan),
        output=output,
        collect=False,
        chunk_rows=chunk_rows,
        progress=progress,
        retain_deleted=retain_deleted,
        hold_bytes=settings.ANONYMIZER_HOLD_MB << 20,
        spill_dir=source_path.parent,  # the attempt's private work folder, swept after a crash
    )


def _secrets_for(plan: dict) -> engine.ProcessingSecrets:
    """Fresh secrets for every run: a new random key per recipient and delivery (seed 002 3-2-3)."""
    names = tuple(
        dict.fromkeys(
            step.get("key", "pseudonym")
            for column in plan.get("columns", [])
            for step in column.get("steps", [])
            if step.get("op") == "pseudonymize"
        )
    ) or ("pseudonym",)
    return engine.ProcessingSecrets.generate(names)


def _engine_messages(exc: engine.EngineError) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc)])
