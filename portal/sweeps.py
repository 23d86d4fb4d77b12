"""Sweeps of temporary copies, on the record (seed 004 第17条: temporary copies are kept to the minimum and
erased once no longer needed; 第17条第2項: the protection manager checks that they are).

Every sweep of the dataset jobs' work folders (at worker start and daily) and every sweep of the upload
spool that removed something is an access record 削除 by the system, with what it removed; the audit
report lists them (section `temporary_copies`), the evidence a 点検 of 第17条第2項 reads.
"""

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record

SWEEP_OBJECT_TYPE = "portal.temporarycopies"
SWEEPER = "(sweep_temporary_copies)"  # the records' actor, as the other system tasks name themselves

# What a sweep counts, in the order the record names it.
COUNT_LABELS = {
    "work_folders": "作業用の一時フォルダ",
    "unreferenced_files": "どの記録からも参照されない暗号化ファイル",
    "upload_files": "アップロードの一時ファイル",
}
TRIGGER_LABELS = {
    "daily": "定期（毎日）",
    "worker_start": "worker の起動時",
    "web_start": "Web サーバーの起動時",
}


def sweep_describe(counts: dict[str, int]) -> str:
    """「作業用の一時フォルダ 2件、…」 for the counts a sweep reports."""
    return "、".join(f"{COUNT_LABELS[key]} {counts[key]}件" for key in COUNT_LABELS if key in counts)


def sweep_record(*, trigger: str, counts: dict[str, int]) -> None:
    """Record one sweep: what set it off (TRIGGER_LABELS) and how many of each kind it removed."""
    if trigger not in TRIGGER_LABELS or not counts or set(counts) - set(COUNT_LABELS):
        raise ValueError(f"unknown sweep trigger or counts: {trigger!r}, {sorted(counts)}")
    access_record(
        actor=None,
        username=SWEEPER,
        action=AccessAction.DELETE,
        result=AccessResult.SUCCESS,
        object_type=SWEEP_OBJECT_TYPE,
        object_repr=f"一時的な複製の消去（{sweep_describe(counts)}）",
        detail={"trigger": trigger, **counts},
    )
